"""Speed of the PreCog engine on a bert-base-shaped model (random weights).

Compares, on the same masked copies of a reproducible length mix:
  engine        precog's scorer (MLM head only at masked positions)
  floor         the same batches through the encoder alone, no head at all
  full_logits   the same batches, head over every position (B x L x V), then gathered
  naive         one masked copy per forward pass, full logits

Speed does not depend on the weights, so ``BertConfig()`` defaults with random weights
stand in for bert-base-uncased (which needs the hub). Writes benchmarks/results/score_bench.json.

    python benchmarks/score_bench.py            # ~8 minutes on 2 CPU cores
    python benchmarks/score_bench.py --device cuda --examples 32 --out ...  # on a GPU
    python benchmarks/score_bench.py --quick    # a smaller mix, for a smoke check
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from pathlib import Path

import numpy as np
import torch
from transformers import BertConfig, BertForMaskedLM, BertTokenizer

from precog.engine.encoding import build_batch, encode_all, masked_copies, plan_batches
from precog.engine.scoring import position_stats, unit_stats

OUT = Path(__file__).parent / "results" / "score_bench.json"


def synthetic_tokenizer(vocab_size: int) -> BertTokenizer:
    words = [f"w{i}" for i in range(vocab_size - 5)]
    return BertTokenizer(vocab={t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words])})


def length_mix(n: int, low: int, high: int, seed: int) -> list[int]:
    """n example lengths (tokens, special tokens included) drawn uniformly in [low, high]."""
    return np.random.default_rng(seed).integers(low, high + 1, size=n).tolist()


def texts_of(lengths: list[int], vocab: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return [" ".join(f"w{t}" for t in rng.integers(0, vocab - 5, size=n - 2)) for n in lengths]


REPEATS = 1


def timed(fn) -> float:
    """Best wall time of REPEATS calls (seconds), device synchronised."""
    sync = torch.cuda.synchronize if torch.cuda.is_available() else (lambda: None)
    best = float("inf")
    for _ in range(REPEATS):
        sync()
        start = time.perf_counter()
        fn()
        sync()
        best = min(best, time.perf_counter() - start)
    return best


def run_band(model, tok, texts, batch_tokens, naive_examples, device) -> dict:
    encoded = encode_all(tok, model, texts, None, "token")
    copies = masked_copies(encoded)
    batches = [
        build_batch(encoded, copies, m, tok, device)
        for m in plan_batches([len(encoded[e].input_ids) for e, _ in copies], batch_tokens)
    ]
    n_scored = len(copies)

    def floor():
        with torch.inference_mode():
            for b in batches:
                model.bert(**b.inputs)

    def full_logits():
        with torch.inference_mode():
            for b in batches:
                logits = model(**b.inputs).logits
                position_stats(logits.reshape(-1, logits.shape[-1])[b.flat], b.true)

    sub = encoded[:naive_examples]
    sub_copies = masked_copies(sub)

    def naive():
        with torch.inference_mode():
            for c in range(len(sub_copies)):
                b = build_batch(sub, sub_copies, [c], tok, device)
                logits = model(**b.inputs).logits
                position_stats(logits.reshape(-1, logits.shape[-1])[b.flat], b.true)

    unit_stats(model, tok, encoded[:1], batch_tokens, progress=False)  # warm-up
    t_engine = timed(lambda: unit_stats(model, tok, encoded, batch_tokens, progress=False))
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t_floor, t_full = timed(floor), timed(full_logits)
    t_naive = timed(naive) * n_scored / len(sub_copies)  # extrapolated per scored token
    return {
        "examples": len(texts),
        "scored_tokens": n_scored,
        "mean_length": float(np.mean([len(e.input_ids) for e in encoded])),
        "seconds": {"engine": t_engine, "floor": t_floor, "full_logits": t_full, "naive_extrapolated": t_naive},
        "scored_tokens_per_s": n_scored / t_engine,
        "engine_over_floor": t_engine / t_floor,
        "naive_over_engine": t_naive / t_engine,
        "full_logits_over_engine": t_full / t_engine,
        "peak_rss_mib_after_engine": rss_mib,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--batch-tokens", type=int, default=8192)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--repeats", type=int, default=1, help="time each method this often, keep the best (GPU: 3)")
    ap.add_argument("--examples", type=int, default=8, help="examples per length band")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    global REPEATS
    REPEATS = args.repeats
    torch.manual_seed(0)
    config = BertConfig()
    model = BertForMaskedLM(config).eval().to(args.device)
    tok = synthetic_tokenizer(config.vocab_size)
    n = 4 if args.quick else args.examples
    bands = {"8-63 tokens": (8, 63), "64-128 tokens": (64, 128)}
    result = {
        "model": "BertConfig() defaults (bert-base shape), random weights",
        "batch_tokens": args.batch_tokens,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "machine": platform.machine(),
        "device": torch.cuda.get_device_name() if args.device.startswith("cuda") else f"cpu ({os.cpu_count()} cores)",
        "bands": {},
    }
    with torch.inference_mode():  # warm-up
        model(input_ids=torch.ones(4, 32, dtype=torch.long, device=args.device))
    for i, (name, (lo, hi)) in enumerate(bands.items()):
        lengths = length_mix(n, lo, hi, seed=i)
        result["bands"][name] = run_band(
            model,
            tok,
            texts_of(lengths, config.vocab_size, seed=i),
            args.batch_tokens,
            2 if args.quick else 3,
            args.device,
        )
        print(name, json.dumps(result["bands"][name], indent=1), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
