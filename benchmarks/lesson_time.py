"""How long ``precog lesson`` takes: from an empty cache (the lesson profile's models trained and
fine-tuned, then the notebook executed), and once more with everything cached. Each run is a
fresh ``precog lesson --models lesson`` process, timed from outside, with its own empty cache in
a temporary folder (data/cache is not touched). Writes benchmarks/results/lesson.json, which the
lesson's first cell renders.

    .venv/bin/python benchmarks/lesson_time.py
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from precog import paths
from precog.compendium.lesson import TIMING
from precog.compendium.replication import machine

DONE = re.compile(r"done in (\d+) s \(models (\d+) s, notebook (\d+) s\)")


def timed(env: dict, out: Path) -> dict:
    """One ``precog lesson --models lesson`` run: wall seconds from outside and the split it prints."""
    start = time.perf_counter()
    proc = subprocess.run([str(Path(sys.executable).parent / "precog"), "-q", "lesson", "--models", "lesson", "--out", str(out)],
                          env=env, capture_output=True, text=True, cwd=paths.ROOT)
    total = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"precog lesson failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    split = DONE.search(proc.stdout)
    return {"total": round(total, 1), "models": float(split.group(2)), "notebook": float(split.group(3))}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PRECOG_CACHE": str(Path(tmp) / "cache"), "HF_HUB_OFFLINE": "1"}
        empty = timed(env, Path(tmp) / "out")
        cached = timed(env, Path(tmp) / "out")
    result = {"machine": machine(), "empty_cache": empty, "cached": cached,
              "limit_seconds": 120, "within_limit": empty["total"] <= 120}
    TIMING.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
