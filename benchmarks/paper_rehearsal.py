"""A rehearsal of the paper profile at full GLUE scale, without the hub, in one short run.

Builds GLUE-shaped local data (the layout ``PRECOG_GLUE_DIR`` reads; example lengths drawn
per task around GLUE's medians) and a bert-base-shaped model folder (30,522-word vocabulary,
random weights: speed does not depend on the weights), then runs the paper profile's own
code path on bounded slices and projects the totals for every task, split and seed:

1. scoring throughput per dtype (fp32, fp16, bf16, as the device allows);
2. fidelity of each low-precision dtype against fp32: per scored token, does hit@1 agree
   (on the bert-base-shaped model, and on the demo model, whose weights are trained, over
   the sentences of this repository's README files);
3. per task, ``precog.engine.scoring.score`` on some validation examples (the profile's dtype) and
   ``precog.engine.finetune.finetune`` on a training slice: projected minutes and hours;
4. fine-tuning throughput with 1, 2, 4, 8 concurrent runs (``precog.concurrent.run_all``);
5. fine-tuning precision options (bf16 autocast; fp16 with loss scaling on a GPU) against fp32: speed and per-example
   prediction agreement.

Steps that would overrun ``--budget`` seconds are skipped and listed under ``skipped``.
Writes benchmarks/results/paper_rehearsal_<gpu|cpu>[_toy].json.

    python benchmarks/paper_rehearsal.py --device cuda --budget 480   # one H100/H200: < 8 minutes
    python benchmarks/paper_rehearsal.py --toy                        # tiny model and data (the test suite)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results"
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
ROW_CAP = 20_000  # rows written per split: the slices below never read more; projections use SIZES


class Budget:
    """Seconds left of a wall-clock budget, and the steps skipped for want of them."""

    def __init__(self, seconds: float):
        self.seconds, self.start, self.skipped = seconds, time.perf_counter(), []

    def left(self) -> float:
        return self.seconds - (time.perf_counter() - self.start)

    def allows(self, step: str, needs: float) -> bool:
        """Whether ``needs`` more seconds fit; if not, ``step`` is recorded as skipped."""
        if self.left() >= needs:
            return True
        self.skipped.append(step)
        return False


def lengths(task: str, n: int, seed: int) -> np.ndarray:
    """Words per example: lognormal around the task's median token count, clipped to 8-126."""
    rng = np.random.default_rng(seed)
    return np.clip(rng.lognormal(np.log(MEDIAN_TOKENS[task]), 0.5, n), 8, 126).astype(int)


