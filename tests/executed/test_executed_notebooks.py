"""Checks of the notebooks as executed by `precog reproduce --profile smoke` (run by `make
test` right before these tests): figures and tables are visible where they are made, and
executed copies carry no warnings, machine paths or run-time metadata."""

from __future__ import annotations

import json

import pytest

from precog import paths
from precog.reproduce import ORDER

BUILD = paths.BUILD / "smoke"
FIGURES = [n for n in ORDER if n.startswith("fig") or n in ("00_pretrain_demo_model", "precog_explained")]
TABLES = [n for n in ORDER if n.startswith("tab")]


def outputs(name: str) -> list[dict]:
    path = BUILD / f"{name}.ipynb"
    assert path.is_file(), "run `precog reproduce --profile smoke` first (make test does)"
    return [o for c in json.loads(path.read_text())["cells"] for o in c.get("outputs", [])]


@pytest.mark.parametrize("name", FIGURES)
def test_figure_notebooks_show_their_figure(name):
    assert any("image/png" in o.get("data", {}) for o in outputs(name))


@pytest.mark.parametrize("name", TABLES)
def test_table_notebooks_show_their_table(name):
    assert any("text/html" in o.get("data", {}) for o in outputs(name))


@pytest.mark.parametrize("name", ORDER)
def test_executed_copies_are_clean(name):
    outs = outputs(name)
    assert not [o for o in outs if o.get("output_type") == "error"]
    stderr = [o["text"] for o in outs if o.get("name") == "stderr"]
    assert not stderr, stderr[:2]
    text = json.dumps(outs)
    assert str(paths.ROOT) not in text and "Warning" not in text
    nb = json.loads((BUILD / f"{name}.ipynb").read_text())
    assert "papermill" not in nb["metadata"]
    assert all("execution" not in c["metadata"] for c in nb["cells"])


def test_the_setup_cell_states_the_profile():
    text = json.dumps(outputs("01_score"))
    assert "profile smoke" in text and "seeds [0, 1]" in text


def test_a_failing_notebook_is_one_line_naming_it(tmp_path, monkeypatch):
    import nbformat

    from precog.errors import PrecogError
    from precog.reproduce import run_notebook

    nb = nbformat.read(paths.NOTEBOOKS / "01_score.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("raise ValueError('broken on purpose')"))
    monkeypatch.setattr(paths, "NOTEBOOKS", tmp_path)
    nbformat.write(nb, tmp_path / "01_score.ipynb")
    with pytest.raises(PrecogError) as err:
        run_notebook("01_score", "smoke", tmp_path)
    msg = str(err.value)
    assert "\n" not in msg and "01_score" in msg and "broken on purpose" in msg and "traceback in" in msg
    assert "broken on purpose" in (tmp_path / "01_score.ipynb").read_text()


def test_each_injected_example_is_seen_by_exactly_one_model():
    """In the smoke study frame (what every effect is computed from): an injected example has
    exactly one row with seen=True, under the model the manifest names; a never example none;
    every example is measured under every study model."""
    from precog import pipeline

    study = pipeline.study_frame("smoke", with_scores=False)
    seen = study.groupby(["task", "id", "arm"])["seen"].sum().reset_index()
    assert (seen.loc[seen["arm"] == "never", "seen"] == 0).all()
    assert (seen.loc[seen["arm"] != "never", "seen"] == 1).all() and (seen["arm"] != "never").any()
    assert (study.loc[study["seen"], "model"] == study.loc[study["seen"], "injected_into"]).all()
    k = len(pipeline.load_profile("smoke").study.model_names)
    assert study.groupby(["task", "id"]).size().eq(k).all()
