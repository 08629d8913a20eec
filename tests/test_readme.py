"""README stays true: its commands are the Makefile's and CI's, its numbers come from files."""

from __future__ import annotations

import json
import re

from precog import paths

README = (paths.ROOT / "README.md").read_text()


def _numbers(obj) -> list[float]:
    if isinstance(obj, bool):
        return []
    if isinstance(obj, int | float):
        return [float(obj)]
    if isinstance(obj, dict):
        return [x for v in obj.values() for x in _numbers(v)]
    if isinstance(obj, list):
        return [x for v in obj for x in _numbers(v)]
    return []


def test_ci_runs_the_readme_test_command():
    ci = (paths.ROOT / ".ci" / "run").read_text()
    assert "make test" in README and "make test" in ci.splitlines()[-1]
    assert "make reproduce" in README


def test_every_number_in_a_paragraph_citing_a_json_is_in_that_json():
    cited = 0
    for line in re.split(r"\n\s*\n", README):
        sources = re.findall(r"((?:figures|benchmarks/results)/[\w./-]+\.json)", line)
        if not sources:
            continue
        values = [x for s in sources for x in _numbers(json.loads((paths.ROOT / s).read_text()))]
        text = re.sub(r"\((?:figures|benchmarks/results)/[^)]*\)|`[^`]*`|\[[^\]]*\]\([^)]*\)", "", line)
        for number in re.findall(r"(?<![\w.@-])-?\d+\.\d+(?![\w.])", text):
            decimals = len(number.split(".")[1])
            assert any(round(v, decimals) == float(number) for v in values), f"{number} not in {sources}: {line}"
            cited += 1
    assert cited >= 10, "README quotes its numbers with the JSON they come from"