def write_task(root: Path, task: str, scale: float, vocab: int, seed: int) -> None:
    """Parquet files of every split of ``task`` in the hub's layout (fields, labels, idx)."""
    from precog.data.tasks import GLUE

    fields, labels = GLUE[task][0], GLUE[task][1]
    train, evals = SIZES[task]
    rng = np.random.default_rng(seed)
    (root / task).mkdir(parents=True, exist_ok=True)
    for split, size in {"train": train, **evals}.items():
        n = min(ROW_CAP, max(8, int(size * scale)))
        words = lengths(task, n, seed)
        per_field = [np.maximum(1, words // len(fields)) for _ in fields]
        table = {f: [" ".join(f"w{t}" for t in rng.integers(0, vocab, k)) for k in per_field[i]] for i, f in enumerate(fields)}
        table["label"] = rng.integers(0, len(labels), n)
        table["idx"] = np.arange(n, dtype=np.int32)
        pd.DataFrame(table).to_parquet(root / task / f"{split}-00000-of-00001.parquet", index=False)


def model_folder(folder: Path, toy: bool) -> Path:
    """A masked LM of bert-base shape (or a tiny one) with a word-per-token vocabulary."""
    from transformers import BertConfig, BertForMaskedLM, BertTokenizerFast

    size = 1000 if toy else 30522
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *[f"w{i}" for i in range(size - 5)]]
    tok = BertTokenizerFast(vocab={t: i for i, t in enumerate(vocab)}, model_max_length=128)
    cfg = BertConfig(vocab_size=size) if not toy else BertConfig(
        vocab_size=size, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64)
    torch.manual_seed(0)
    BertForMaskedLM(cfg).save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


def readme_sentences(limit: int) -> list[str]:
    """Up to ``limit`` English sentences of 8-60 words from this repository's README files."""
    text = " ".join((ROOT / f).read_text() for f in ("README.md", "data/README.md"))
    text = re.sub(r"`[^`]*`|<[^>]*>|\[[^\]]*\]\([^)]*\)|[#*|]", " ", text)
    out = [s.strip() for s in re.split(r"(?<=[.!?])\s+", " ".join(text.split()))]
    return [s for s in out if 8 <= len(s.split()) <= 60][:limit]


def dtypes_for(device: str) -> list[str]:
    """The scoring precisions ``device`` can run (fp16 needs CUDA)."""
    from precog.precision import resolve

    out = []
    for dtype in ("fp32", "fp16", "bf16"):
        try:
            resolve(dtype, device)
            out.append(dtype)
        except Exception:  # noqa: BLE001 (a dtype this device refuses is simply not measured)
            pass
    return out


def synced(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def scoring_rate(texts, pairs, folder, device: str, dtype: str, batch_tokens: int) -> dict:
    """Token-forwards (one masked copy through the encoder) per second for ``dtype``."""
    from precog.engine.encoding import encode_all
    from precog.engine.models import load_masked_lm
    from precog.engine.scoring import score

    lm = load_masked_lm(folder, device, dtype)
    score(texts[:2], lm, text_pairs=None if pairs is None else pairs[:2], k=(1,), progress=False)  # warm-up
    synced(device)
    start = time.perf_counter()
    score(texts, lm, text_pairs=pairs, k=(1,), batch_tokens=batch_tokens, progress=False)
    synced(device)
    took = time.perf_counter() - start
    forwards = sum(len(e.input_ids) * len(e.units) for e in encode_all(lm[1], lm[0], texts, pairs, "token"))
    return {"token_forwards_per_s": forwards / took, "seconds": took, "examples": len(texts)}


def hit1_agreement(texts, folder, device: str, dtypes: list[str]) -> dict:
    """Per scored token, the share whose hit@1 under each dtype equals fp32's (and ranks)."""
    from precog.engine.scoring import score_units

    exact = score_units(texts, str(folder), device=device, precision="fp32", progress=False)
    out = {"scored_tokens": len(exact), "hit1_share_fp32": float((exact["rank"] == 1).mean())}
    for dtype in dtypes:
        if dtype != "fp32":
            low = score_units(texts, str(folder), device=device, precision=dtype, progress=False)
            out[dtype] = {"hit1_agreement": float(((exact["rank"] == 1) == (low["rank"] == 1)).mean()),
                          "rank_agreement": float((exact["rank"] == low["rank"]).mean()),
                          "logp_mean_abs_difference": float((exact["logp"] - low["logp"]).abs().mean())}
    return out


def train_clock(folder: Path) -> tuple[float, float]:
    """(start, end) wall-clock seconds of a run's training, written by its clock callback."""
    data = json.loads((folder / "clock.json").read_text())
    return data["start"], data["end"]


def concurrency(folder, config, train_examples: int, levels, work: Path, budget: Budget) -> dict:
    """Fine-tuning throughput (training examples per second, all runs together) for n runs at once."""
    from precog.engine.finetune import run_all
    from precog.engine.runs import Run

    out: dict[int, dict] = {}
    for n in levels:
        estimate = 2 * out[max(out)]["seconds"] if out else 0  # n doubles: at worst the time doubles
        if not budget.allows(f"concurrent fine-tuning x{n}", estimate):
            continue
        runs = [Run("sst2", str(folder), seed, config, tuple(range(8)), work / f"x{n}" / str(seed), clock=True)
                for seed in range(n)]
        start = time.perf_counter()
        done = run_all(runs, n)
        wall = time.perf_counter() - start
        clocks = [train_clock(f) for f in done]
        span = max(e for _, e in clocks) - min(s for s, _ in clocks)
        out[n] = {"examples_per_s": n * train_examples / span, "train_span_s": span, "seconds": wall}
    return out


def precision_check(folder, config, train_examples: int, device: str, work: Path, budget: Budget) -> dict:
    """Each fine-tuning precision the device runs, against fp32: examples/s and prediction agreement."""
    from precog.data.tasks import get_task
    from precog.engine.finetune import run_all
    from precog.engine.runs import Run, load_predictions

    wanted = ["fp32", "bf16"] + (["fp16"] if device.startswith("cuda") else [])
    ids = tuple(range(min(256, get_task("sst2").load("validation").num_rows)))  # agreement on these examples
    out, base = {}, None
    for precision in wanted:
        if not budget.allows(f"fine-tuning precision {precision}", 2 * out.get("fp32", {}).get("seconds", 0)):
            continue
        run = Run("sst2", str(folder), 0, replace(config, precision=precision), ids, work / "precision" / precision,
                  clock=True)
        start = time.perf_counter()
        try:
            (done,) = run_all([run], 1)
        except Exception as err:  # noqa: BLE001 (a precision this device refuses is recorded, not fatal)
            out[precision] = {"error": str(err).splitlines()[0]}
            continue
        s, e = train_clock(done)
        pred = load_predictions(done).set_index("id")["prediction"]
        base = pred if precision == "fp32" else base
        out[precision] = {"examples_per_s": train_examples / (e - s), "seconds": time.perf_counter() - start,
                          "prediction_agreement_with_fp32": float((pred == base).mean())}
    return out


def rehearse(device: str, toy: bool, score_examples: int, train_examples: int, out: Path | None,
             budget: float = 480, demo_model: Path | None = None, levels: tuple[int, ...] = (1, 2, 4, 8)) -> dict:
    """Measure the paper profile's steps on slices and project the totals (see module doc)."""
    from precog.compendium.profiles import load_profile
    from precog.data.tasks import get_task
    from precog.engine.finetune import run_all
    from precog.engine.runs import Run

    clock = Budget(budget)
    paper = load_profile("paper")
    scale = 0.001 if toy else 1.0
    work = Path(tempfile.mkdtemp(prefix="rehearsal-"))
    os.environ["PRECOG_GLUE_DIR"] = str(work / "glue")
    folder = model_folder(work / "model", toy)
    vocab = 995 if toy else 30517
    for i, task in enumerate(paper.tasks):
        write_task(work / "glue", task, scale, vocab, seed=i)
    name = torch.cuda.get_device_name() if device.startswith("cuda") else f"cpu ({os.cpu_count()} cores)"
    result = {"device": name, "scale": scale, "budget_s": budget, "tasks": {}}
    dtypes = dtypes_for(device)
    from precog.precision import resolve

    profile_dtype = resolve(paper.score.precision, device)  # what the paper profile's 'auto' takes here

    # 1. scoring throughput per dtype (sst2- and mnli-like lengths)
    result["scoring_dtypes"] = {}
    for task in ("sst2", "mnli"):
        val = get_task(task).load(get_task(task).eval_split).to_pandas().iloc[:score_examples]
        fields = list(get_task(task).text_fields)
        pairs = val[fields[1]].tolist() if len(fields) > 1 else None
        result["scoring_dtypes"][task] = {d: scoring_rate(val[fields[0]].tolist(), pairs, folder, device, d,
                                                          paper.score.batch_tokens) for d in dtypes}

    # 2. low-precision fidelity: random bert-base-shaped weights, and the trained demo model
    sst2 = get_task("sst2").load("validation").to_pandas()["sentence"].iloc[:score_examples].tolist()
    result["agreement"] = {"bert-base-shaped (random weights)": hit1_agreement(sst2, folder, device, dtypes)}
    if demo_model is not None and Path(demo_model).is_dir():
        result["agreement"]["demo model"] = hit1_agreement(readme_sentences(4 * score_examples), demo_model, device,
                                                           dtypes)
    else:
        clock.skipped.append("agreement on the demo model (not found: run `precog pretrain` or pass --demo-model)")
    demo = result["agreement"].get("demo model", {})
    result["fp16_hit1_agreement"] = demo.get("fp16", {}).get("hit1_agreement")

    # 3. per task: scoring at the profile's dtype and a fine-tuning slice, projected
    scoring_seconds = finetune_seconds = 0.0
    for task in paper.tasks:
        t = get_task(task)
        val = t.load(t.eval_split).to_pandas()
        fields = list(t.text_fields)
        part = val.iloc[:score_examples]
        pairs = part[fields[1]].tolist() if len(fields) > 1 else None
        rate = scoring_rate(part[fields[0]].tolist(), pairs, folder, device, profile_dtype, paper.score.batch_tokens)
        projected_scoring = rate["seconds"] / len(part) * sum(SIZES[task][1].values())
        config = replace(paper.finetune, train_examples=train_examples, epochs=1)
        (run,) = run_all([Run(task, str(folder), 0, config, tuple(val["id"].iloc[:8]), work / "ft" / task, clock=True)])
        s, e = train_clock(run)
        per_example = (e - s) / min(train_examples, len(t.load("train")))
        projected_ft = per_example * SIZES[task][0] * paper.finetune.epochs * len(paper.seeds)
        scoring_seconds += projected_scoring
        finetune_seconds += projected_ft
        result["tasks"][task] = {"token_forwards_per_s": rate["token_forwards_per_s"], "scored_examples": len(part),
                                 "eval_splits": list(SIZES[task][1]), "scoring_minutes_projected": projected_scoring / 60,
                                 "train_examples_per_s": 1 / per_example, "finetune_hours_projected": projected_ft / 3600}

    # 4. concurrent fine-tuning runs (sst2 lengths)
    big = replace(paper.finetune, train_examples=train_examples * (1 if toy else 16), epochs=1)
    conc = concurrency(folder, big, big.train_examples, levels, work, clock)
    result["concurrency"] = conc
    alone = conc.get(levels[0], {}).get("examples_per_s")
    best = max(conc, key=lambda n: conc[n]["examples_per_s"]) if conc else 1
    speedup = conc[best]["examples_per_s"] / alone if alone else 1.0
    result["best_concurrent_runs"], result["concurrency_speedup"] = best, speedup

    # 5. fine-tuning precision options against fp32
    result["finetune_precision"] = precision_check(folder, replace(big, train_examples=train_examples), train_examples,
                                                   device, work, clock)

    result["scoring_dtype"] = profile_dtype
    result["scoring_minutes_projected"] = scoring_seconds / 60
    result["finetune_hours_projected_one_run_at_a_time"] = finetune_seconds / 3600
    result["finetune_hours_projected"] = finetune_seconds / 3600 / speedup
    result["skipped"] = clock.skipped
    result["seconds"] = time.perf_counter() - clock.start
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    return result


def default_demo_model() -> Path | None:
    """The demo's first study model if it is in the cache (carry data/cache to a GPU machine), else None."""
    try:
        from precog.compendium import pipeline

        return Path(pipeline.models("demo", cached_only=True, progress=False)["0"])
    except Exception:  # noqa: BLE001 (absent: the step is skipped and says why)
        return None


def main() -> None:
    import datasets
    from transformers.utils import logging as hf_logging

    datasets.disable_progress_bars()
    hf_logging.disable_progress_bar()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--toy", action="store_true", help="tiny model and 0.1%% of each split (for tests)")
    parser.add_argument("--budget", type=float, default=480, help="wall-clock seconds; later steps are skipped past it")
    parser.add_argument("--score-examples", type=int, default=64)
    parser.add_argument("--train-examples", type=int, default=256)
    parser.add_argument("--demo-model", type=Path, default=None, help="default: the cached demo model 0, if any")
    parser.add_argument("--out", type=Path, default=None, help="default: benchmarks/results/paper_rehearsal_<gpu|cpu>.json")
    args = parser.parse_args()
    gpu = args.device.startswith("cuda")
    out = args.out or OUT / f"paper_rehearsal_{'gpu' if gpu else 'cpu'}{'_toy' if args.toy else ''}.json"
    levels = (1, 2) if args.toy else (1, 2, 4, 8)
    result = rehearse(args.device, args.toy, args.score_examples, args.train_examples, out, args.budget,
                      args.demo_model or default_demo_model(), levels)
    print(json.dumps({k: v for k, v in result.items() if k not in ("tasks", "scoring_dtypes")}, indent=1))


if __name__ == "__main__":
    main()
