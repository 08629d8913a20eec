"""README stays true: its commands are the Makefile's and CI's, and every result it quotes is
bound to one key of one generated file.

A quoted result carries a marker right after it, invisible when rendered:
``+3.1<!-- figures/study_effects.json:text_only.estimate x100 -->`` says "this number is the
value at that JSON path (dots separate keys; list items by index), times 100, rounded to the
decimals shown". In the results sections every decimal number must carry one.
"""

from __future__ import annotations

import json
import re

import pytest

from precog import paths

README = (paths.ROOT / "README.md").read_text()
MARKER = re.compile(r"(?P<number>[+\-−]?\d+(?:\.\d+)?)(?P<unit>%| points| pt)?<!-- (?P<file>[\w./-]+\.json):(?P<path>[^>]+?)(?: x(?P<scale>\d+))? -->")
BOUND_SECTIONS = ("Results of the demo profile", "The scoring engine")


def lookup(obj, path: str):
    for key in path.split("."):
        obj = obj[int(key)] if isinstance(obj, list) else obj[key]
    return obj


def markers(text: str) -> list[re.Match]:
    return list(MARKER.finditer(text))


def check(match: re.Match) -> None:
    value = lookup(json.loads((paths.ROOT / match["file"]).read_text()), match["path"].strip())
    number = match["number"].replace("−", "-").lstrip("+")
    decimals = len(number.split(".")[1]) if "." in number else 0
    expected = round(float(value) * int(match["scale"] or 1), decimals)
    assert float(number) == pytest.approx(expected, abs=10 ** -(decimals + 3)), (
        f"README says {match['number']} but {match['file']}:{match['path']} gives {expected}")


def section(title: str) -> str:
    start = README.index(f"## {title}")
    end = README.find("\n## ", start + 1)
    return README[start:end if end > 0 else None]


def test_ci_runs_the_readme_test_command():
    ci = (paths.ROOT / ".ci" / "run").read_text()
    assert "make test" in README and "make test" in ci.splitlines()[-1]
    assert "make reproduce" in README


def test_every_marker_matches_its_source():
    found = markers(README)
    assert len(found) >= 15, "README quotes its results with markers"
    for m in found:
        check(m)


@pytest.mark.parametrize("title", BOUND_SECTIONS)
def test_every_decimal_in_the_results_is_bound(title):
    text = section(title)
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # code blocks
    text = re.sub(r"`[^`]*`", "", text)  # inline code
    text = MARKER.sub("", text)  # bound numbers
    text = re.sub(r"<!--.*?-->", "", text)
    loose = re.findall(r"(?<![\w.])[+\-−]?\d+\.\d+(?![\w.])", text)
    assert not loose, f"numbers without a source marker in '{title}': {loose[:10]}"


def test_the_checker_catches_a_swap_and_a_wrong_number(tmp_path, monkeypatch):
    (tmp_path / "r.json").write_text(json.dumps({"a": {"x": 0.1234, "y": [0.5, 0.25]}}))
    monkeypatch.setattr(paths, "ROOT", tmp_path)
    good = "0.12<!-- r.json:a.x --> and 25<!-- r.json:a.y.1 x100 -->"
    for m in markers(good):
        check(m)
    for bad in ("0.13<!-- r.json:a.x -->", "0.25<!-- r.json:a.x -->", "12.3<!-- r.json:a.y.1 x100 -->"):
        with pytest.raises(AssertionError):
            check(markers(bad)[0])
