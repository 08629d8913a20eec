"""Does running fine-tuning runs side by side pay on a CPU? (README, "How long it takes").

Fine-tunes four demo runs (rt-polarity, study model 0, seeds 1000-1003, into a temporary
folder, so the cache is untouched) once the default way, ``--runs`` at a time with one
thread each (:func:`precog.engine.finetune.run_all`), and once one after the other on every core
(how a run used the CPU before), and writes the wall-clock seconds to
benchmarks/results/cpu_concurrency.json. Needs the demo models (``make reproduce``).

    .venv/bin/python benchmarks/cpu_concurrency.py [--runs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).parent / "results" / "cpu_concurrency.json"


def timed(n: int, runs) -> float:
    """Seconds to fine-tune ``runs``: ``n`` at a time on one thread each, or (``n`` = 1) one
    after the other on every core."""
    import torch

    from precog.concurrent import cores
    from precog.engine.finetune import finetune_run, run_all

    start = time.perf_counter()
    if n > 1:
        run_all(runs, n)
    else:
        torch.set_num_threads(cores())
        for run in runs:
            finetune_run(run)
    return round(time.perf_counter() - start, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2, help="runs at once in the concurrent pass (default 2)")
    args = parser.parse_args()
    from precog.compendium import pipeline
    from precog.compendium.profiles import load_profile
    from precog.engine.runs import Run

    profile = load_profile("demo")
    model = pipeline.models(profile, cached_only=True)["0"]
    ids = tuple(pipeline.eval_ids(profile, "rt-polarity"))
    seconds = {}
    for n in (args.runs, 1):
        folder = Path(tempfile.mkdtemp())
        runs = [Run("rt-polarity", model, 1000 + i, profile.finetune, ids, folder / f"run{i}") for i in range(4)]
        seconds[n] = timed(n, runs)  # n = 1: every core on one run
        print(f"{n} at a time: {seconds[n]} s for 4 runs", flush=True)
    from precog.concurrent import cores

    OUT.write_text(json.dumps({"runs": 4, "cpu_count": os.cpu_count(), "cores": cores(), "processor": platform.processor(),
                               "seconds_by_runs_at_once": {str(k): v for k, v in seconds.items()},
                               "speedup": round(seconds[1] / seconds[args.runs], 2)}, indent=1) + "\n")


if __name__ == "__main__":
    main()
