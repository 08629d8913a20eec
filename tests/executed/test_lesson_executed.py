"""The lesson as `precog lesson` executed it (make test runs it right before these tests):
it ran clean, shows the crossover with the memorization gain, and every exercise's solution ran."""

from __future__ import annotations

import json

from precog import paths
from precog.compendium import glossary

EXECUTED = paths.BUILD / "lesson" / "precog_explained.ipynb"


def notebook() -> dict:
    assert EXECUTED.is_file(), "run `precog lesson` first (make test does)"
    return json.loads(EXECUTED.read_text())


def test_the_executed_lesson_ran_clean_and_shows_its_figures():
    outs = [o for c in notebook()["cells"] for o in c.get("outputs", [])]
    assert not [o for o in outs if o.get("output_type") == "error"]
    assert not [o for o in outs if o.get("name") == "stderr"]
    assert sum("image/png" in o.get("data", {}) for o in outs) >= 3  # the token strips, the crossover, the k curves
    assert str(paths.ROOT) not in json.dumps(outs)


def test_the_executed_lesson_has_the_glossary_the_gain_and_the_solutions():
    nb = notebook()
    assert glossary.markdown() in "".join(nb["cells"][0]["source"])
    text = json.dumps([o for c in nb["cells"] for o in c.get("outputs", [])])
    assert "memorization gain" in text.lower()
    solutions = [c for c in nb["cells"] if "solution" in c["metadata"].get("tags", [])]
    assert len(solutions) >= 3 and all(c.get("outputs") for c in solutions), "every solution ran and showed its answer"
