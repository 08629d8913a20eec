"""The controlled study: clean, label-balanced arms; bad designs refused before training;
smoke models that train, reload and come back from the cache."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from safetensors.torch import load_file

from precog import paths, pipeline
from precog.configs import StudyConfig
from precog.errors import PrecogError
from precog.pretrain import base_model, clean_base_sequences, random_model, study_model
from precog.profiles import load_profile
from precog.study import cells, deal, fingerprints, injected_passages, manifest, study_texts
from precog.tasks import DEMO

SMOKE = load_profile("smoke")
DEMO_PROFILE = load_profile("demo")
TASKS = {t: DEMO[t] for t in SMOKE.tasks}


@pytest.fixture(scope="module")
def smoke_cache(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(paths, "CACHE", cache)
        yield {m: Path(f) for m, f in pipeline.models(SMOKE, progress=False).items()}


def test_deal_spreads_every_label_evenly_over_cells():
    labels = np.array([0] * 60 + [1] * 40)
    which = deal(labels, [50, 30, 20])
    for c, size in enumerate([50, 30, 20]):
        assert (which == c).sum() == size
        assert abs(labels[which == c].mean() - 0.4) <= 1 / size + 1e-9


@pytest.mark.parametrize("profile", [SMOKE, DEMO_PROFILE], ids=["smoke", "demo"])
def test_manifest_cells_sizes_and_label_balance(profile):
    m = manifest(TASKS, profile.study)
    for task in profile.tasks:
        rows = m[m["task"] == task]
        assert rows["id"].is_unique and set(rows["id"]) <= set(DEMO[task].load("validation")["id"])
        share = rows["label"].mean()
        for arm, dose, model, n in cells(profile.study):
            cell = rows[(rows["arm"] == arm) & (rows["dose"] == dose) & (rows["model"] == model)]
            assert len(cell) == n
            # label shares equal within rounding: at most 1.5 examples off the task's share
            assert abs(cell["label"].sum() - n * share) <= 1.5, (task, arm, dose, model)
    assert (m["exposures"] == m["dose"] * profile.study.passes).all()
    assert set(m.columns) == {"task", "id", "label", "arm", "dose", "exposures", "model"}


def test_no_two_study_examples_share_a_sentence_or_8gram():
    m = manifest(TASKS, DEMO_PROFILE.study)
    seen: set = set()
    for text in study_texts(TASKS, m).values():
        keys = fingerprints(text)
        assert keys.isdisjoint(seen)
        seen |= keys


def test_never_examples_share_nothing_with_injected_passages_or_the_base_corpus():
    m = manifest(TASKS, SMOKE.study)
    texts = study_texts(TASKS, m)
    never = [texts[(t, i)] for t, i in m.loc[m["arm"] == "never", ["task", "id"]].itertuples(index=False)]
    corpus = [" ".join(s for s in seq if s) for seq in clean_base_sequences(SMOKE.pretrain, SMOKE.study, SMOKE.tasks)]
    corpus += [" ".join(s for s in seq if s) for w in ("A", "B") for seq in injected_passages(TASKS, m, w)]
    keys = set().union(*(fingerprints(c) for c in corpus))
    assert len(never) == SMOKE.study.never * len(SMOKE.tasks)
    assert not any(fingerprints(t) & keys for t in never)


def test_injected_passages_follow_the_manifest():
    m = manifest(TASKS, SMOKE.study)
    for w in ("A", "B"):
        passages = injected_passages(TASKS, m, w)
        mine = m[m["model"] == w]
        assert len(passages) == mine["dose"].sum()
        labelled = [p for p in passages if p[2] is not None]
        assert len(labelled) == mine.loc[mine["arm"] == "text+label", "dose"].sum()
        assert {p[2] for p in labelled} <= {x for t in TASKS.values() for x in t.label_words}


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(never=0), "never-injected"),
        (dict(injected={"text": {8: 3}}), "even number"),
        (dict(injected={"text": {0: 4}}), "not a positive number"),
        (dict(injected={"text": {8: 4}, "text+label": {4: 4}}), "same doses"),
        (dict(injected={"label-only": {8: 4}}), "arms must be among"),
        (dict(never=5000), "non-overlapping"),
    ],
)
def test_bad_designs_fail_with_one_line_before_training(change, message, tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "CACHE", tmp_path)
    study = replace(SMOKE.study, **change)
    with pytest.raises(PrecogError, match=message) as err:
        base_model(SMOKE.pretrain, study, SMOKE.tasks, progress=False)
    assert "\n" not in str(err.value)
    assert not any(tmp_path.rglob("*.safetensors"))


def test_label_word_that_is_not_one_token_is_refused(tmp_path, monkeypatch):
    from precog.study import check_label_words
    from precog.tasks import Task

    monkeypatch.setattr(paths, "CACHE", tmp_path)
    odd = replace(DEMO["rt-polarity"], label_words=("negative", "xqzxqz"))
    assert isinstance(odd, Task)
    from precog.pretrain import train_tokenizer

    tok = train_tokenizer(["a negative review", "a positive review"] * 5, 200, ("negative", "positive"))
    with pytest.raises(PrecogError, match="not a single token"):
        check_label_words({"rt-polarity": odd}, tok)


def test_study_config_rejects_unknown_keys():
    with pytest.raises(PrecogError, match="no field"):
        StudyConfig.from_dict({"nevr": 3})


def test_smoke_models_train_differ_and_reload(smoke_cache):
    base = json.loads((smoke_cache["A"].parent / json.loads((smoke_cache["A"] / "pretrain.json").read_text())["base"]
                       / "pretrain.json").read_text())
    curve = [loss for _, loss in base["loss_curve"]]
    assert curve[-1] < curve[0] - 0.5
    a = load_file(smoke_cache["A"] / "model.safetensors")
    b = load_file(smoke_cache["B"] / "model.safetensors")
    assert any(not (a[k] == b[k]).all() for k in a), "A and B saw different examples"
    for m in ("A", "B"):
        info = json.loads((smoke_cache[m] / "pretrain.json").read_text())
        members = pd.read_csv(smoke_cache[m] / "manifest.csv")
        assert info["injected_sequences"] == members.loc[members["model"] == m, "dose"].sum()
    assert (smoke_cache["random"] / "config.json").is_file()


def test_same_seed_same_weights_and_cache_hit(smoke_cache, tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "CACHE", tmp_path)
    args = (SMOKE.pretrain, SMOKE.study, SMOKE.tasks)
    again = study_model(*args, which="A", progress=False)
    a, b = load_file(smoke_cache["A"] / "model.safetensors"), load_file(again / "model.safetensors")
    assert a.keys() == b.keys() and all((a[k] == b[k]).all() for k in a)
    stamp = (again / "model.safetensors").stat().st_mtime_ns
    assert study_model(*args, which="A", progress=False) == again
    assert (again / "model.safetensors").stat().st_mtime_ns == stamp
    assert random_model(*args, progress=False).is_dir()


def test_next_sentence_pairs():
    """A 'next' pair's B follows A in its document; a 'random' pair's B is a chunk of another document."""
    from precog import corpus
    from precog.pretrain import base_sequences, documents
    from precog.tasks import NEXT_WORDS

    chunks = [corpus.chunk_words(d, SMOKE.pretrain.chunk_words) for d in documents(SMOKE.pretrain)]
    doc_of, follows = {}, set()
    for d, cs in enumerate(chunks):
        for i, c in enumerate(cs):
            doc_of.setdefault(c, set()).add(d)
            if i + 1 < len(cs):
                follows.add((c, cs[i + 1]))
    pairs = [s for s in base_sequences(SMOKE.pretrain, set()) if s[1] is not None]
    assert {w for *_, w in pairs} == set(NEXT_WORDS)
    for a, b, word in pairs:
        if word == NEXT_WORDS[1]:
            assert (a, b) in follows
        else:
            assert doc_of[b] - doc_of[a]  # B stands in a document that A does not


def test_slot_word_sits_before_the_final_sep_and_survives_truncation():
    from transformers import BertTokenizer

    from precog.pretrain import encode

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "film", "was", "fine", "next", "random", "."]
    tok = BertTokenizer(vocab={w: i for i, w in enumerate(vocab)}, do_lower_case=True)
    long = "the film was fine . " * 10
    rows = encode(tok, [(long, "the film", "next"), ("the film", None, "random"), ("the film", None, None)], 16)
    assert [len(r["input_ids"]) for r in rows] == [16, 5, 4]
    assert tok.convert_ids_to_tokens(rows[0]["input_ids"][-3:]) == ["film", "next", "[SEP]"]
    assert tok.convert_ids_to_tokens(rows[1]["input_ids"]) == ["[CLS]", "the", "film", "random", "[SEP]"]
    assert rows[0]["token_type_ids"][-2] == 1 and rows[1]["token_type_ids"][-2] == 0
    with pytest.raises(PrecogError, match="slot word 'maybe'"):
        encode(tok, [("the film", None, "maybe")], 16)
