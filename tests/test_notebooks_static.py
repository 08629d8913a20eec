"""House rules of the notebooks (their execution is tested by nbval on the smoke profile)."""

from __future__ import annotations

import json

import nbformat
import pytest
import yaml

from precog import paths
from precog.compendium.reproduce import ORDER, clean, source_digest, strip_outputs

NOTEBOOKS = sorted(paths.NOTEBOOKS.glob("*.ipynb"))


def test_every_notebook_is_in_the_reproduce_order():
    assert sorted(p.stem for p in NOTEBOOKS) == sorted(ORDER)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameter_cell_names_the_demo_profile_and_setup_loads_it(path):
    cells = json.loads(path.read_text())["cells"]
    assert cells[0]["cell_type"] == "markdown"
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1 and tagged[0] is cells[1]
    first, *rest = "".join(tagged[0]["source"]).splitlines()
    assert first.split("#")[0].strip() == 'profile = "demo"'
    # the lesson alone takes a second parameter, where its outputs go (`precog lesson` gives build/lesson/figures)
    assert [line.split("#")[0].strip() for line in rest] == (['figures = None'] if path.stem == "precog_explained" else [])
    assert ("notebook.setup(profile, figures)" if path.stem == "precog_explained" else "notebook.setup(profile)") \
        in "".join(cells[2]["source"])
    source = "".join("".join(c["source"]) for c in cells)
    assert "!pip" not in source and "%run" not in source and "/work/" not in source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_outputs_are_clean(path):
    """Executed demo copies may carry outputs, but no run-time metadata, widget state, machine
    paths or progress bars (their rates and times change with every run)."""
    nb = json.loads(path.read_text())
    assert "papermill" not in nb["metadata"] and "widgets" not in nb["metadata"]
    for cell in nb["cells"]:
        assert "execution" not in cell["metadata"] and "papermill" not in cell["metadata"]
        text = json.dumps(cell.get("outputs", []))
        assert str(paths.ROOT) not in text and "/tmp/" not in text and "Warning" not in text
        assert "it/s]" not in text and "s/it]" not in text, "a progress bar in the committed outputs"
        kinds = [(o["output_type"], o.get("name")) for o in cell.get("outputs", [])]
        assert not any(a == b and a[0] == "stream" for a, b in zip(kinds, kinds[1:], strict=False)), "prints split by timing"


def test_clean_strips_run_noise_and_keeps_results():
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"start_time": "x"}
    cell = nbformat.v4.new_code_cell("1")
    cell.metadata["execution"] = {"iopub.execute_input": "2026"}
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="model at /repo/data/cache/x\n"),
                    nbformat.v4.new_output("display_data", data={"text/plain": "VBox()",
                                                                   "application/vnd.jupyter.widget-view+json": {"model_id": "u"}})]
    printed = nbformat.v4.new_code_cell("print(1); print(2)")
    printed.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n"),
                       nbformat.v4.new_output("stream", name="stdout", text="2\n"),
                       nbformat.v4.new_output("stream", name="stderr", text="note\n"),
                       nbformat.v4.new_output("stream", name="stdout", text="3\n")]
    nb.cells = [cell, printed]
    clean(nb, {"/repo/data/cache": "<cache>"})
    assert [(o["name"], o["text"]) for o in nb.cells[1].outputs] == [("stdout", "1\n2\n"), ("stderr", "note\n"),
                                                                    ("stdout", "3\n")]
    assert "papermill" not in nb.metadata and "execution" not in nb.cells[0].metadata
    assert nb.cells[0].outputs[0]["text"] == "model at <cache>/x\n"
    assert nb.cells[0].outputs[1]["data"] == {"text/plain": "VBox()"}
    before = source_digest(NOTEBOOKS[0])
    raw = nbformat.read(NOTEBOOKS[0], as_version=4)
    strip_outputs(raw)
    assert all(not c.get("outputs") for c in raw.cells if c.cell_type == "code")
    assert before == source_digest(NOTEBOOKS[0])


@pytest.mark.parametrize("profile", ["smoke", "demo", "paper", "lesson"])
def test_profiles_load_into_the_typed_profile(profile):
    from precog.compendium.profiles import load_profile

    p = load_profile(profile)
    assert p.name == profile and p.tasks and p.controlled == (p.model is None)
    assert set(yaml.safe_load((paths.PARAMS / f"{profile}.yaml").read_text())) <= {
        "name", "model", "tasks", "k", "seeds", "pretrain", "study", "finetune", "score", "concurrent_runs", "replicates"}


@pytest.mark.parametrize("profile", ["smoke", "demo", "paper", "lesson"])
def test_profile_files_hold_only_what_differs_from_the_defaults(profile):
    """One source of defaults: the dataclasses; a YAML value equal to its default is a second copy."""
    from dataclasses import fields

    from precog.compendium.profiles import default
    from precog.configs import FinetuneConfig, PretrainConfig, ScoreConfig, StudyConfig

    sections = {"pretrain": PretrainConfig, "study": StudyConfig, "finetune": FinetuneConfig, "score": ScoreConfig}
    values = yaml.safe_load((paths.PARAMS / f"{profile}.yaml").read_text())
    restated = []
    for key, value in values.items():
        if key in sections:
            defaults = sections[key]()
            restated += [f"{key}.{f.name}" for f in fields(defaults) if f.name in value
                         and value[f.name] == getattr(defaults, f.name)]
        elif key != "name" and (tuple(value) if isinstance(value, list) else value) == default(key):
            restated.append(key)
    assert not restated, f"{profile}.yaml restates defaults: {restated}"


def test_config_defaults_are_the_demo_profile():
    from precog.compendium.profiles import load_profile
    from precog.configs import FinetuneConfig, PretrainConfig, ScoreConfig, StudyConfig

    demo = load_profile("demo")
    fp32 = {"precision": "fp32"}  # the one exception: the committed study runs are fp32, and runs pool within a precision
    assert (demo.pretrain, demo.study, demo.finetune, demo.score) == (
        PretrainConfig(**fp32), StudyConfig(), FinetuneConfig(**fp32), ScoreConfig(**fp32))
    assert yaml.safe_load((paths.PARAMS / "demo.yaml").read_text()) == {
        "name": "demo", "pretrain": fp32, "score": fp32, "finetune": fp32}


def test_unknown_profile_key_is_one_line():
    from precog.compendium.profiles import profile_from_dict
    from precog.errors import PrecogError

    with pytest.raises(PrecogError, match="unknown"):
        profile_from_dict({"name": "x", "tasks": ["rt-polarity"], "modle": None})
    with pytest.raises(PrecogError, match="no field"):
        profile_from_dict({"name": "x", "tasks": ["rt-polarity"], "finetune": {"lr": 1}})
