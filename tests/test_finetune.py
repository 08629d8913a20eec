"""Fine-tuning: learns a learnable task, keeps honest per-example records, resumes exactly."""

from __future__ import annotations

import json
import random
from dataclasses import replace

import pandas as pd
import pytest
from transformers import TrainerCallback

from precog.data.tasks import file_task
from precog.engine.finetune import FinetuneConfig, finetune
from precog.engine.runs import load_predictions
from precog.errors import PrecogError

CONFIG = FinetuneConfig(head="cls", max_length=16, batch_size=16, learning_rate=3e-3, epochs=3, warmup_ratio=0.1,
                        train_examples=None, precision="fp32")  # exact: the precision tests compare against it
FILLER = "the a film movie plot story actor and of to in it this that with".split()


def keyword_rows(n: int, seed: int, pair: bool = False) -> pd.DataFrame:
    """Label 1 iff the text says 'good' (else 'bad'): learnable from one token."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        label = i % 2
        words = rng.sample(FILLER, 5)
        words.insert(rng.randrange(6), "good" if label else "bad")
        row = {"text": " ".join(words), "label": label}
        if pair:
            row["second"] = " ".join(rng.sample(FILLER, 4))
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def tasks(tmp_path_factory):
    root = tmp_path_factory.mktemp("task")
    for name, n, seed, pair in [
        ("train", 320, 0, False),
        ("validation", 64, 1, False),
        ("ptrain", 160, 2, True),
        ("pvalidation", 32, 3, True),
    ]:
        keyword_rows(n, seed, pair).to_json(root / f"{name}.jsonl", orient="records", lines=True)
    single = file_task("keyword", {"train": root / "train.jsonl", "validation": root / "validation.jsonl"}, ["text"])
    paired = file_task(
        "keyword-pair", {"train": root / "ptrain.jsonl", "validation": root / "pvalidation.jsonl"}, ["text", "second"]
    )
    return single, paired


@pytest.fixture(scope="module")
def reference(tasks, tiny_models, tmp_path_factory):
    return finetune(
        tasks[0], tiny_models["bert"], seed=0, config=CONFIG, folder=tmp_path_factory.mktemp("ref"), progress=False
    )


def test_tiny_model_learns_the_task(reference):
    metrics = json.loads((reference / "metrics.json").read_text())
    assert metrics["accuracy"] >= 0.9 and metrics["n_eval"] == 64 and metrics["n_train"] == 320


def test_records_reproduce_the_metric(reference):
    rec = load_predictions(reference)
    metrics = json.loads((reference / "metrics.json").read_text())
    assert rec["correct"].mean() == pytest.approx(metrics["accuracy"])
    assert list(rec["id"]) == list(range(64))
    epochs = rec[[f"p_gold_epoch{e}" for e in (1, 2, 3)]]
    assert epochs.apply(lambda c: c.between(0, 1)).all().all()
    assert (rec["p_gold_epoch3"] - rec["p_gold"]).abs().max() < 1e-6  # last epoch = final model
    assert ((rec["p_gold"] > 0.5) == rec["correct"]).all()  # binary: p(gold) > 1/2 iff right


class StopAfterFirstSave(TrainerCallback):
    def on_save(self, args, state, control, **kwargs):
        raise KeyboardInterrupt("simulated kill after epoch 1")


def test_same_seed_same_predictions_and_resume(tasks, tiny_models, reference, tmp_path):
    again = finetune(tasks[0], tiny_models["bert"], seed=0, config=CONFIG, folder=tmp_path / "again", progress=False)
    pd.testing.assert_frame_equal(load_predictions(again), load_predictions(reference))
    folder = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):
        finetune(
            tasks[0],
            tiny_models["bert"],
            seed=0,
            config=CONFIG,
            folder=folder,
            progress=False,
            callbacks=(StopAfterFirstSave(),),
        )
    assert list((folder / "checkpoints").glob("checkpoint-*")) and not (folder / "predictions.parquet").exists()
    finetune(tasks[0], tiny_models["bert"], seed=0, config=CONFIG, folder=folder, progress=False)
    pd.testing.assert_frame_equal(load_predictions(folder), load_predictions(reference))


def test_pair_task_runs(tasks, tiny_models, tmp_path):
    run = finetune(tasks[1], tiny_models["roberta"], seed=1, config=CONFIG, folder=tmp_path, progress=False)
    rec = load_predictions(run)
    assert len(rec) == 32 and set(rec["prediction"]) <= {0, 1} and rec["task"].eq("keyword-pair").all()


def test_prompt_head_reads_label_words_and_learns(tasks, tiny_models, tmp_path):
    from dataclasses import replace

    task = replace(tasks[0], label_words=("bad", "good"))
    config = replace(CONFIG, head="prompt", epochs=4)
    run = finetune(task, tiny_models["bert"], seed=0, config=config, folder=tmp_path, progress=False)
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["accuracy"] >= 0.9


def test_prompt_head_refuses_label_words_outside_the_vocabulary(tasks, tiny_models, tmp_path):
    from dataclasses import replace

    from precog.errors import PrecogError

    task = replace(tasks[0], label_words=("bad", "splendiferous"))
    with pytest.raises(PrecogError, match="not a single token"):
        finetune(task, tiny_models["bert"], seed=0, config=replace(CONFIG, head="prompt"), folder=tmp_path / "x", progress=False)
    assert not (tmp_path / "x").exists()


def test_training_subset_is_fixed_and_shared():
    from precog.data.tasks import training_subset

    a, b = training_subset(1000, 100), training_subset(1000, 100)
    assert a == b and len(set(a)) == 100 and a == sorted(a) and max(a) < 1000
    assert training_subset(50, None) != list(range(50)) and sorted(training_subset(50, None)) == list(range(50))


# ---------------------------------------------------------------- precision and optimizer options
@pytest.fixture(scope="module")
def fp32_run(tasks, tiny_models, tmp_path_factory):
    return load_predictions(finetune(tasks[0], tiny_models["bert"], 0, CONFIG, folder=tmp_path_factory.mktemp("fp32"),
                                     progress=False))


@pytest.mark.parametrize("option", [{"precision": "bf16"}, {"optimizer": "adamw_torch"}])
def test_option_agrees_with_fp32(option, fp32_run, tasks, tiny_models, tmp_path):
    other = load_predictions(finetune(tasks[0], tiny_models["bert"], 0, replace(CONFIG, **option), folder=tmp_path,
                                      progress=False))
    agreement = (other["prediction"] == fp32_run["prediction"]).mean()
    assert agreement >= 0.9 and other["correct"].mean() >= 0.9
    if "precision" in option:  # autocast really ran: the probabilities moved
        assert not other["p_gold"].equals(fp32_run["p_gold"])


def test_gpu_precision_is_refused_on_cpu(tasks, tiny_models, tmp_path):
    with pytest.raises(PrecogError, match="precision fp16 needs a CUDA GPU"):
        finetune(tasks[0], tiny_models["bert"], 0, replace(CONFIG, precision="fp16"), folder=tmp_path, progress=False)
    assert not any(tmp_path.iterdir())  # refused before any folder was made


def test_unknown_precision_is_one_line(tasks, tiny_models, tmp_path):
    with pytest.raises(PrecogError, match="finetune.precision must be one of"):
        finetune(tasks[0], tiny_models["bert"], 0, replace(CONFIG, precision="fp8"), folder=tmp_path, progress=False)
