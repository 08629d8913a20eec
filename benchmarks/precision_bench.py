"""bfloat16 against fp32: scoring speed side by side (and against minicons), and agreement on
the demo's trained models.

1. **Speed, in this one process, on the same texts**: a bert-base-shaped model (random
   weights, BERT's 30,522-token vocabulary; speed does not depend on the weights) scores
   the same texts with precog in fp32, precog in bf16 (the model cast, what
   ``precision="bf16"`` does), precog under bf16 autocast (the fp32 model inside
   ``torch.autocast``), and minicons' ``MaskedLMScorer`` (fp32, the ``original`` PLL metric,
   8 sentences per call). The same for the demo-shaped model.
2. **Agreement on the study's own texts**: every study example of both tasks, scored by each
   trained study model of the demo profile in fp32 and in bf16 (cast and autocast): per
   score, the share of examples identical to fp32, the mean and the largest absolute
   difference; for PLL the mean difference (nats).

Needs the demo's models in the cache (``make reproduce`` or notebook 00) and, for the
minicons row, minicons 0.3.39 and wonderwords 3.0.1 in build/minicons/ (outside the
project's environment: ``make bench-precision`` puts them there and runs this script).
Writes benchmarks/results/precision_bench.json.

    python benchmarks/precision_bench.py             # about 8 minutes on 2 CPU cores
    python benchmarks/precision_bench.py --quick     # fewer texts and models
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

OUT = Path(__file__).parent / "results" / "precision_bench.json"
MINICONS = Path(__file__).resolve().parents[1] / "build" / "minicons"  # pip install --target (make bench-precision)
SCORES = ("precog@1", "precog@50", "pll")


def bert_base_shaped(tokenizer, layers: int = 12, hidden: int = 768, heads: int = 12, intermediate: int = 3072,
                     vocab: int = 30522):
    """A randomly initialised BertForMaskedLM of bert-base's shape that reads ``tokenizer``'s ids."""
    from transformers import BertConfig, BertForMaskedLM

    torch.manual_seed(0)
    config = BertConfig(vocab_size=max(vocab, len(tokenizer)), hidden_size=hidden, num_hidden_layers=layers,
                        num_attention_heads=heads, intermediate_size=intermediate)
    return BertForMaskedLM(config).eval()


def timed(fn, repeats: int = 1) -> tuple[float, object]:
    """Best wall time (s) of ``repeats`` calls after one warm-up call, and the last result."""
    out = fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def precog_modes(texts, model, tokenizer, k=(1, 50)) -> dict[str, tuple[float, pd.DataFrame]]:
    """Seconds and scores of ``texts`` under precog fp32, bf16 (cast) and bf16 autocast."""
    import precog

    pair = (model, tokenizer)
    out = {"precog fp32": timed(lambda: precog.score(texts, pair, k=k, precision="fp32", progress=False)),
           "precog bf16 (cast)": timed(lambda: precog.score(texts, pair, k=k, precision="bf16", progress=False))}

    def autocast():
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return precog.score(texts, pair, k=k, precision="fp32", progress=False)

    out["precog bf16 (autocast)"] = timed(autocast)
    return out


class LegacyTokenizer:
    """A tokenizer with ``batch_encode_plus``, which minicons 0.3.39 calls and transformers 5
    removed: the same as calling the tokenizer; everything else is the tokenizer's own."""

    def __init__(self, tokenizer):
        self._tokenizer = tokenizer

    def __getattr__(self, name):
        return getattr(self._tokenizer, name)

    def __call__(self, *args, **kwargs):
        return self._tokenizer(*args, **kwargs)

    def __len__(self) -> int:
        return len(self._tokenizer)

    def batch_encode_plus(self, batch, **kwargs):
        return self._tokenizer(list(batch), **kwargs)


def minicons_seconds(texts, model, tokenizer, batch_sizes=(8,)) -> dict:
    """minicons MaskedLMScorer (PLL 'original', fp32): its best seconds over ``batch_sizes``, or why it did not run."""
    import sys

    sys.path.append(str(MINICONS))
    try:
        from minicons import scorer
    except ImportError as err:
        return {"error": f"minicons is not installed ({err}); `make bench-precision` installs it in build/minicons"}
    mlm = scorer.MaskedLMScorer(model, device="cpu", tokenizer=LegacyTokenizer(tokenizer), PLL_metric="original")
    best = {}
    for size in batch_sizes:
        def run(size=size):
            return [s for i in range(0, len(texts), size)
                    for s in mlm.sequence_score(texts[i:i + size], reduction=lambda x: x.sum(0).item())]

        best[size], pll = timed(run, repeats=1)
    size = min(best, key=best.get)
    return {"seconds": best[size], "batch_size": size, "seconds_by_batch_size": best, "pll": pll}


