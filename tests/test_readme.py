"""README stays true: its commands are the Makefile's and CI's, its results section is exactly
what :mod:`precog.compendium.report` renders from the generated files (so a rerun on another machine,
which rewrites both, keeps them in agreement), and every other quoted number is bound to one
key of one generated file.

Outside the rendered section, a quoted number carries a marker right after it, invisible when rendered:
``+3.1<!-- figures/study_effects.json:text_only.estimate x100 -->`` says "this number is the
value at that JSON path (dots separate keys; list items by index), times 100, rounded to the
decimals shown". In the bound sections every decimal number must carry one.
"""

from __future__ import annotations

import json
import re

import pytest

from precog import paths

README = (paths.ROOT / "README.md").read_text()
MARKER = re.compile(r"(?P<number>[+\-−]?\d+(?:\.\d+)?)(?P<unit>%| points| pt)?<!-- (?P<file>[\w./-]+\.json):(?P<path>[^>]+?)(?: x(?P<scale>\d+))? -->")
BOUND_SECTIONS = ("The scoring engine",)


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
    assert len(found) >= 10, "README quotes its benchmark numbers with markers"
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


def test_the_results_section_is_what_the_figures_render_to():
    from precog.compendium.report import BEGIN, END, render

    start, stop = README.index(BEGIN), README.index(END) + len(END)
    assert README[start:stop] == render(paths.FIGURES), (
        "README's results section differs from figures/*.json: run `precog render-readme` (make reproduce does)")


def test_rendered_verdicts_follow_the_numbers(tmp_path):
    """Prose that depends on a result changes with it: copy the committed figures, move the
    text-only interval across zero, and the answer changes its words."""
    import shutil

    from precog.compendium.report import render

    shutil.copytree(paths.FIGURES, tmp_path / "figures")
    shutil.rmtree(tmp_path / "figures" / "replicate", ignore_errors=True)  # the main run alone (replicate: below)
    effects_file = tmp_path / "figures" / "study_effects.json"
    effects = json.loads(effects_file.read_text())
    texts = {}
    for name, (lo, est, hi) in {"above": (0.01, 0.03, 0.05), "across": (-0.02, 0.01, 0.04), "below": (-0.05, -0.03, -0.01)}.items():
        effects["text_only"].update(ci_low=lo, estimate=est, ci_high=hi, ci_half_width=(hi - lo) / 2)
        effects_file.write_text(json.dumps(effects))
        texts[name] = render(tmp_path / "figures")
    assert "Yes: text seen" in texts["above"] and "Not detectably" in texts["across"] and "No, the opposite" in texts["below"]
    assert "+3.0 points (95% CI +1.0 to +5.0)" in texts["above"] and "−3.0 points (95% CI −5.0 to −1.0)" in texts["below"]
    assert "a benefit larger than +4.0 points is excluded" in texts["across"]
    # the verdict is judged on the numbers as shown: a lower bound that rounds to 0.0 is neither
    # "above zero" nor plainly "includes zero", and the answer says so
    effects["text_only"].update(ci_low=0.0004, estimate=0.02, ci_high=0.04)
    effects_file.write_text(json.dumps(effects))
    edge = render(tmp_path / "figures")
    assert "At the edge of detection" in edge and "(95% CI 0.0 to +4.0), an interval with one bound at zero" in edge
    assert "Its interval reaches down to zero." in edge
    # a positive control that fails makes a null text-only result uninformative, and says so
    effects["positive_control"].update(ci_low=-0.01, estimate=0.02, ci_high=0.05)
    effects_file.write_text(json.dumps(effects))
    assert "cannot be told from an instrument too weak" in render(tmp_path / "figures")
    effects["text_only"].update(ci_low=0.01, estimate=0.03, ci_high=0.05)
    effects_file.write_text(json.dumps(effects))
    text = render(tmp_path / "figures")
    assert "did not see a model exploit" in text and "read the text-only result with that in mind" in text


def test_the_replicate_is_compared_with_the_main_interval(tmp_path):
    import shutil

    from precog.compendium.report import render

    shutil.copytree(paths.FIGURES, tmp_path / "figures")
    main = json.loads((tmp_path / "figures" / "study_effects.json").read_text())
    (tmp_path / "figures" / "replicate").mkdir(exist_ok=True)
    far = dict(main, replicate=1, text_only=dict(main["text_only"], estimate=main["text_only"]["ci_high"] + 0.05))
    (tmp_path / "figures" / "replicate" / "study_effects.json").write_text(json.dumps(far))
    assert "outside the main run's interval" in render(tmp_path / "figures")
    near = dict(far, text_only=main["text_only"])
    (tmp_path / "figures" / "replicate" / "study_effects.json").write_text(json.dumps(near))
    assert "inside the main run's interval" in render(tmp_path / "figures")
    other = dict(near, design="another design")
    (tmp_path / "figures" / "replicate" / "study_effects.json").write_text(json.dumps(other))
    text = render(tmp_path / "figures")
    assert "replicate of another design" in text and "main run's interval" not in text
    # a main interval above zero and a replicate across it: the answer opens with the disagreement
    above = dict(main, text_only=dict(main["text_only"], ci_low=0.01, estimate=0.03, ci_high=0.05))
    (tmp_path / "figures" / "study_effects.json").write_text(json.dumps(above))
    across = dict(above, replicate=1, text_only=dict(above["text_only"], ci_low=-0.03, estimate=0.0, ci_high=0.06))
    (tmp_path / "figures" / "replicate" / "study_effects.json").write_text(json.dumps(across))
    text = render(tmp_path / "figures")
    assert "Not robustly. In this run, yes: text seen" in text and "not yet robust" in text
    assert "a benefit larger than +6.0 points is excluded" in text


def test_design_key_is_shared_by_replicates_and_covers_the_fine_tuning_recipe():
    """A replicate is compared with the main run only under the same design: a replicate
    number leaves the key as it is; another fine-tuning recipe or seed list changes it."""
    from dataclasses import replace

    from precog.compendium import pipeline
    from precog.compendium.profiles import load_profile

    demo = load_profile("demo")
    key = pipeline.design_key(demo)
    assert pipeline.design_key(pipeline.replicate_profile(demo, 1)) == key
    assert pipeline.design_key(replace(demo, finetune=replace(demo.finetune, epochs=demo.finetune.epochs + 1))) != key
    assert pipeline.design_key(replace(demo, seeds=(*demo.seeds, 99))) != key


def test_an_interval_at_the_edge_and_one_across_zero_are_not_called_a_disagreement(tmp_path):
    """Main [0.0, +6.1] (a bound rounding to zero) and a replicate across zero: neither run
    detects an effect, so README must not say that the runs disagree."""
    import shutil

    from precog.compendium.report import render

    shutil.copytree(paths.FIGURES, tmp_path / "figures")
    main = json.loads((tmp_path / "figures" / "study_effects.json").read_text())
    edge = dict(main, text_only=dict(main["text_only"], ci_low=-0.00001, estimate=0.03, ci_high=0.06))
    (tmp_path / "figures" / "study_effects.json").write_text(json.dumps(edge))
    (tmp_path / "figures" / "replicate").mkdir(exist_ok=True)
    across = dict(edge, replicate=1, text_only=dict(edge["text_only"], ci_low=-0.03, estimate=-0.007, ci_high=0.02))
    (tmp_path / "figures" / "replicate" / "study_effects.json").write_text(json.dumps(across))
    text = render(tmp_path / "figures")
    assert "At the edge of detection" in text and "disagree" not in text
    assert "Neither run's interval excludes zero" in text
