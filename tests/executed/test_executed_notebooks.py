"""Checks of the notebooks as executed by `precog reproduce --profile smoke` (run by `make
test` right before these tests): figures and tables are visible where they are made, and
executed copies carry no warnings, machine paths or run-time metadata."""

from __future__ import annotations

import json
import os

import pytest

from precog import paths
from precog.compendium.reproduce import ORDER

BUILD = paths.BUILD / "smoke"
FIGURES = [n for n in ORDER if n.startswith("fig") or n in ("00_pretrain_demo_model", "02_finetune", "precog_explained")]
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

    from precog.compendium.reproduce import run_notebook
    from precog.errors import PrecogError

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
    from precog.compendium import frames

    study = frames.Run("smoke", scored=False).study
    seen = study.groupby(["task", "id", "arm"])["seen"].sum().reset_index()
    assert (seen.loc[seen["arm"] == "never", "seen"] == 0).all()
    assert (seen.loc[seen["arm"] != "never", "seen"] == 1).all() and (seen["arm"] != "never").any()
    assert (study.loc[study["seen"], "model"] == study.loc[study["seen"], "injected_into"]).all()
    k = len(frames.load_profile("smoke").study.model_names)
    assert study.groupby(["task", "id"]).size().eq(k).all()


def test_reading_the_cached_results_does_not_import_torch():
    """The artifact notebooks read finished models, scores and fine-tuning runs through
    frames.Run; that path finds every cache entry by its key without importing torch or
    transformers (8 s of imports per notebook on a 2-core machine)."""
    import subprocess
    import sys

    code = ("import sys; from precog.compendium import frames, notebook; notebook.setup('smoke'); "
            "run = frames.Run('smoke'); run.study, run.unseen, run.natural, run.effects; "
            "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "MPLBACKEND": "Agg"})
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip().splitlines()[-1] == "[]", r.stdout


# ---------------------------------------------------------------- what a reader sees (issue 18)
READINGS = [n for n in ORDER if n not in ("precog_explained",)]


@pytest.mark.parametrize("name", ORDER)
def test_every_notebook_converts_to_html(name):
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_filename(str(BUILD / f"{name}.ipynb"))
    assert "<html" in body and len(body) > 10_000
    if name in FIGURES:
        assert "data:image/png;base64" in body


@pytest.mark.parametrize("name", ORDER)
def test_no_output_is_a_raw_object_or_dict_repr(name):
    for o in outputs(name):
        texts = [o.get("text", "")] + ([o["data"]["text/plain"]] if "text/plain" in o.get("data", {}) else [])
        rich = any(k in o.get("data", {}) for k in ("text/html", "image/png"))
        for t in texts:
            t = "".join(t)
            assert "PosixPath(" not in t and "VBox(" not in t, t[:200]
            if not rich:
                assert not t.lstrip().startswith(("{", "[", "(")), t[:200]


@pytest.mark.parametrize("name", ORDER)
def test_the_setup_cell_prints_one_line(name):
    cells = json.loads((BUILD / f"{name}.ipynb").read_text())["cells"]
    setup = next(c for c in cells if "notebook.setup(profile" in "".join(c["source"]))
    text = "".join("".join(o.get("text", "")) for o in setup["outputs"])
    assert text.count("\n") == 1 and "notebooks/params/smoke.yaml" in text


@pytest.mark.parametrize("name", FIGURES)
def test_after_every_figure_comes_a_reading(name):
    cells = json.loads((BUILD / f"{name}.ipynb").read_text())["cells"]
    last_image = max(i for i, c in enumerate(cells) for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
    after = cells[last_image + 1:]
    assert any(c["cell_type"] == "markdown" for c in after)


@pytest.mark.parametrize("name", ORDER)
def test_every_notebook_ends_with_a_generated_reading(name):
    cells = json.loads((BUILD / f"{name}.ipynb").read_text())["cells"]
    headings = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    assert any(h.startswith("### What this run shows") for h in headings)
    if name in READINGS:
        assert any(h.startswith("### How to read this") for h in headings)
    shows = next(i for i, c in enumerate(cells) if "".join(c["source"]).startswith("### What this run shows"))
    shown = "".join("".join(o.get("data", {}).get("text/markdown", "")) for c in cells[shows + 1:]
                    for o in c.get("outputs", []))
    assert len(shown.split()) >= 12, shown


def test_png_files_are_200_dpi():
    from PIL import Image

    from precog.compendium.profiles import figures_dir

    pngs = sorted(figures_dir("smoke").glob("*.png"))
    assert pngs
    for p in pngs:
        assert round(Image.open(p).info["dpi"][0]) == 200, p.name


def test_the_landing_page_has_its_parts():
    """build/smoke/index.html: title, introduction, every figure with a caption and a link to
    its notebook's HTML, tables, the notebooks, README."""
    from html.parser import HTMLParser

    from precog.compendium.profiles import figures_dir

    class Page(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags, self.links, self.images, self.stack, self.captions = [], [], [], [], []

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            self.tags.append(tag)
            self.stack.append(tag)
            if tag == "a":
                self.links.append(a["href"])
            if tag == "img":
                self.images.append(a["src"])

        def handle_endtag(self, tag):
            self.stack.pop()

        def handle_data(self, data):
            if self.stack and self.stack[-1] == "figcaption" and data.strip():
                self.captions.append(data.strip())

    page = Page()
    page.feed((BUILD / "index.html").read_text())
    assert page.tags.count("h1") == 1 and page.tags.count("p") >= 3 and "table" in page.tags
    pngs = sorted(figures_dir("smoke").glob("*.png"))
    assert len(page.images) == len(pngs) == page.tags.count("figcaption") and len(page.captions) == len(pngs)
    assert all(not c.endswith((".png", "_precog")) for c in page.captions)
    for src in page.images:
        assert (BUILD / src).resolve().is_file(), src
    for link in page.links:
        assert (BUILD / link).resolve().is_file(), link
    assert any(link.endswith("README.md") for link in page.links)
    assert sum(link.endswith(".html") for link in page.links) >= len(ORDER) + len(pngs)


def test_the_smoke_replicates_include_a_base_model_of_their_own_and_are_pooled():
    """`make test` makes the smoke profile's replicates (`precog replicate --profile smoke`):
    replicate 1 on the main run's base model, replicate 2 on its own (another pre-training seed,
    another checksum); fig6 pooled all three runs over two base models."""
    from precog.compendium import replication
    from precog.compendium.profiles import figures_dir

    figures = figures_dir("smoke")
    pooled = json.loads((figures / "study_effects_pooled.json").read_text())
    runs = {r["run"]: r for r in pooled["runs"]}
    assert set(runs) == {"main run", "replicate 1", "replicate 2"} and pooled["base_models"] == 2
    assert runs["replicate 1"]["base_model"] == runs["main run"]["base_model"]
    assert runs["replicate 2"]["base_model"] != runs["main run"]["base_model"]
    assert runs["replicate 2"]["pretrain_seed"] != runs["main run"]["pretrain_seed"]
    main, _ = replication.read_run(figures)
    for folder in replication.replicate_folders(figures):
        effects, rows = replication.read_run(folder)
        assert effects["design"] == main["design"] and not pooled["not_pooled"]
        assert len(rows) == rows[["task", "id", "model"]].drop_duplicates().shape[0]  # one row per example and model


def test_fig6_holds_every_registered_estimand_and_the_dose_response():
    """The smoke run's pooled answer has every text dose x task (and both) x outcome with a
    verdict, the main run's rows carry the classifier's margin, and fig6's JSON the dose-response."""
    import pandas as pd

    from precog.compendium.profiles import figures_dir, load_profile

    figures = figures_dir("smoke")
    pooled = json.loads((figures / "study_effects_pooled.json").read_text())
    doses = sorted(load_profile("smoke").study.injected["text"])
    got = {(e["dose"], e["task"], e["outcome"]) for e in pooled["estimands"] if e["arm"] == "text"}
    assert got == {(d, t, o) for d in doses for t in ("rt-polarity", "subjectivity", "all")
                   for o in ("correct", "margin", "precog@1")}
    assert all(e["verdict"] in ("superior", "superior, within the margin", "equivalent", "worse", "inconclusive")
               for e in pooled["estimands"])
    rows = pd.read_csv(figures / "study_rows.csv", dtype={"model": str})
    study = rows[rows["model"] != "random"]
    assert study["margin"].notna().all() and ((study["margin"] > 0) == (study["correct"] > 0.5)).all()
    fig6 = json.loads((figures / "fig6_gain_by_memorization.json").read_text())
    assert {d["task"] for d in fig6["dose_response"]} == {"rt-polarity", "subjectivity", "all"}
    assert len(fig6["points"]) == 3 * len(doses) and {b["status"] for b in fig6["bins"]} == {"seen", "unseen"}