def speed(texts, tokenizer, shape: dict, label: str) -> dict:
    """Side-by-side seconds of every scorer on ``texts`` for one model shape."""
    model = bert_base_shaped(tokenizer, **shape)
    modes = precog_modes(texts, model, tokenizer)
    n_tokens = int(modes["precog fp32"][1]["n_scored"].sum())
    row = {"model": label, "shape": shape, "texts": len(texts), "scored_tokens": n_tokens,
           "seconds": {name: round(s, 3) for name, (s, _) in modes.items()}}
    row["minicons fp32"] = minicons_seconds(texts, model, tokenizer)
    if "pll" in row["minicons fp32"]:  # the same definition computed by other code: PLL agrees
        diff = np.abs(np.array(row["minicons fp32"].pop("pll")) - modes["precog fp32"][1]["pll"].to_numpy())
        row["minicons fp32"]["pll_max_abs_diff_vs_precog_fp32"] = float(diff.max())
    if "seconds" in row["minicons fp32"]:
        row["seconds"]["minicons fp32 (original PLL)"] = round(row["minicons fp32"]["seconds"], 3)
    fp32 = row["seconds"]["precog fp32"]
    row["speed_up_over_precog_fp32"] = {name: round(fp32 / s, 2) for name, s in row["seconds"].items()}
    mc = row["seconds"].get("minicons fp32 (original PLL)")
    if mc:
        row["speed_up_over_minicons"] = {name: round(mc / s, 2) for name, s in row["seconds"].items()}
    return row


def agreement(exact: pd.DataFrame, low: pd.DataFrame) -> dict:
    """Per score: share of examples identical to fp32, mean and largest |difference|; PLL's mean difference."""
    out = {}
    for col in SCORES:
        a, b = exact[col].to_numpy(float), low[col].to_numpy(float)
        keep = ~(np.isnan(a) | np.isnan(b))
        diff = b[keep] - a[keep]
        out[col] = {"identical_share": float(np.mean(diff == 0)), "mean_abs_diff": float(np.mean(np.abs(diff))),
                    "max_abs_diff": float(np.max(np.abs(diff)))}
    out["pll"]["mean_diff"] = float(np.mean(low["pll"] - exact["pll"]))
    return out


def study_agreement(profile: str, models: int | None) -> dict:
    """fp32 against bf16 (cast, autocast) on every study text under each trained study model."""
    import precog
    from precog.compendium import pipeline
    from precog.engine.models import load_masked_lm

    folders = pipeline.models(profile, cached_only=True)
    names = pipeline.pretrained_names(profile)[:models]
    frames = {t: pipeline.eval_frame(profile, t) for t in pipeline.load_profile(profile).tasks}
    texts = [x for f in frames.values() for x in f["sentence"].tolist()]
    per_model, pooled = {}, {"fp32": [], "bf16 (cast)": [], "bf16 (autocast)": []}
    seconds = {m: 0.0 for m in pooled}
    for name in names:
        pair = load_masked_lm(folders[name], "cpu", "fp32")
        for mode in pooled:
            ctx = torch.autocast("cpu", dtype=torch.bfloat16) if mode == "bf16 (autocast)" else contextlib.nullcontext()
            start = time.perf_counter()
            with ctx:
                df = precog.score(texts, pair, precision="bf16" if mode == "bf16 (cast)" else "fp32", progress=False)
            seconds[mode] += time.perf_counter() - start
            pooled[mode].append(df)
        per_model[name] = {mode: agreement(pooled["fp32"][-1], pooled[mode][-1]) for mode in pooled if mode != "fp32"}
    everything = {m: pd.concat(v, ignore_index=True) for m, v in pooled.items()}
    return {"models": list(names), "texts_per_model": len(texts),
            "pooled": {m: agreement(everything["fp32"], everything[m]) for m in everything if m != "fp32"},
            "seconds": {m: round(s, 2) for m, s in seconds.items()}, "per_model": per_model}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8 texts, 2 models (a smoke check)")
    parser.add_argument("--models", type=int, default=4, help="study models of the agreement check (default 4 of 8)")
    parser.add_argument("--texts", type=int, default=40, help="texts of the speed comparison (rt-polarity's validation)")
    parser.add_argument("--profile", default="demo")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    torch.set_num_threads(2)
    from precog.compendium import pipeline
    from precog.data.tasks import get_task
    from precog.engine.models import load_tokenizer
    from precog.precision import cpu_flags, native_bf16

    n = 8 if args.quick else args.texts
    texts = get_task("rt-polarity").load("validation").to_pandas()["sentence"].tolist()[:n]
    tokenizer = load_tokenizer(pipeline.models(args.profile, cached_only=True)["0"])
    result = {
        "machine": {"cpu_bf16_flags": sorted(f for f in cpu_flags() if "bf16" in f or f.startswith("amx")),
                    "native_bf16": native_bf16("cpu"), "threads": torch.get_num_threads(), "torch": torch.__version__},
        "speed": [speed(texts, tokenizer, {}, "bert-base-shaped (12 layers, 768 hidden, 30,522 vocabulary)"),
                  speed(texts, tokenizer, {"layers": 4, "hidden": 128, "heads": 2, "intermediate": 512,
                                           "vocab": len(tokenizer)}, "demo-shaped (4 layers, 128 hidden)")],
        "agreement": study_agreement(args.profile, 2 if args.quick else args.models),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    print(json.dumps({"speed": [r["seconds"] for r in result["speed"]], "agreement": result["agreement"]["pooled"]},
                     indent=1))


if __name__ == "__main__":
    main()
