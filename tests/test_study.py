"""The controlled study: clean, label-balanced arms; bad designs refused before training;
smoke models that train, reload and come back from the cache."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from safetensors.torch import load_file

from precog import paths
from precog.compendium import pipeline
from precog.compendium.profiles import load_profile
from precog.configs import StudyConfig
from precog.data.tasks import DEMO
from precog.errors import PrecogError
from precog.study.design import cells, deal, fingerprints, injected_passages, manifest, read_manifest, study_texts
from precog.study.pretrain import base_model, random_model, study_model
from precog.study.sequences import clean_base_sequences

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


def test_deal_keeps_a_document_in_one_cell_and_balances_labels_within_cells():
    """A toy corpus: examples 0 and 1 come from one document (and share its label); the
    other examples are single snippets. Both siblings land in one cell; cells keep their
    sizes and label shares exactly."""
    labels = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    groups = np.array(["doc", "doc", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j"])
    homes = set()
    for seed in range(8):
        which = deal(labels, [4, 4, 4], groups, seed)
        assert which[0] == which[1]
        homes.add(which[0])
        for c in range(3):
            assert (which == c).sum() == 4 and labels[which == c].sum() == 2
    assert len(homes) > 1  # the document's cell is drawn, not fixed
    singletons = [deal(labels, [4, 4, 4], None, seed) for seed in range(2)]
    assert all(((w == c).sum() == 4 and labels[w == c].sum() == 2) for w in singletons for c in range(3))


def test_deal_gives_small_and_large_cells_the_same_mix_of_documents():
    """100 two-sentence documents and 100 single sentences into cells of 200, 60 and 40:
    every cell should hold about 2/3 sentences of two-sentence documents, as a shuffle would
    (dealing the big documents to the roomiest cell first gave the large cell nearly all of them)."""
    groups = np.array([f"p{i // 2}" for i in range(200)] + [f"s{i}" for i in range(100)])
    labels = np.zeros(len(groups), dtype=int)
    pair = np.array([g.startswith("p") for g in groups])
    shares = np.array([[pair[deal(labels, [200, 60, 40], groups, seed) == c].mean() for c in range(3)]
                       for seed in range(20)])
    assert np.abs(shares.mean(axis=0) - 2 / 3).max() < 0.08


def test_every_injected_example_is_seen_by_exactly_one_model_and_documents_stay_whole():
    m = manifest(TASKS, DEMO_PROFILE.study)
    injected = m[m["arm"] != "never"]
    assert set(injected["model"]) == set(DEMO_PROFILE.study.model_names)
    assert (m.loc[m["arm"] == "never", "model"] == "-").all()
    assert not m.duplicated(["task", "id"]).any()  # one row, so one model, per example
    cells_of_source = m.groupby(["task", "source"]).apply(lambda d: len(set(zip(d["arm"], d["model"], strict=True))), include_groups=False)
    assert (cells_of_source == 1).all(), "a source document is split over cells"
    assert (m.groupby(["task", "source"]).size() > 1).any(), "the demo has documents with two examples (the test bites)"


def test_replicate_redraws_the_assignment_of_the_same_examples():
    main, other = manifest(TASKS, SMOKE.study), manifest(TASKS, replace(SMOKE.study, replicate=1))
    assert main[["task", "id"]].equals(other[["task", "id"]])
    sizes = lambda m: m.groupby(["task", "arm", "dose", "model"]).size()  # noqa: E731
    assert sizes(main).equals(sizes(other))  # the replicate's cells are as large as the main run's
    assert (main[["arm", "model"]] != other[["arm", "model"]]).any(axis=None)
    from precog.study.keys import base_key

    assert base_key(SMOKE.pretrain, SMOKE.study, SMOKE.tasks) == base_key(SMOKE.pretrain, replace(SMOKE.study, replicate=1), SMOKE.tasks)


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
    assert set(m.columns) == {"task", "id", "label", "arm", "dose", "exposures", "model", "source"}


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
    corpus += [" ".join(s for s in seq if s) for w in SMOKE.study.model_names for seq in injected_passages(TASKS, m, w)]
    keys = set().union(*(fingerprints(c) for c in corpus))
    assert len(never) == SMOKE.study.never * len(SMOKE.tasks)
    assert not any(fingerprints(t) & keys for t in never)


def test_injected_passages_follow_the_manifest():
    m = manifest(TASKS, SMOKE.study)
    for w in SMOKE.study.model_names:
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
        (dict(injected={"text": {8: 3}}), "multiple of study.models"),
        (dict(models=1), "study.models must be >= 2"),
        (dict(injected={"text": {0: 4}}), "not a positive number"),
        (dict(injected={"text": {8: 4}, "text+label": {4: 4}}), "needs the text arm at each of its doses"),
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
    from precog.data.tasks import Task, check_label_words

    monkeypatch.setattr(paths, "CACHE", tmp_path)
    odd = replace(DEMO["rt-polarity"], label_words=("negative", "xqzxqz"))
    assert isinstance(odd, Task)
    from precog.study.sequences import train_tokenizer

    tok = train_tokenizer(["a negative review", "a positive review"] * 5, 200, ("negative", "positive"))
    with pytest.raises(PrecogError, match="not a single token"):
        check_label_words({"rt-polarity": odd}, tok)


def test_study_config_rejects_unknown_keys():
    with pytest.raises(PrecogError, match="no field"):
        StudyConfig.from_dict({"nevr": 3})


def test_smoke_models_train_differ_and_reload(smoke_cache):
    base = json.loads((smoke_cache["0"].parent / json.loads((smoke_cache["0"] / "pretrain.json").read_text())["base"]
                       / "pretrain.json").read_text())
    curve = [loss for _, loss in base["loss_curve"]]
    assert curve[-1] < curve[0] - 0.5
    a = load_file(smoke_cache["0"] / "model.safetensors")
    b = load_file(smoke_cache["1"] / "model.safetensors")
    assert any(not (a[k] == b[k]).all() for k in a), "models 0 and 1 saw different examples"
    for m in SMOKE.study.model_names:
        info = json.loads((smoke_cache[m] / "pretrain.json").read_text())
        members = read_manifest(smoke_cache[m] / "manifest.csv")
        assert info["injected_sequences"] == members.loc[members["model"] == m, "dose"].sum()
    assert (smoke_cache["random"] / "config.json").is_file()


def test_same_seed_same_weights_side_by_side_and_cache_hit(smoke_cache, tmp_path, monkeypatch):
    """Study models trained two at a time, each in its own process, are byte-identical to the
    same models trained one after the other here (every job runs on one CPU thread)."""
    from precog.study.pretrain import study_models

    monkeypatch.setattr(paths, "CACHE", tmp_path)
    args = (SMOKE.pretrain, SMOKE.study, SMOKE.tasks)
    together = study_models(*args, runs=2, progress=False)
    for m in SMOKE.study.model_names:
        alone = (smoke_cache[m] / "model.safetensors").read_bytes()
        assert (together[m] / "model.safetensors").read_bytes() == alone, f"model {m} differs side by side"
    again = study_model(*args, which="0", progress=False)
    stamp = (again / "model.safetensors").stat().st_mtime_ns
    assert study_model(*args, which="0", progress=False) == again
    assert (again / "model.safetensors").stat().st_mtime_ns == stamp
    assert random_model(*args, progress=False).is_dir()


def test_next_sentence_pairs():
    """A 'next' pair's B follows A in its document; a 'random' pair's B is a chunk of another document."""
    from precog.data import corpus
    from precog.data.tasks import NEXT_WORDS
    from precog.study.sequences import base_sequences, documents

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

    from precog.study.sequences import encode

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


def test_lower_case_text_splits_into_sentences_so_a_verbatim_study_sentence_is_caught():
    """Pang & Lee's reviews are lower-cased; a short study sentence (no 8-gram) inside one
    must still be found by its sentence fingerprint, so the base corpus drops that chunk."""
    from precog.data.corpus import split_sentences

    assert split_sentences("it was fine . the end ! so there") == ["it was fine .", "the end !", "so there"]
    study = fingerprints("A quiet film.")
    review = "i went in with hopes . a quiet film . nothing more to say about it ."
    assert not fingerprints(review).isdisjoint(study)


def test_a_replicate_shares_the_base_model_and_writes_its_own_run(smoke_cache, tmp_path, monkeypatch):
    """`precog replicate --number 1`: new study models on the main run's base model, a redrawn
    assignment, and its study_effects.json (with the run's description and base checksum) and
    study_rows.csv in <figures>/replicate1/. (A replicate on a base model of its own is made by
    `make test`'s `precog replicate --profile smoke` and checked in tests/executed.)"""
    monkeypatch.setattr(paths, "CACHE", smoke_cache["0"].parent.parent)
    monkeypatch.setattr(paths, "BUILD", tmp_path)
    from precog.cli import main
    from precog.compendium import replication

    assert main(["-q", "replicate", "--profile", "smoke", "--number", "1"]) == 0
    one, rows = replication.read_run(tmp_path / "smoke" / "figures" / "replicate1")
    assert one["run"]["replicate"] == 1 and one["run"]["pretrain_seed"] == SMOKE.pretrain.seed
    assert one["run"]["base_model"] == replication.base_checksum(SMOKE)  # the main run's base model
    assert one["design"] == pipeline.design_key(SMOKE) and len(one["text_only"]["per_model"]) == SMOKE.study.models
    again = pipeline.models(replication.replicate_profile(SMOKE, 1), cached_only=True)
    base_of = lambda f: json.loads((Path(f) / "pretrain.json").read_text())["base"]  # noqa: E731
    assert base_of(again["0"]) == base_of(smoke_cache["0"]) and Path(again["0"]) != smoke_cache["0"]
    assert again["random"] == str(smoke_cache["random"])
    main_manifest = read_manifest(smoke_cache["0"] / "manifest.csv").sort_values(["task", "id"]).reset_index(drop=True)
    members = rows[rows["model"] == "0"].sort_values(["task", "id"]).reset_index(drop=True)
    assert main_manifest[["task", "id"]].equals(members[["task", "id"]])  # the same examples, dealt anew
    assert not main_manifest["model"].astype(str).equals(members["injected_into"].astype(str))
    assert set(rows["model"]) == {*SMOKE.study.model_names, "random"} and rows["precog@1"].notna().any()
