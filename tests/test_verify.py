"""`precog verify` on a copy of the committed tree: intact, it passes; each kind of damage to
a committed result is refused in one line naming the file, and the command exits 1."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from precog import paths
from precog.compendium import verify as v


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of what verify reads: figures/, README.md and docs/study.md."""
    shutil.copytree(paths.FIGURES, tmp_path / "figures")
    (tmp_path / "docs").mkdir()
    shutil.copy(paths.ROOT / "README.md", tmp_path / "README.md")
    shutil.copy(paths.ROOT / "docs" / "study.md", tmp_path / "docs" / "study.md")
    return tmp_path


def truncate(path: Path) -> None:
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:-3]))


def edit_json(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


# damage -> (what it does to the copy, whether checksums.json is rewritten after it, the words of the refusal)
DAMAGES = {
    "a replicate's rows truncated": (lambda t: truncate(t / "figures/replicate1/study_rows.csv"), False,
                                     "figures/replicate1/study_rows.csv differs from its recorded sha256"),
    "truncated, checksums rewritten": (lambda t: truncate(t / "figures/replicate1/study_rows.csv"), True,
                                       "figures/replicate1/study_rows.csv has"),
    "a row edited, checksums rewritten": (
        lambda t: (t / "figures/study_rows.csv").write_text(
            (t / "figures/study_rows.csv").read_text().replace("True", "False", 1)), True,
        "figures/study_rows.csv differs from what its study_effects.json records"),
    "a result file missing": (lambda t: (t / "figures/fig5_study_effects.png").unlink(), False,
                              "figures/fig5_study_effects.png is missing"),
    "a stray file": (lambda t: (t / "figures/notes.txt").write_text("x"), False,
                     "figures/notes.txt is not in checksums.json"),
    "no checksums": (lambda t: (t / "figures/checksums.json").unlink(), False, "figures/checksums.json is missing"),
    "a run's JSON corrupt": (lambda t: (t / "figures/replicate1/study_effects.json").write_text("{"), True,
                             "figures/replicate1/study_effects.json is missing or corrupt"),
    "README edited": (lambda t: (t / "README.md").write_text((t / "README.md").read_text().replace("95% CI −", "90% CI −", 1)),
                      False, "README.md's rendered section does not match"),
}


def shown(line: str, tree: Path) -> str:
    return line.replace(str(tree) + "/", "")


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_damage_is_refused_in_one_line_naming_the_file(damage, tree):
    act, rewrite, words = DAMAGES[damage]
    act(tree)
    if rewrite:
        v.write_checksums(tree / "figures")
    problems = [shown(p, tree) for p in v.verify(tree / "figures", tree)]
    assert problems, "the damage went through"
    assert any(words in p for p in problems), problems
    assert all("\n" not in p for p in problems)


def test_intact_passes_and_a_stale_pooled_answer_is_refused(tree):
    assert v.verify(tree / "figures", tree) == []
    edit_json(tree / "figures/study_effects_pooled.json", lambda d: d["text_only"].update(estimate=0.5))
    v.write_checksums(tree / "figures")
    problems = [shown(p, tree) for p in v.verify(tree / "figures", tree)]
    assert any("study_effects_pooled.json does not follow from the committed runs (differs at text_only.estimate"
               in p for p in problems), problems


def test_the_cli_exits_1_with_one_line_per_problem(tree, monkeypatch, capsys):
    from precog.cli import main

    (tree / "figures/fig1_accuracy_by_precog.png").unlink()
    monkeypatch.setattr(paths, "FIGURES", tree / "figures")
    monkeypatch.setattr(paths, "ROOT", tree)
    monkeypatch.setattr(v, "verify", lambda figures: v.check_files(Path(figures)))  # the file check alone: fast
    assert main(["verify"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["precog: verify: figures/fig1_accuracy_by_precog.png is missing; rerun `make reproduce` "
                   "(or restore the file: `git checkout -- figures/`)"]


def test_differences_names_paths_and_tolerates_rounding():
    assert v.differences({"a": {"b": [1.0, 2.0]}, "c": "x"}, {"a": {"b": [1.0, 2.0000001]}, "c": "x"}) == []
    assert v.differences({"a": {"b": [1.0, 2.0]}}, {"a": {"b": [1.0, 2.1]}}) == ["a.b.1"]
    assert v.differences({"a": 1}, {"b": 1}) == ["a", "b"]
