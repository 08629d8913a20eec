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
DOCS = {p.name: p.read_text() for p in sorted((paths.ROOT / "docs").glob("*.md"))}
MARKER = re.compile(r"(?P<number>[+\-−]?\d+(?:\.\d+)?)(?P<unit>%| points| pt)?<!-- (?P<file>[\w./-]+\.json):(?P<path>[^>]+?)(?: x(?P<scale>\d+))? -->")
BOUND_SECTIONS = ("Two commands",)  # README sections whose every decimal is bound (docs/performance.md: all of it)


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
    assert len(markers(README)) >= 2, "README quotes its runtimes with markers"
    assert len(markers(DOCS["performance.md"])) >= 10, "docs/performance.md quotes its benchmark numbers with markers"
    for text in (README, *DOCS.values()):
        for m in markers(text):
            check(m)


def loose_decimals(text: str) -> list[str]:
    """Decimal numbers of ``text`` outside code, markers and rendered sections."""
    text = re.sub(r"<!-- (results|details):begin.*?<!-- (results|details):end -->", "", text, flags=re.S)
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # code blocks
    text = re.sub(r"`[^`]*`", "", text)  # inline code
    text = MARKER.sub("", text)  # bound numbers
    text = re.sub(r"<!--.*?-->", "", text)
    return re.findall(r"(?<![\w.])[+\-−]?\d+\.\d+(?![\w.])", text)


@pytest.mark.parametrize("name", ["README.md", *DOCS])
def test_every_decimal_outside_the_rendered_sections_is_bound(name):
    """README and every document: a decimal number is rendered from figures/ or bound to a JSON file."""
    text = README if name == "README.md" else DOCS[name]
    assert not loose_decimals(text), f"numbers without a source marker in {name}: {loose_decimals(text)[:10]}"


@pytest.mark.parametrize("title", BOUND_SECTIONS)
def test_every_decimal_in_the_results_is_bound(title):
    loose = loose_decimals(section(title))
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


@pytest.mark.parametrize("block", ["README.md", "README.md terms", "docs/study.md"])
def test_the_rendered_sections_are_what_the_figures_render_to(block):
    from precog.compendium.documents import BLOCKS

    document, begin, end, make = BLOCKS[block]
    text = (paths.ROOT / document).read_text()
    start, stop = text.index(begin), text.index(end) + len(end)
    assert text[start:stop] == make(paths.FIGURES), (
        f"{document}'s rendered section differs from figures/*.json: run `precog render-readme` (make reproduce does)")


def test_rendered_verdicts_follow_the_numbers(tmp_path):
    """Prose that depends on a result changes with it: copy the committed figures, move the
    text-only interval across zero, and the answer changes its words."""
    import shutil

    from precog.compendium.documents import render_details as render

    shutil.copytree(paths.FIGURES, tmp_path / "figures")
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


def test_pooled_verdicts_follow_the_pooled_numbers(tmp_path):
    """README's answer is the registered one: move the confirmatory interval (its verdict
    recomputed by the registered rules) and the words change: confirmed, not confirmed, equivalent,
    the opposite."""
    import shutil

    from precog.compendium.report import render, runs_block
    from precog.stats.confirm import verdict

    shutil.copytree(paths.FIGURES, tmp_path / "figures")
    pooled_file = tmp_path / "figures" / "study_effects_pooled.json"
    pooled = json.loads(pooled_file.read_text())
    pooled["base_models"] = 8  # the registered number: no longer an interim look
    texts = {}
    for name, (lo, est, hi) in {"above": (0.005, 0.015, 0.025), "equivalent": (-0.02, 0.0, 0.02),
                                "undecided": (-0.02, 0.01, 0.04), "below": (-0.05, -0.03, -0.01)}.items():
        ci90 = (lo + 0.1 * (hi - lo), hi - 0.1 * (hi - lo))
        pooled["confirmatory"].update(ci_low=lo, estimate=est, ci_high=hi, ci90_low=ci90[0], ci90_high=ci90[1],
                                      **verdict((lo, hi), ci90, pooled["margin_points"] / 100))
        pooled_file.write_text(json.dumps(pooled))
        texts[name] = render(tmp_path / "figures")
    assert "+1.5 points (95% CI +0.5 to +2.5)" in texts["above"] and "is **confirmed**" in texts["above"]
    assert "the controlled study **supports** the claim" in texts["above"]
    assert "**not confirmed**: the effect is equivalent to none within the margin" in texts["equivalent"]
    assert "no benefit beyond the ±3-point margin" in texts["equivalent"]
    assert "**not confirmed**: the interval includes zero" in texts["undecided"]
    assert "the controlled study **does not confirm** the claim" in texts["undecided"]
    assert "the controlled study **contradicts** the claim" in texts["below"]
    # before all registered base models are made, the test is not read
    pooled["base_models"] = 3
    pooled_file.write_text(json.dumps(pooled))
    early = render(tmp_path / "figures")
    assert "**not yet read**: 3 of the 8 registered base models made so far" in early
    assert "Not decided yet" in early and "**contradicts**" not in early
    pooled["base_models"] = 8
    # a run of another design is named, not dropped
    pooled["not_pooled"] = [{"run": "replicate 9", "design": "other"}]
    pooled_file.write_text(json.dumps(pooled))
    assert "Not pooled, another design: replicate 9 (made with another recipe" in render(tmp_path / "figures")
    # "same base model" only when the checksums match
    main = pooled["runs"][0]
    for checksum, words in ((main["base_model"], "Replicate 1 shares the base model of the main run (same checksum)"),
                            ("0" * 64, "Replicate 1 was pre-trained with the seed of the main run but its base model's "
                                       "checksum differs")):
        runs = [main, dict(main, run="replicate 1", replicate=1, base_model=checksum)]
        assert words in runs_block(dict(pooled, runs=runs))


def test_design_key_is_shared_by_replicates_and_covers_the_fine_tuning_recipe():
    """A replicate is compared with the main run only under the same design: a replicate
    number leaves the key as it is; another fine-tuning recipe or seed list changes it."""
    from dataclasses import replace

    from precog.compendium import pipeline
    from precog.compendium.profiles import load_profile
    from precog.compendium.replication import replicate_profile

    demo = load_profile("demo")
    key = pipeline.design_key(demo)
    assert pipeline.design_key(replicate_profile(demo, 1)) == key
    assert pipeline.design_key(replicate_profile(demo, 2, pretrain_seed=1)) == key  # another base model, one design
    assert pipeline.design_key(replace(demo, pretrain=replace(demo.pretrain, steps=10))) != key
    assert pipeline.design_key(replace(demo, finetune=replace(demo.finetune, epochs=demo.finetune.epochs + 1))) != key
    assert pipeline.design_key(replace(demo, seeds=(*demo.seeds, 99))) != key
