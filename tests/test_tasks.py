"""Task registry: GLUE's real schema through the hub code path, demo tasks, local files."""

from __future__ import annotations

import datasets
import pytest

from precog.errors import PrecogError
from precog.tasks import DEMO, _glue_task, file_task, get_task, load_glue_split

# The documented schema of nyu-mll/glue on the hub (dataset card): text fields, ClassLabel
# names in id order (None: a float label), evaluation splits. Written down from the card,
# not from precog.tasks, so a registry mistake shows up as a mismatch.
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
    rt, nxt = DEMO["rt-polarity"], DEMO["review-next"]
    v = rt.load("validation")
    assert len(v) == 1000 and v.column_names == ["id", "sentence", "label"]
    assert v["id"] == rt.load("validation")["id"]  # same seeded split every time
    assert set(v["id"]).isdisjoint(rt.load("train")["id"])
    w = nxt.load("validation")
    assert len(w) == 1000 and w.column_names == ["id", "sentence1", "sentence2", "label"]
    assert 0.4 < sum(w["label"]) / len(w) < 0.6
    assert rt.label_words == ("negative", "positive") and len(nxt.label_words) == 2


def test_review_next_uses_every_sentence_once_across_splits():
    from precog.overlap import words

    nxt = DEMO["review-next"]
    seen = []
    for split in ("train", "validation"):
        ds = nxt.load(split)
        seen += [" ".join(words(s)) for f in ("sentence1", "sentence2") for s in ds[f]]
    assert len(seen) == len(set(seen)), "a sentence occurs in two examples"


def test_review_next_reviews_and_plots_are_not_in_the_pretraining_share():
    from precog.tasks import plot_partition, review_partition

    for part in (review_partition(), plot_partition()):
        assert set(part["pretrain"]).isdisjoint(part["review-next"]) and part["review-next"]


def test_sentence_pairs_follow_or_take_a_stranger_and_use_each_sentence_once():
    from precog.tasks import sentence_pairs

    docs = [tuple(f"review {d} sentence {i} says something here" for i in range(6)) for d in range(4)]
    docs.append(("too short", "review 0 sentence 0 says something here", "fine sentence with five words"))  # a repeat
    strangers = [tuple(f"plot {p} line {i} tells the story" for i in range(3)) for p in range(5)]
    strangers.append(("review 1 sentence 5 says something here",))  # a stranger repeating a review sentence
    df = sentence_pairs(docs, strangers, seed=0)
    assert set(df["label"]) == {0, 1}
    for a, b, label, d in df.itertuples(index=False):
        doc = docs[d]
        if label == 1:
            assert doc.index(b) == doc.index(a) + 1
        else:
            assert b.startswith("plot ") and b not in doc
    used = [*df["sentence1"], *df["sentence2"]]
    assert len(used) == len(set(used))
    assert "review 0 sentence 0 says something here" not in used  # occurs twice: never used
    assert "review 1 sentence 5 says something here" not in used  # in a document and in strangers: never used
    assert df.equals(sentence_pairs(docs, strangers, seed=0))


def test_review_next_negatives_are_sentences_of_held_out_plots():
    from precog import corpus
    from precog.tasks import plot_partition, review_partition

    plots, reviews = corpus.rotten_plots(), corpus.movie_reviews()
    held_plots = {s for p in plot_partition()["review-next"] for s in corpus.split_sentences(plots[p])}
    held_reviews = [reviews[r] for r in review_partition()["review-next"]]
    follows = {(d[i], d[i + 1]) for d in held_reviews for i in range(len(d) - 1)}
    ds = DEMO["review-next"].load("validation")
    for a, b, label in zip(ds["sentence1"], ds["sentence2"], ds["label"], strict=True):
        assert (a, b) in follows if label == 1 else b in held_plots


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
