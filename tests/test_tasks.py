"""Task registry: GLUE's real schema through the hub code path, demo tasks, local files."""

from __future__ import annotations

import datasets
import pytest

from precog.data.tasks import DEMO, _glue_task, file_task, get_task, load_glue_split
from precog.errors import PrecogError

# The documented schema of nyu-mll/glue on the hub (dataset card): text fields, ClassLabel
# names in id order (None: a float label), evaluation splits. Written down from the card,
# not from precog.data.tasks, so a registry mistake shows up as a mismatch.
HUB_SCHEMA = {
    "cola": (["sentence"], ["unacceptable", "acceptable"], ["validation"]),
    "sst2": (["sentence"], ["negative", "positive"], ["validation"]),
    "mrpc": (["sentence1", "sentence2"], ["not_equivalent", "equivalent"], ["validation"]),
    "qqp": (["question1", "question2"], ["not_duplicate", "duplicate"], ["validation"]),
    "stsb": (["sentence1", "sentence2"], None, ["validation"]),
    "mnli": (["premise", "hypothesis"], ["entailment", "neutral", "contradiction"],
             ["validation_matched", "validation_mismatched"]),
    "qnli": (["question", "sentence"], ["entailment", "not_entailment"], ["validation"]),
    "rte": (["sentence1", "sentence2"], ["entailment", "not_entailment"], ["validation"]),
    "wnli": (["sentence1", "sentence2"], ["not_entailment", "entailment"], ["validation"]),
}


def write_glue_like(root, config, split, n=6, unlabelled=False):
    """A parquet file laid out and typed like the hub's nyu-mll/glue/<config>/<split>-*.parquet,
    built from the documented schema above."""
    fields, labels, _ = HUB_SCHEMA[config]
    feats = {f: datasets.Value("string") for f in fields}
    feats["label"] = datasets.ClassLabel(names=labels) if labels else datasets.Value("float32")
    feats["idx"] = datasets.Value("int32")
    rows = {f: [f"{f} {i}" for i in range(n)] for f in fields}
    rows["label"] = [-1 if unlabelled else (i % len(labels) if labels else i / 2) for i in range(n)]
    rows["idx"] = list(range(10, 10 + n))
    (root / config).mkdir(parents=True, exist_ok=True)
    datasets.Dataset.from_dict(rows, features=datasets.Features(feats)).to_parquet(
        str(root / config / f"{split}-00000-of-00001.parquet")
    )
    return rows


@pytest.mark.parametrize("config", sorted(HUB_SCHEMA))
def test_every_glue_task_reads_a_hub_layout_parquet_through_the_real_loader(tmp_path, config, monkeypatch):
    fields, labels, evals = HUB_SCHEMA[config]
    monkeypatch.setenv("PRECOG_GLUE_DIR", str(tmp_path))
    task = get_task(config)
    assert [task.eval_split] == evals[:1] and list(task.text_fields) == fields
    assert list(task.label_names) == (labels or []) and task.is_regression == (labels is None)
    for split in evals:
        rows = write_glue_like(tmp_path, config, split)
        ds = task.load(split)
        assert ds.column_names == [*fields, "label", "id"]
        assert ds["id"] == rows["idx"] and ds[fields[0]] == rows[fields[0]]
        assert ds["label"] == pytest.approx(rows["label"])


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
    rt, subj = DEMO["rt-polarity"], DEMO["subjectivity"]
    v = rt.load("validation")
    assert len(v) == 1000 and v.column_names == ["id", "sentence", "label", "source"]
    assert v["id"] == rt.load("validation")["id"]  # same seeded split every time
    assert set(v["id"]).isdisjoint(rt.load("train")["id"])
    w = subj.load("validation")
    assert len(w) == 1000 and w.column_names == ["id", "sentence", "label", "source"]
    assert sum(w["label"]) / len(w) == 0.5
    assert set(w["id"]).isdisjoint(subj.load("train")["id"])
    assert rt.label_words == ("negative", "positive") and subj.label_words == ("plot", "opinion")


def test_subjectivity_takes_snippets_and_plots_no_other_task_or_corpus_uses():
    from precog.data import corpus
    from precog.data.tasks import plot_partition, snippet_partition

    for part, other in ((plot_partition(), "pretrain"), (snippet_partition(), "rt-polarity")):
        assert set(part[other]).isdisjoint(part["subjectivity"]) and part["subjectivity"]
    plots = corpus.rotten_plots()
    held = {s for p in plot_partition()["subjectivity"] for s in corpus.split_sentences(plots[p])}
    snippets = {corpus.rotten_tomatoes()[i][0] for i in snippet_partition()["subjectivity"]}
    rt_text = set(DEMO["rt-polarity"].load("train")["sentence"]) | set(DEMO["rt-polarity"].load("validation")["sentence"])
    for split in ("train", "validation"):
        ds = DEMO["subjectivity"].load(split)
        for text, label in zip(ds["sentence"], ds["label"], strict=True):
            assert (text in snippets) if label == 1 else (text in held)
            assert text not in rt_text


def test_subjectivity_split_keeps_plots_whole_and_caps_them_in_validation():
    from precog.data.tasks import PLOT_SENTENCES_EVAL, subjectivity_split

    plots = [(f"plot {p}", tuple(f"plot {p} line {i} tells the story" for i in range(4))) for p in range(6)]
    plots.append(("plot 6", ("a line that repeats in a snippet here",)))
    snippets = [(f"snippet {i}", f"snippet {i} is a fine piece of work") for i in range(20)]
    snippets.append(("snippet 20", "a line that repeats in a snippet here"))  # occurs twice: never used
    parts = subjectivity_split(plots, snippets, n_eval=8, seed=0)
    val, train = parts["validation"], parts["train"]
    assert len(val) == 8 and val["label"].sum() == 4
    assert val[val["label"] == 0].groupby("source").size().max() <= PLOT_SENTENCES_EVAL
    assert set(val["source"]).isdisjoint(train["source"]), "a document gives examples to both splits"
    assert "a line that repeats in a snippet here" not in set(val["sentence"]) | set(train["sentence"])
    assert (train["label"] == 1).sum() == (train["label"] == 0).sum()
    assert parts["validation"].equals(subjectivity_split(plots, snippets, n_eval=8, seed=0)["validation"])


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
