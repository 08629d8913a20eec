"""Minutes each run of the demo study takes from an empty cache: the main run and every
replicate of the profile's plan (Profile.replicates), one after the other, each step timed
(its models, their PreCog scores, the fine-tuning runs). Writes
benchmarks/results/run_minutes.json.

    .venv/bin/python benchmarks/run_minutes.py [--profile demo]

Run it with an empty data/cache (or a cache without these runs): a cached step takes seconds.
"""

from __future__ import annotations

import argparse
import json
import time

from precog import paths
from precog.compendium import pipeline
from precog.compendium.profiles import load_profile
from precog.compendium.replication import machine, replicate_profile
from precog.errors import PrecogError


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="demo")
    args = parser.parse_args()
    profile = load_profile(args.profile)
    runs = []
    for number, seed in [(0, profile.pretrain.seed), *profile.replicates]:
        run = replicate_profile(profile, number, seed)
        try:  # a run made before (e.g. the main run by `make reproduce`): its minutes are a cache read
            pipeline.predictions(run, cached_only=True, progress=False)
            made_before = True
        except PrecogError:
            made_before = False
        steps = {}
        for step, make in (("models", pipeline.models), ("scores", pipeline.scores), ("predictions", pipeline.predictions)):
            start = time.perf_counter()
            make(run)
            steps[step] = round((time.perf_counter() - start) / 60, 1)
        runs.append({"replicate": number, "pretrain_seed": seed, "minutes": steps, "made_before": made_before,
                     "total_minutes": round(sum(steps.values()), 1)})
        print(json.dumps(runs[-1]), flush=True)
    out = {"profile": profile.name, "machine": machine(), "runs": runs,
           "replicates_minutes": round(sum(r["total_minutes"] for r in runs[1:]), 1),
           "measured_with": "the steps of benchmarks/run_minutes.py, one run after the other, each replicate on a "
                            "base model of its own (its pre-training in its models minutes)"}
    path = paths.ROOT / "benchmarks" / "results" / "run_minutes.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path.relative_to(paths.ROOT)}")


if __name__ == "__main__":
    main()
