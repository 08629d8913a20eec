"""Coverage of study v2's interval (the t over base-model means), measured by simulating its
design with the scenarios of docs/preregistration.json (precog.stats.coverage says how).
Writes benchmarks/results/coverage.json; every scenario must lie within the registered range.

    .venv/bin/python benchmarks/coverage.py [--studies N]
"""

from __future__ import annotations

import argparse
import itertools
import json
import time

from precog import paths
from precog.stats.coverage import Design, coverage, unseen_accuracies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(paths.ROOT / "benchmarks" / "results" / "coverage.json"))
    parser.add_argument("--studies", type=int, default=None, help="simulated studies per scenario (default: registered)")
    args = parser.parse_args()
    reg = json.loads((paths.ROOT / "docs" / "preregistration.json").read_text())
    sim, design_reg = reg["coverage_simulation"], reg["design"]
    studies = args.studies or int(sim["studies"])
    tasks = {t: unseen_accuracies(sim["unseen_accuracy_sevenths"][t]) for t in design_reg["tasks"]}
    design = Design(base_models=int(design_reg["base_models"]), pool=int(design_reg["examples_per_task"]),
                    cell=int(design_reg["text"][str(max(int(d) for d in design_reg["text"]))]),
                    models=int(design_reg["continuation_models"]))
    low, high = sim["accept"]
    scenarios, start = [], time.time()
    for i, (effect, sd) in enumerate(itertools.product(sim["effect_points"], sim["base_sd_points"])):
        result = coverage(tasks, design, effect / 100, sd / 100, float(sim["example_icc"]), studies, seed=i)
        scenarios.append({"effect_points": effect, "base_sd_points": sd, "estimands": result,
                          "within_accept": all(low <= r["coverage"] <= high for r in result.values())})
        print(f"effect {effect} pt, base SD {sd} pt: " + ", ".join(f"{k} {r['coverage']:.3f}" for k, r in result.items()))
    out = {"method": reg["interval"]["method"], "level": reg["interval"]["level"], "studies": studies,
           "design": design.__dict__, "example_icc": sim["example_icc"], "accept": [low, high],
           "all_within_accept": all(s["within_accept"] for s in scenarios), "seconds": round(time.time() - start, 1),
           "scenarios": scenarios}
    with open(args.out, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")
    print(f"all within {low}-{high}: {out['all_within_accept']} ({out['seconds']} s) -> {args.out}")


if __name__ == "__main__":
    main()
