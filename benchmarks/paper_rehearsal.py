"""A rehearsal of the paper profile at full GLUE scale, without the hub.

Builds GLUE-shaped local data (the real split sizes, or a fraction of them with
``--scale``; the layout ``PRECOG_GLUE_DIR`` reads; example lengths drawn per task) and a
bert-base-shaped model folder (30,522-word vocabulary, random weights: speed does not
depend on the weights), then runs the paper profile's own code path on a bounded slice of
each step — ``precog.scoring.score_to_file`` on some validation examples, and
``precog.finetune.finetune`` for a few training examples per task — and projects the
totals for every task, split and seed. Writes benchmarks/results/paper_rehearsal_<device>.json.

    python benchmarks/paper_rehearsal.py --device cuda          # on one GPU: a few minutes
    python benchmarks/paper_rehearsal.py --toy                  # tiny model and data (the test suite)

On CUDA it also measures fp16 against fp32 scoring on the same examples (hit@1 agreement).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from transformers import TrainerCallback

OUT = Path(__file__).parent / "results"
# GLUE split sizes (train, then each evaluation split), from the hub's dataset card.
SIZES = {
    "cola": (8551, {"validation": 1043}),
    "sst2": (67349, {"validation": 872}),
    "mrpc": (3668, {"validation": 408}),
    "qqp": (363846, {"validation": 40430}),
    "mnli": (392702, {"validation_matched": 9815, "validation_mismatched": 9832}),
    "qnli": (104743, {"validation": 5463}),
    "rte": (2490, {"validation": 277}),
    "wnli": (635, {"validation": 71}),
}
MEDIAN_TOKENS = {"cola": 11, "sst2": 13, "mrpc": 53, "qqp": 30, "mnli": 39, "qnli": 51, "rte": 71, "wnli": 37}


def lengths(task: str, n: int, seed: int) -> np.ndarray:
    """Words per example: lognormal around the task's median token count, clipped to 8-128."""
    rng = np.random.default_rng(seed)
    return np.clip(rng.lognormal(np.log(MEDIAN_TOKENS[task]), 0.5, n), 8, 126).astype(int)


