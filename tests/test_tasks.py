"""Task registry: GLUE's real schema through the hub code path, demo tasks, local files."""

from __future__ import annotations

import datasets
import pytest

from precog.errors import PrecogError
from precog.tasks import DEMO, GLUE, _glue_task, file_task, get_task, load_glue_split

# The schema of nyu-mll/glue on the hub (field names and label names per config).
HUB_SCHEMA = {
    "cola": ["sentence"],
    "sst2": ["sentence"],
    "mrpc": ["sentence1", "sentence2"],
    "qqp": ["question1", "question2"],
    "stsb": ["sentence1", "sentence2"],
    "mnli": ["premise", "hypothesis"],
    "qnli": ["question", "sentence"],
    "rte": ["sentence1", "sentence2"],
    "wnli": ["sentence1", "sentence2"],
}


def write_glue_like(root, config, split, n=6, unlabelled=False):
    """A parquet file laid out and typed like the hub's nyu-mll/glue/<config>/<split>-*.parquet."""
    fields, labels = GLUE[config][0], GLUE[config][1]
    feats = {f: datasets.Value("string") for f in fields}
    feats["label"] = datasets.ClassLabel(names=list(labels)) if labels else datasets.Value("float32")
    feats["idx"] = datasets.Value("int32")
    rows = {f: [f"{f} {i}" for i in range(n)] for f in fields}
    rows["label"] = [-1 if unlabelled else i % max(1, len(labels)) for i in range(n)]
    rows["idx"] = list(range(n))
    (root / config).mkdir(parents=True, exist_ok=True)
    datasets.Dataset.from_dict(rows, features=datasets.Features(feats)).to_parquet(
        str(root / config / f"{split}-00000-of-00001.parquet")
    )


def test_registry_matches_glue_schema():
    assert {k: list(v[0]) for k, v in GLUE.items()} == HUB_SCHEMA
    assert GLUE["mnli"][3] == ("validation_matched", "validation_mismatched")
    assert get_task("stsb").is_regression and get_task("cola").metric == "matthews"
    assert get_task("mnli").num_labels == 3


@pytest.mark.parametrize("config", ["cola", "mrpc", "mnli"])
def test_local_copy_in_glue_layout_loads_through_the_hub_code_path(tmp_path, config):
    task = _glue_task(config, root=str(tmp_path))
    split = task.eval_split
    write_glue_like(tmp_path, config, split)
    ds = task.load(split)
    assert ds.column_names == [*GLUE[config][0], "label", "id"]
    assert ds["id"] == list(range(6)) and set(ds["label"]) <= set(range(task.num_labels))


def test_unlabelled_split_is_refused(tmp_path):
    write_glue_like(tmp_path, "sst2", "test", unlabelled=True)
    with pytest.raises(PrecogError, match="no labels"):
        _glue_task("sst2", root=str(tmp_path)).load("test")


def test_offline_hub_is_one_line_naming_the_way_out():
    with pytest.raises(PrecogError) as err:
        load_glue_split("sst2", "validation")
    msg = str(err.value)
    assert "\n" not in msg and "demo profile" in msg and "your own file" in msg


def test_demo_tasks_are_stable_and_labelled():
    rt, wiki = DEMO["rt-polarity"], DEMO["wiki-next"]
    v = rt.load("validation")
    assert len(v) == 800 and v.column_names == ["id", "sentence", "label"]
    assert v["id"] == rt.load("validation")["id"]  # same seeded split every time
    assert set(v["id"]).isdisjoint(rt.load("train")["id"])
    w = wiki.load("validation")
    assert len(w) == 400 and w.column_names == ["id", "sentence1", "sentence2", "label"]
    assert 0.3 < sum(w["label"]) / len(w) < 0.7


def test_unknown_task_and_split():
    with pytest.raises(PrecogError, match="unknown task 'nope'"):
        get_task("nope")
    with pytest.raises(PrecogError, match="has splits train, validation"):
        get_task("rt-polarity").load("test")


def test_file_task(tmp_path):
    (tmp_path / "train.csv").write_text("text,label\ngood film,pos\nbad film,neg\n")
    (tmp_path / "dev.jsonl").write_text('{"text": "fine film", "label": "pos"}\n')
    task = file_task("mine", {"train": tmp_path / "train.csv", "validation": tmp_path / "dev.jsonl"}, ["text"])
    assert task.label_names == ("neg", "pos")
    assert get_task("mine").load("validation")[0] == {"id": 0, "text": "fine film", "label": 1}
    with pytest.raises(PrecogError, match="missing field"):
        file_task("bad", {"train": tmp_path / "train.csv"}, ["sentence"])
