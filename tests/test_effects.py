"""Effects of the controlled study on hand-made frames, and the baselines on a file task."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from precog.configs import FinetuneConfig
from precog.stats import effects

MODELS = ("0", "1", "2")


def study_rows() -> pd.DataFrame:
    """Two tasks, three models; per task: 2 never examples, 3 text@4 and 3 text+label@4
    (one seen by each model).

    Correctness is chosen so that text has no effect, text+label one of +0.5 (1.0 seen, 0.5
    unseen), and on the never examples model 0 is best (1.0), model 1 worst (0.0).
    """
    rows = []
    for task in ("t1", "t2"):
        spec = [(1, "never", 0, "-"), (2, "never", 0, "-")]
        spec += [(3 + m, "text", 4, name) for m, name in enumerate(MODELS)]
        spec += [(6 + m, "text+label", 4, name) for m, name in enumerate(MODELS)]
        for i, arm, dose, into in spec:
            for m, model in enumerate(MODELS):
                if arm == "never":
                    c = (1.0, 0.0, 0.5)[m]
                elif arm == "text":
                    c = float(i % 2)
                else:
                    c = 1.0 if into == model else 0.5
                rows.append({"task": task, "id": i, "label": i % 2, "model": model, "correct": c, "arm": arm,
                             "dose": dose, "injected_into": into, "seen": into == model})
    return pd.DataFrame(rows)


def test_crossover_pairs_seen_with_the_mean_of_the_unseen_models():
    d = effects.crossover(study_rows(), "text+label", 4)
    assert len(d) == 6 and (d["diff"] == 0.5).all() and (d["unseen"] == 0.5).all()
    assert d.set_index(["task", "id"]).loc[("t1", 7), "model"] == "1"
    assert effects.per_model(d)[["model", "n", "estimate"]].values.tolist() == [["0", 2, 0.5], ["1", 2, 0.5], ["2", 2, 0.5]]


def test_cell_effects_transfer_quality_and_headline():
    study = study_rows()
    cells = effects.cell_effects(study, passes=3)
    pooled = cells[cells["task"] == "all"].set_index("arm")
    assert pooled.loc["text", "estimate"] == 0 and pooled.loc["text+label", "estimate"] == 0.5
    assert pooled.loc["text+label", "ci_low"] == pooled.loc["text+label", "ci_high"] == 0.5
    assert (cells["exposures"] == 12).all() and pooled.loc["text", "n"] == 6 and (cells["models"] == 3).all()
    random = pd.DataFrame({"task": ["t1"] * 8 + ["t2"] * 8, "id": list(range(1, 9)) * 2, "correct_random": 0.5})
    rows = effects.transfer_rows(study, random)
    assert len(rows) == 2 * (2 * 3 + 6 * 2)  # never: every model; injected: the two that did not see it
    assert not rows.merge(study[study["seen"]][["task", "id", "model"]]).shape[0]
    transfers = effects.transfer(rows)
    # per task: never 1.0/0.0/0.5 (x2 examples), text ids 3/4/5 correct 1/0/1 (x2 unseen models each),
    # text+label 0.5 (x6 unseen rows); random init 0.5 everywhere
    expected = (2 * (1.0 + 0.0 + 0.5) + 2 * (1 + 0 + 1) + 6 * 0.5) / 18 - 0.5
    assert transfers.set_index("task")["estimate"].to_dict() == pytest.approx({"t1": expected, "t2": expected})
    quality = effects.model_quality(study).set_index("model")
    assert quality["gap"].to_dict() == pytest.approx({"0": 0.75, "1": -0.75, "2": 0.0})
    h = effects.headline(study, cells, transfers, passes=3)
    assert h["positive_control"]["estimate"] == 0.5 and h["text_only"]["estimate"] == 0
    assert h["exposures_per_copy"] == 3 and h["top_dose"] == 4 and set(h["pretraining_transfer"]) == {"t1", "t2"}
    assert h["text_only"]["mde"] >= 0 and h["models"] == 3
    assert [m["model"] for m in h["text_only"]["per_model"]] == list(MODELS)
    assert h["positive_control"]["per_model"] == [{"model": m, "estimate": 0.5} for m in MODELS]


def test_arm_regression_finds_the_positive_control():
    rng = np.random.default_rng(0)
    base = study_rows()
    big = pd.concat([base.assign(id=base["id"] + 10 * k) for k in range(30)], ignore_index=True)
    big["correct"] = np.clip(big["correct"] + rng.normal(0, 0.01, len(big)), 0, 1)
    reg = effects.arm_regression(big).set_index(["model", "term"])
    assert reg.loc[("adjusted", "seen text+label@4"), "coef"] > 0
    assert set(reg.index.get_level_values(0)) == {"adjusted", "unadjusted"}


def test_label_balance_table():
    m = pd.DataFrame({"task": "t", "arm": ["never"] * 4 + ["text"] * 2, "dose": [0] * 4 + [8] * 2,
                      "label": [0, 1, 0, 1, 1, 0]})
    out = effects.label_balance(m)
    assert out["share_label1"].tolist() == [0.5, 0.5] and out["task_mean"].tolist() == [0.5, 0.5]


def test_baselines_on_a_learnable_file_task(tmp_path, monkeypatch):
    from precog.data.tasks import file_task
    from precog.stats import baselines

    rng = np.random.default_rng(0)
    for split, n in (("train", 200), ("validation", 40)):
        label = np.arange(n) % 2
        text = [f"{rng.choice(['film', 'plot', 'story'])} {'good' if y else 'bad'} {rng.choice(['a', 'the'])}" for y in label]
        pd.DataFrame({"text": text, "label": label}).to_json(tmp_path / f"{split}.jsonl", orient="records", lines=True)
    task = file_task("kw", {"train": tmp_path / "train.jsonl", "validation": tmp_path / "validation.jsonl"}, ["text"])
    monkeypatch.setattr(baselines, "get_task", lambda name: task)
    out = baselines.baseline_records("kw", FinetuneConfig(train_examples=100), None)
    acc = out.groupby("model")["correct"].mean()
    assert acc["tfidf+lr"] == 1.0 and acc["majority"] == pytest.approx(0.5)
    assert set(acc.index) == {"majority", "tfidf+lr", "tfidf+lr (full train)"}
    assert out.groupby("model").size().eq(40).all()


def test_transfer_interval_counts_an_examples_difficulty_once():
    """8 models, 200 examples per task; each example has its own difficulty shared by all
    models (+-0.5), models differ a little: the transfer interval must be about as wide as
    resampling whole examples gives (sd of example means / sqrt(200)), not sqrt(8) narrower."""
    rng = np.random.default_rng(0)
    examples = rng.choice([-0.5, 0.5], 200)
    rows = pd.DataFrame([{"task": "t", "id": e, "model": str(m), "correct": 0.5 + examples[e] + 0.01 * m,
                          "correct_random": 0.5} for e in range(200) for m in range(8)])
    rows["diff"] = rows["correct"] - rows["correct_random"]
    out = effects.transfer(rows).iloc[0]
    assert out["examples"] == 200 and out["models"] == 8 and out["n"] == 1600
    per_example = rows.groupby("id")["diff"].mean()
    expected_half_width = 1.96 * per_example.std() / np.sqrt(200)
    assert (out["ci_high"] - out["ci_low"]) / 2 == pytest.approx(expected_half_width, rel=0.25)