def write_task(root: Path, task: str, scale: float, vocab: int, seed: int) -> None:
    """Parquet files of every split of ``task`` in the hub's layout (fields, labels, idx)."""
    from precog.tasks import GLUE

    fields, labels = GLUE[task][0], GLUE[task][1]
    train, evals = SIZES[task]
    rng = np.random.default_rng(seed)
    (root / task).mkdir(parents=True, exist_ok=True)
    for split, size in {"train": train, **evals}.items():
        n = max(8, int(size * scale))
        words = lengths(task, n, seed)
        per_field = [np.maximum(1, words // len(fields)) for _ in fields]
        table = {f: [" ".join(f"w{t}" for t in rng.integers(0, vocab, k)) for k in per_field[i]] for i, f in enumerate(fields)}
        table["label"] = rng.integers(0, len(labels), n)
        table["idx"] = np.arange(n, dtype=np.int32)
        pd.DataFrame(table).to_parquet(root / task / f"{split}-00000-of-00001.parquet", index=False)


def model_folder(folder: Path, toy: bool) -> Path:
    """A masked LM of bert-base shape (or a tiny one) with a word-per-token vocabulary."""
    from transformers import BertConfig, BertForMaskedLM, BertTokenizer

    size = 1000 if toy else 30522
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *[f"w{i}" for i in range(size - 5)]]
    tok = BertTokenizer(vocab={t: i for i, t in enumerate(vocab)}, model_max_length=128)
    cfg = BertConfig(vocab_size=size) if not toy else BertConfig(
        vocab_size=size, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64)
    torch.manual_seed(0)
    BertForMaskedLM(cfg).save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


class TrainClock(TrainerCallback):
    """Wall time between the start and the end of training (evaluation excluded)."""

    def on_train_begin(self, args, state, control, **kwargs):
        self.start = time.perf_counter()

    def on_epoch_begin(self, args, state, control, **kwargs):
        if torch.cuda.is_available():
            torch.cuda.synchronize()

    def on_train_end(self, args, state, control, **kwargs):
        self.seconds = time.perf_counter() - self.start


def rehearse(device: str, toy: bool, score_examples: int, train_examples: int, out: Path | None) -> dict:
    """Measure the paper profile's steps on slices and project the totals (see module doc)."""
    from precog.finetune import finetune
    from precog.profiles import load_profile
    from precog.scoring import encode_all, score
    from precog.tasks import get_task

    paper = load_profile("paper")
    scale = 0.001 if toy else 1.0
    work = Path(tempfile.mkdtemp(prefix="rehearsal-"))
    os.environ["PRECOG_GLUE_DIR"] = str(work / "glue")
    folder = model_folder(work / "model", toy)
    vocab = 995 if toy else 30517
    for i, task in enumerate(paper.tasks):
        write_task(work / "glue", task, scale, vocab, seed=i)
    from precog.models import load_masked_lm

    lm = load_masked_lm(folder, device, paper.score.dtype)
    result = {"device": torch.cuda.get_device_name() if device.startswith("cuda") else f"cpu ({os.cpu_count()} cores)",
              "scale": scale, "dtype": str(lm[0].dtype), "tasks": {}}
    scoring_seconds = finetune_seconds = 0.0
    for task in paper.tasks:
        t = get_task(task)
        val = t.load(t.eval_split).to_pandas()
        fields = list(t.text_fields)
        part = val.iloc[:score_examples]
        pairs = part[fields[1]] if len(fields) > 1 else None
        start = time.perf_counter()
        score(part[fields[0]].tolist(), lm, text_pairs=None if pairs is None else pairs.tolist(),
              k=paper.k, batch_tokens=paper.score.batch_tokens, progress=False)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        took = time.perf_counter() - start
        forwards = sum(len(e.input_ids) * len(e.units) for e in encode_all(lm[1], lm[0], part[fields[0]], pairs, "token"))
        rate = forwards / took
        all_splits = [s for s in SIZES[task][1]]
        total_rows = sum(SIZES[task][1].values())
        projected_scoring = took / len(part) * total_rows
        config = replace(paper.finetune, train_examples=train_examples, epochs=1)
        clock = TrainClock()
        finetune(task, str(folder), 0, config, eval_ids=val["id"].iloc[:8].tolist(), folder=work / "ft" / task,
                 progress=False, callbacks=(clock,))
        per_example = clock.seconds / min(train_examples, len(t.load("train")))
        projected_ft = per_example * SIZES[task][0] * paper.finetune.epochs * len(paper.seeds)
        scoring_seconds += projected_scoring
        finetune_seconds += projected_ft
        result["tasks"][task] = {"token_forwards_per_s": rate, "scored_examples": len(part), "eval_splits": all_splits,
                                 "scoring_minutes_projected": projected_scoring / 60,
                                 "train_examples_per_s": 1 / per_example,
                                 "finetune_hours_projected": projected_ft / 3600}
    result["scoring_minutes_projected"] = scoring_seconds / 60
    result["finetune_hours_projected"] = finetune_seconds / 3600
    if device.startswith("cuda"):
        t = get_task("sst2")
        texts = t.load(t.eval_split).to_pandas()["sentence"].iloc[:score_examples].tolist()
        exact = score(texts, load_masked_lm(folder, device, "fp32"), k=(1,), progress=False)
        half = score(texts, load_masked_lm(folder, device, "fp16"), k=(1,), progress=False)
        result["fp16_precog1_mean_abs_difference"] = float((exact["precog@1"] - half["precog@1"]).abs().mean())
    if out is not None:
        out.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    return result


def main() -> None:
    import datasets
    from transformers.utils import logging as hf_logging

    datasets.disable_progress_bars()
    hf_logging.disable_progress_bar()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--toy", action="store_true", help="tiny model and 0.1%% of each split (for tests)")
    parser.add_argument("--score-examples", type=int, default=64)
    parser.add_argument("--train-examples", type=int, default=256)
    parser.add_argument("--out", type=Path, default=None, help="default: benchmarks/results/paper_rehearsal_<device>.json")
    args = parser.parse_args()
    out = args.out or OUT / f"paper_rehearsal_{'gpu' if args.device.startswith('cuda') else 'cpu'}{'_toy' if args.toy else ''}.json"
    result = rehearse(args.device, args.toy, args.score_examples, args.train_examples, out)
    print(json.dumps({k: v for k, v in result.items() if k != "tasks"}, indent=1))


if __name__ == "__main__":
    main()
