"""The demo's main run made twice, in fp32 and in bf16 (same design and seeds), each step timed;
every headline effect of each with its interval, and the rule that picks the demo's default.

The rule (set before either run was made): bf16 becomes the demo's default only if every
headline effect of the bf16 run (text only, positive control, transfer per task) lies
inside the fp32 run's 95% interval. Writes benchmarks/results/precision_runs.json, and each
run's study_effects.json and study_rows.csv under build/precision/<precision>/.

    PRECOG_CACHE=build/precision-cache .venv/bin/python benchmarks/precision_runs.py   # ~30 min on 2 cores

Run it on an empty cache folder (as above): a cached step takes seconds and its minutes mean nothing.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace

from precog import paths
from precog.compendium import pipeline
from precog.compendium.frames import Run
from precog.compendium.profiles import load_profile
from precog.compendium.replication import machine, save_run

OUT = paths.ROOT / "benchmarks" / "results" / "precision_runs.json"


def at_precision(profile, precision: str):
    """``profile`` with every step (pre-training, scoring, fine-tuning) in ``precision``."""
    return replace(profile, pretrain=replace(profile.pretrain, precision=precision),
                   score=replace(profile.score, precision=precision),
                   finetune=replace(profile.finetune, precision=precision))


def headline_effects(effects: dict) -> dict[str, dict]:
    """{effect name: {estimate, ci_low, ci_high}} in points, from a run's study_effects.json content."""
    out = {"text only": effects["text_only"], "positive control": effects["positive_control"]}
    out.update({f"transfer, {task}": v for task, v in sorted(effects["pretraining_transfer"].items())})
    return {name: {k: round(100 * float(v[k]), 2) for k in ("estimate", "ci_low", "ci_high")} for name, v in out.items()}


def decide(fp32: dict, bf16: dict) -> dict:
    """The rule: every bf16 headline estimate inside the fp32 run's interval."""
    inside = {name: fp32[name]["ci_low"] <= bf16[name]["estimate"] <= fp32[name]["ci_high"] for name in fp32}
    return {"rule": "bf16 becomes the demo's default only if every headline effect of the bf16 run lies inside the "
                    "fp32 run's 95% interval", "inside": inside, "bf16_default": all(inside.values())}


def timed_run(profile) -> tuple[dict, dict]:
    """Make one run from the cache's state; minutes per step and its study_effects content."""
    minutes = {}
    for step, make in (("models", pipeline.models), ("scores", pipeline.scores),
                       ("fine-tuning", pipeline.predictions)):
        start = time.perf_counter()
        make(profile, progress=False)
        minutes[step] = round((time.perf_counter() - start) / 60, 2)
    minutes["total"] = round(sum(minutes.values()), 2)
    saved = save_run(Run(profile), paths.BUILD / "precision" / profile.pretrain.precision)
    return minutes, saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="demo")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args()
    base = load_profile(args.profile)
    result = {"profile": base.name, "machine": machine(), "cache": str(paths.CACHE), "runs": {}}
    for precision in ("fp32", "bf16"):
        minutes, saved = timed_run(at_precision(base, precision))
        result["runs"][precision] = {"minutes": minutes, "effects": headline_effects(saved),
                                     "design": saved["design"], "base_model": saved["run"]["base_model"]}
        print(json.dumps({precision: result["runs"][precision]}), flush=True)
    result["decision"] = decide(result["runs"]["fp32"]["effects"], result["runs"]["bf16"]["effects"])
    fp32, bf16 = (result["runs"][p]["minutes"] for p in ("fp32", "bf16"))
    result["speed_up"] = {step: round(fp32[step] / bf16[step], 2) for step in fp32 if bf16[step] > 0}
    with open(args.out, "w") as fh:
        fh.write(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result["decision"], indent=1))


if __name__ == "__main__":
    main()
