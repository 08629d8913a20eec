"""The lesson's helpers on tiny hand-checkable inputs, and the notebook's form: a glossary in
README's words, the crossover, and exercises whose solutions the notebook tests execute."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from precog import paths
from precog.compendium import glossary, lesson, lesson_text
from precog.errors import PrecogError

NOTEBOOK = paths.NOTEBOOKS / "precog_explained.ipynb"


def cells() -> list[dict]:
    return [{**c, "text": "".join(c["source"])} for c in json.loads(NOTEBOOK.read_text())["cells"]]


def test_the_glossary_is_readmes_terms_word_for_word():
    first = cells()[0]["text"]
    assert glossary.markdown() in first
    assert glossary.readme_block() in (paths.ROOT / "README.md").read_text()


def test_every_glossary_term_is_defined_before_the_lesson_uses_it():
    """The glossary sits in the first cell, before any section: no term of it appears earlier."""
    import re

    first = cells()[0]["text"]
    before = first[:first.index(glossary.markdown())].lower()
    names = [name.strip().lower() for term, _ in glossary.TERMS for name in re.split(r",|/", term)]
    assert len(names) >= len(glossary.TERMS)
    for name in names:
        assert not re.search(rf"\b{re.escape(name)}\b", before), f"'{name}' is used before the glossary defines it"


def test_the_lesson_has_the_crossover_and_at_least_three_exercises_with_executed_solutions():
    cs = cells()
    assert any("memorization gain" in c["text"].lower() and c["cell_type"] == "markdown" for c in cs)
    assert any("lesson.crossover(" in c["text"] for c in cs if c["cell_type"] == "code")
    exercises = [c for c in cs if c["cell_type"] == "markdown" and c["text"].startswith("### Exercise")]
    solutions = [c for c in cs if "solution" in c["metadata"].get("tags", [])]
    assert len(exercises) >= 3 and len(solutions) == len(exercises)
    for s in solutions:  # folded in JupyterLab, still code that papermill and nbval execute
        assert s["cell_type"] == "code" and s["metadata"]["jupyter"]["source_hidden"] is True
    for e in exercises:
        assert "predict" in e["text"].lower(), e["text"][:60]


def test_no_runtime_is_typed_into_the_lesson():
    """Runtimes come from benchmarks/results/lesson.json (lesson.runtime), never typed in the text."""
    import re

    for c in cells():
        if c["cell_type"] == "markdown":
            assert not re.search(r"\d+\s*(min|minutes|s)\b(?! \w)", c["text"]), c["text"][:80]


def test_choose_takes_the_demo_only_when_it_is_all_cached(monkeypatch):
    assert lesson.choose("lesson") == "lesson" and lesson.choose("demo") == "demo"
    monkeypatch.setattr(lesson, "demo_ready", lambda: False)
    assert lesson.choose("auto") == "lesson"
    monkeypatch.setattr(lesson, "demo_ready", lambda: True)
    assert lesson.choose("auto") == "demo"
    with pytest.raises(PrecogError, match="--models must be one of"):
        lesson.choose("smoke")


def test_demo_ready_is_false_on_an_empty_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "CACHE", tmp_path / "cache")
    assert lesson.demo_ready() is False


def crossed_table() -> pd.DataFrame:
    return pd.DataFrame({"saw it": [True, False, False], "precog@1": [0.9, 0.1, 0.3], "precog@50": [1.0, 0.5, 0.7]},
                        index=pd.Index(["0", "1", "2"], name="model"))


def test_gain_is_seen_minus_the_mean_of_the_others():
    assert lesson.gain(crossed_table()) == pytest.approx(0.9 - 0.2)
    assert lesson.gain(crossed_table(), k=50) == pytest.approx(1.0 - 0.6)
    text = lesson_text.crossover_text(crossed_table(), pd.Series({"model": "0", "dose": 32}))
    assert "PreCog@1 = 0.90" in text and "0.20 on average" in text and "+0.70" in text


def test_paired_gains_average_the_unseen_measurements_of_each_example_first():
    """Two examples, three models: one row per example, its unseen value the mean over its two unseen models."""
    rows = [("t", 1, m, "text", 8, m == "0", s) for m, s in (("0", 0.8), ("1", 0.2), ("2", 0.4))]
    rows += [("t", 2, m, "text", 8, m == "1", s) for m, s in (("0", 0.0), ("1", 0.6), ("2", 0.2))]
    rows += [("t", 3, m, "never", 0, False, 0.5) for m in ("0", "1", "2")]
    scored = pd.DataFrame(rows, columns=["task", "id", "model", "arm", "dose", "seen", "precog@1"])
    paired = lesson.paired_gains(scored)
    assert list(paired["id"]) == [1, 2]  # the never-injected example is not in the crossover
    assert paired["unseen"].tolist() == pytest.approx([0.3, 0.1])
    assert paired["gain"].tolist() == pytest.approx([0.5, 0.5])
    summary = lesson.gain_summary(paired)
    gain = summary[summary["measure"] == "gain"].iloc[0]
    assert gain["n"] == 2 and gain["mean"] == pytest.approx(0.5)


def test_recovery_curve_counts_ranks_within_k():
    assert lesson.recovery_curve([1, 3, 60], np.array([1, 2, 3, 50, 60])).tolist() == pytest.approx([1 / 3, 1 / 3, 2 / 3, 2 / 3, 1])


def test_variants_keep_the_bag_of_words_and_are_seeded():
    v = lesson.variants("a b c d e f", "mine", "a paraphrase")
    assert sorted(v["same words, shuffled"].split()) == list("abcdef") and v["same words, shuffled"] != "a b c d e f"
    assert v == lesson.variants("a b c d e f", "mine", "a paraphrase")
    assert list(v) == ["verbatim", "same words, shuffled", "your paraphrase", "your own sentence"]
    assert "your paraphrase" not in lesson.variants("a b", "mine")


def test_k_is_stated_as_a_share_of_each_vocabulary():
    text = lesson.k_in_vocabulary((50,), 8000)
    assert "top 0.62% of this model's 8,000" in text and "top 0.16% of bert-base-uncased's 30,522" in text


def test_the_verdict_says_what_the_model_that_saw_it_did():
    table = pd.DataFrame({"saw it": [True, False, False], "right": [0.0, 1.0, 1.0]}, index=["0", "1", "2"])
    text = lesson_text.verdict_text(table)
    assert "which saw the sentence, classified it wrong" in text and "2 of the 2 models that did not" in text


def test_bins_text_reads_only_bins_with_enough_examples():
    bins = pd.DataFrame({"examples": ["a", "a", "a"], "label": ["[0.0, 0.2)", "[0.2, 0.4)", "[0.4, 0.6)"],
                         "n": [40, 12, 8], "accuracy": [0.5, 0.7, 1.0], "ci_low": [0.4, 0.45, 0.9], "ci_high": [0.6, 0.9, 1.0]})
    text = lesson_text.bins_text(bins)
    assert "2 of 3 filled bins hold at least 10" in text and "from 0.50 to 0.70" in text
    assert "(20 points between its highest and lowest bin)" in text
    assert "0.607 over all its examples" in text  # (40 x 0.5 + 12 x 0.7 + 8 x 1.0) / 60
    assert "a test of its own" in text  # overlapping bars are not read as a test


def test_variants_text_when_nothing_was_memorized():
    gains = pd.Series({"verbatim": 0.0, "same words, shuffled": 0.0})
    assert "did not memorize it" in lesson_text.variants_text(gains)


def test_the_runtime_sentence_comes_from_the_benchmark(tmp_path, monkeypatch):
    file = tmp_path / "lesson.json"
    monkeypatch.setattr(lesson, "TIMING", file)
    assert "not been measured" in lesson.runtime()
    file.write_text(json.dumps({"machine": "a CPU, 2 cores", "empty_cache": {"total": 84.2, "models": 68, "notebook": 13},
                                "cached": {"total": 20.4}}))
    assert "took 84 s from an empty cache" in lesson.runtime() and "20 s once cached" in lesson.runtime()


def test_the_study_found_is_readmes_answer():
    from precog.compendium.answer import confirmatory_text, verdict_on_paper

    pooled = json.loads((paths.FIGURES / "study_effects_pooled.json").read_text())
    found = lesson.study_found()
    assert confirmatory_text(pooled) in found and verdict_on_paper(pooled) in found
