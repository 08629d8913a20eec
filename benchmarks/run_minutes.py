"""Minutes each run of the demo study takes from an empty cache: the main run and every
replicate of the profile's plan (Profile.replicates), one after the other, each step timed
(its models, their PreCog scores, the fine-tuning runs). Writes
benchmarks/results/run_minutes.json.

    .venv/bin/python benchmarks/run_minutes.py [--profile demo] [--runs 6 7]

Run it with an empty data/cache (or a cache without these runs): a cached step takes seconds.
With --runs it makes only those run numbers (0 is the main run) and keeps the other runs' entries
of the JSON already there; the file is rewritten after every run, so an interrupted run
keeps what it measured.
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
    parser.add_argument("--runs", type=int, nargs="*", help="only these run numbers (default: every run of the plan)")
    args = parser.parse_args()
    profile = load_profile(args.profile)
    plan = [(0, profile.pretrain.seed), *profile.replicates]
    wanted = set(args.runs) if args.runs else {n for n, _ in plan}
    if wanted - {n for n, _ in plan}:
        parser.error(f"runs {sorted(wanted - {n for n, _ in plan})} are not in the {profile.name} plan "
                     f"(0 to {max(n for n, _ in plan)})")
    path = paths.ROOT / "benchmarks" / "results" / "run_minutes.json"
    kept = json.loads(path.read_text())["runs"] if args.runs and path.is_file() else []
    runs = [r for r in kept if r["replicate"] not in wanted]
    for number, seed in [(n, s) for n, s in plan if n in wanted]:
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
        runs.append({"replicate": number, "pretrain_seed": seed, "machine": machine(), "minutes": steps, "made_before": made_before,
                     "total_minutes": round(sum(steps.values()), 1)})
        print(json.dumps(runs[-1]), flush=True)
        write(path, profile.name, sorted(runs, key=lambda r: r["replicate"]))


def write(path, profile: str, runs: list[dict]) -> None:
    """The minutes of ``runs`` (one entry per run, sorted), with the replicates' sum, to ``path``."""
    out = {"profile": profile, "runs": runs,  # each run names the machine that made it
           "replicates_minutes": round(sum(r["total_minutes"] for r in runs if r["replicate"] > 0), 1),
           "measured_with": "the steps of benchmarks/run_minutes.py, one run after the other, each replicate on a "
                            "base model of its own (its pre-training in its models minutes)"}
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path.relative_to(paths.ROOT)}", flush=True)


if __name__ == "__main__":
    main()
