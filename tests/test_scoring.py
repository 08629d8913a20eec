"""The scoring engine against a naive oracle: one forward pass per masked copy, full logits."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch
from tiny import ARCHS, CORPUS
from transformers import AutoModelForMaskedLM, AutoTokenizer, BertConfig, BertForSequenceClassification

import precog
from precog.configs import ScoreConfig
from precog.engine.encoding import plan_batches
from precog.engine.models import load_masked_lm, max_input_length
from precog.engine.scoring import lowest_mean
from precog.errors import PrecogError

LONG = " ".join(CORPUS[3:] * 4)  # longer than the tiny models' 64 positions
TEXTS = [CORPUS[0], CORPUS[3], LONG, "", "   ", CORPUS[2]]
PAIRS = [CORPUS[1], CORPUS[2], CORPUS[0], CORPUS[1], "", LONG]


def oracle_units(model, tok, text, pair, unit):
    """Plain-Python reference: [(rank, logp, z)] per unit of one example."""
    args = (text,) if pair is None else (text, pair)
    enc = tok(*args, truncation=True, max_length=max_input_length(model, tok), return_special_tokens_mask=True)
    ids, words, segments = enc["input_ids"], enc.word_ids(), enc.sequence_ids()
    # Units from the tokenizer's own word and segment ids: a word is the set of positions that
    # share (segment, word id); special ids ([CLS], [SEP], [UNK], ...) are never scored.
    groups: dict = {}
    for i, token in enumerate(ids):
        if segments[i] is None or token in tok.all_special_ids:
            continue
        groups.setdefault((segments[i], words[i]) if unit == "word" else i, []).append(i)
    units = list(groups.values())
    extra = {"token_type_ids": torch.tensor([enc["token_type_ids"]])} if "token_type_ids" in enc else {}
    out = []
    for positions in units:
        masked = list(ids)
        for p in positions:
            masked[p] = tok.mask_token_id
        with torch.no_grad():
            logits = model(
                input_ids=torch.tensor([masked]), attention_mask=torch.ones(1, len(ids), dtype=torch.long), **extra
            ).logits[0]
        ranks, logp, mu, var = [], 0.0, 0.0, 0.0
        for p in positions:
            row = logits[p].double().tolist()
            true = row[ids[p]]
            ranks.append(1 + sum(1 for v in row if v > true))
            top = max(row)
            lse = top + math.log(sum(math.exp(v - top) for v in row))
            lp = [v - lse for v in row]
            m = sum(math.exp(x) * x for x in lp)
            logp += true - lse
            mu += m
            var += sum(math.exp(x) * x * x for x in lp) - m * m
        out.append((max(ranks), logp, (logp - mu) / math.sqrt(var)))
    return out


def load(folder, double=False):
    model, tok = AutoModelForMaskedLM.from_pretrained(folder).eval(), AutoTokenizer.from_pretrained(folder)
    return (model.double() if double else model), tok


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("unit", ["token", "word"])
@pytest.mark.parametrize("paired", [False, True])
def test_engine_matches_oracle(tiny_models, arch, unit, paired):
    model, tok = load(tiny_models[arch])
    pairs = PAIRS if paired else None
    got = precog.score_units(TEXTS, tiny_models[arch], text_pairs=pairs, unit=unit, batch_tokens=300, progress=False,
                             precision="fp32")  # the oracle is exact
    want = [
        (e, u, *r)
        for e, t in enumerate(TEXTS)
        for u, r in enumerate(oracle_units(model, tok, t, None if pairs is None else pairs[e], unit))
    ]
    assert len(got) == len(want) > 0
    assert got["example"].tolist() == [w[0] for w in want]
    assert got["unit"].tolist() == [w[1] for w in want]
    assert got["rank"].tolist() == [w[2] for w in want]
    np.testing.assert_allclose(got["logp"], [w[3] for w in want], atol=1e-4)
    np.testing.assert_allclose(got["z"], [w[4] for w in want], atol=1e-3)
    if unit == "word":
        assert (got["n_pieces"] > 1).any(), "test texts must contain multi-piece words"


@pytest.mark.parametrize("arch", ARCHS)
def test_example_scores_match_oracle(tiny_models, arch):
    model, tok = load(tiny_models[arch], double=True)
    ks = (1, 5, 50)
    got = precog.score(TEXTS, (model, tok), text_pairs=PAIRS, k=ks, progress=False)
    assert list(got.columns) == [
        "n_tokens",
        "n_scored",
        "n_unk",
        "truncated",
        "precog@1",
        "precog@5",
        "precog@50",
        "pll",
        "mean_logprob",
        "min20_logprob",
        "minkpp20",
    ]
    for e, (t, p) in enumerate(zip(TEXTS, PAIRS, strict=False)):
        units = oracle_units(model, tok, t, p, "token")
        row = got.iloc[e]
        assert row["n_scored"] == row["n_tokens"] == len(units)
        if not units:  # ("", "") pair: nothing to score
            assert row[["precog@1", "pll", "min20_logprob", "minkpp20"]].isna().all()
            continue
        ranks = np.array([u[0] for u in units])
        logp = np.array([u[1] for u in units])
        z = np.array([u[2] for u in units])
        for k in ks:
            assert row[f"precog@{k}"] == pytest.approx(np.mean(ranks <= k), abs=0)
        assert row["pll"] == pytest.approx(logp.sum(), abs=1e-8)
        assert row["mean_logprob"] == pytest.approx(logp.mean(), abs=1e-8)
        low = max(1, int(0.2 * len(units)))
        assert row["min20_logprob"] == pytest.approx(np.sort(logp)[:low].mean(), abs=1e-8)
        assert row["minkpp20"] == pytest.approx(np.sort(z)[:low].mean(), abs=1e-6)
    assert bool(got.loc[5, "truncated"]) and not bool(got.loc[0, "truncated"])


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("unit", ["token", "word"])
def test_batch_budget_does_not_change_results(tiny_models, arch, unit):
    pair = load(tiny_models[arch], double=True)
    runs = [
        precog.score(TEXTS, pair, text_pairs=PAIRS, unit=unit, batch_tokens=b, progress=False) for b in (1, 150, 10**6)
    ]
    for other in runs[1:]:
        pd.testing.assert_frame_equal(runs[0], other, check_exact=False, rtol=0, atol=1e-10)


def test_empty_texts_get_nan_and_a_warning(tiny_models, caplog):
    out = precog.score(["", "  \t ", "the movie"], tiny_models["bert"], progress=False)
    assert out["n_scored"].tolist() == [0, 0, 2]
    assert out.loc[:1, ["precog@1", "precog@50", "pll", "minkpp20"]].isna().all().all()
    assert out.loc[2, ["precog@1", "pll"]].notna().all()
    assert "2 of 3 examples have no scorable token" in caplog.text


def test_plan_batches_respects_budget_and_covers_everything():
    lengths = [5, 9, 3, 9, 12, 1, 7]
    batches = plan_batches(lengths, 20)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    assert all(len(b) * max(lengths[i] for i in b) <= 20 for b in batches)
    assert plan_batches([30], 20) == [[0]]


def test_lowest_mean():
    assert lowest_mean(np.array([5.0, 1.0, 3.0, 2.0, 4.0, 0.0, 9.0, 8.0, 7.0, 6.0])) == pytest.approx(0.5)
    assert lowest_mean(np.array([3.0, -1.0])) == -1.0
    assert math.isnan(lowest_mean(np.array([])))


def test_refuses_model_without_mlm_head(tmp_path, tiny_models):
    clf = BertForSequenceClassification(
        BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64)
    )
    clf.save_pretrained(tmp_path)
    AutoTokenizer.from_pretrained(tiny_models["bert"]).save_pretrained(tmp_path)
    with pytest.raises(PrecogError, match="no trained masked-LM head"):
        load_masked_lm(tmp_path)
    with pytest.raises(PrecogError, match="has no masked-LM head"):
        load_masked_lm((clf, AutoTokenizer.from_pretrained(tiny_models["bert"])))


def test_refuses_tokenizer_without_mask(tiny_models):
    model, tok = load(tiny_models["bert"])
    tok.mask_token = None
    with pytest.raises(PrecogError, match="no mask token"):
        precog.score(["x"], (model, tok), progress=False)


def test_unknown_model_is_one_line_error(tmp_path):
    with pytest.raises(PrecogError, match="not a local folder") as err:
        load_masked_lm(str(tmp_path / "no-such-model"))
    assert "\n" not in str(err.value)


def test_explain_agrees_with_the_engine(tiny_models):
    detail = precog.explain(CORPUS[0], tiny_models["bert"], top=3)
    units = precog.score_units([CORPUS[0]], tiny_models["bert"], progress=False)
    assert detail["rank"].tolist() == units["rank"].tolist()
    np.testing.assert_allclose(detail["logp"], units["logp"], atol=1e-6)
    first = detail["top"].map(lambda t: t[0])
    assert ((detail["rank"] == 1) == (first == detail["token"])).all()


def test_unk_positions_are_not_scored_and_are_counted(tiny_models):
    lm = load_masked_lm(tiny_models["bert"])
    tok = lm[1]
    text = "the movie was \u2603 good"  # a snowman: outside the tiny vocabulary
    assert tok.unk_token_id in tok(text)["input_ids"]
    out = precog.score([text, "the movie was good"], lm, progress=False)
    assert out["n_unk"].tolist() == [1, 0]
    assert out["n_scored"].tolist() == [len(tok.tokenize("the movie was good"))] * 2
    detail = precog.score_units([text], lm, progress=False)
    assert tok.unk_token_id not in [tok(text)["input_ids"][p] for p in detail["position"]]


def test_precision_choices(tiny_models):
    lm = load_masked_lm(tiny_models["bert"], "cpu", "bf16")
    assert lm[0].dtype == torch.bfloat16
    with pytest.raises(PrecogError, match="fp16 needs a CUDA GPU"):
        load_masked_lm(tiny_models["bert"], "cpu", "fp16")
    with pytest.raises(PrecogError, match="precision must be one of"):
        load_masked_lm(tiny_models["bert"], "cpu", "int8")
    exact = precog.score([CORPUS[0]], tiny_models["bert"], progress=False, precision="fp32")
    default = precog.score([CORPUS[0]], tiny_models["bert"], progress=False)  # ScoreConfig's default
    same = precog.score([CORPUS[0]], tiny_models["bert"], progress=False, precision=ScoreConfig().precision)
    pd.testing.assert_frame_equal(default, same)
    assert np.allclose(exact["pll"], default["pll"], rtol=0.05)
