"""Precision: what ``auto`` resolves to, what each step records, and that bf16 really runs
(scoring casts, training autocasts with fp32 master weights)."""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pytest
import torch

import precog
from precog import precision
from precog.compendium import pipeline
from precog.compendium.profiles import load_profile
from precog.configs import FinetuneConfig, PretrainConfig, ScoreConfig
from precog.engine.models import load_masked_lm
from precog.errors import PrecogError

TEXTS = ["the movie was good and the plot was fine", "a dull film with a bad ending", "good good bad"]


@pytest.fixture
def cpu(monkeypatch):
    """Set this process's CPU flags: cpu(has_bf16) (the detection caches are cleared around it)."""

    def set_flags(has_bf16: bool):
        flags = frozenset({"sse2", "avx2", *(("amx_bf16", "amx_tile") if has_bf16 else ())})
        monkeypatch.setattr(precision, "cpu_flags", lambda: flags)
        precision.native_bf16.cache_clear()
        precision._warn_slow_bf16.cache_clear()

    yield set_flags
    precision.native_bf16.cache_clear()
    precision._warn_slow_bf16.cache_clear()


def test_auto_is_bf16_only_where_the_cpu_has_it(cpu):
    cpu(True)
    assert precision.resolve("auto", "cpu") == "bf16"
    cpu(False)
    assert precision.resolve("auto", "cpu") == "fp32"
    assert precision.resolve("fp32", "cpu") == "fp32"


def test_explicit_bf16_without_native_support_runs_and_warns_once(cpu):
    cpu(False)
    with pytest.warns(RuntimeWarning, match="slower than fp32"):
        assert precision.resolve("bf16", "cpu") == "bf16"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert precision.resolve("bf16", "cpu") == "bf16"  # once is enough
    cpu(True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert precision.resolve("bf16", "cpu") == "bf16"


@pytest.mark.parametrize(("name", "message"), [("fp16", "fp16 needs a CUDA GPU"), ("fp8", "precision must be one of")])
def test_impossible_precisions_are_one_line(name, message):
    with pytest.raises(PrecogError, match=message):
        precision.resolve(name, "cpu")


def test_the_detector_reads_this_machines_flags():
    flags = precision.cpu_flags()
    assert isinstance(flags, frozenset)
    assert precision.native_bf16("cpu") == any(f in flags for f in precision.BF16_CPU_FLAGS)


def test_every_config_has_the_field_and_the_cli_flag():
    from precog.cli import build_parser

    for cls in (PretrainConfig, FinetuneConfig, ScoreConfig):
        assert cls().precision in precision.PRECISIONS
    parser = build_parser()
    for command in (["score", "--model", "m", "--input", "x.jsonl", "--out", "o.csv"], ["pretrain"],
                    ["finetune", "--task", "rt-polarity", "--model", "m"]):
        assert parser.parse_args([*command, "--precision", "bf16"]).precision == "bf16"
    assert load_profile("paper").finetune.precision == "auto" and load_profile("paper").score.precision == "auto"


def test_keys_hold_the_resolved_precision_not_auto(cpu):
    cpu(True)
    assert precision.in_key({"a": 1, "precision": "auto"}) == {"a": 1, "precision": "bf16"}
    demo = load_profile("demo")
    as_bf16 = replace(demo, pretrain=replace(demo.pretrain, precision="bf16"))
    as_auto = replace(demo, pretrain=replace(demo.pretrain, precision="auto"))
    as_fp32 = replace(demo, pretrain=replace(demo.pretrain, precision="fp32"),
                      score=replace(demo.score, precision="fp32"), finetune=replace(demo.finetune, precision="fp32"))
    assert pipeline.design_key(as_bf16) == pipeline.design_key(as_auto)  # auto ran as bf16 here: the same design
    assert pipeline.design_key(as_bf16) != pipeline.design_key(as_fp32)
    cpu(False)
    assert pipeline.design_key(replace(as_fp32, pretrain=as_auto.pretrain)) == pipeline.design_key(as_fp32)


def test_score_in_bf16_on_a_loaded_pair_leaves_the_callers_model_alone(tiny_models):
    pair = load_masked_lm(tiny_models["bert"], "cpu", "fp32")
    exact = precog.score(TEXTS, pair, progress=False, precision="fp32")
    low = precog.score(TEXTS, pair, progress=False, precision="bf16")
    assert pair[0].dtype == torch.float32  # scored from a copy
    assert low["n_scored"].tolist() == exact["n_scored"].tolist()
    assert not np.allclose(low["pll"], exact["pll"], rtol=0, atol=1e-7)  # bf16 really ran
    assert np.allclose(low["pll"], exact["pll"], rtol=0.05)
    assert precog.score(TEXTS, pair, progress=False).equals(exact)  # None: the pair as it is
    detail = precog.explain(TEXTS[0], pair, precision="bf16")
    assert len(detail) == exact["n_scored"][0]


def test_bf16_pretraining_autocasts_and_keeps_fp32_master_weights(tiny_models, tmp_path):
    from transformers import AutoTokenizer, BertConfig, BertForMaskedLM

    from precog.study.pretrain import train_mlm

    tok = AutoTokenizer.from_pretrained(tiny_models["bert"])
    data = [dict(tok(t)) for t in TEXTS * 8]
    curves = {}
    for name in ("fp32", "bf16"):
        torch.manual_seed(0)
        model = BertForMaskedLM(BertConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=1,
                                           num_attention_heads=2, intermediate_size=64))
        config = PretrainConfig(batch_size=4, learning_rate=1e-3, precision=name)
        curves[name] = train_mlm(model, tok, data, config, tmp_path / name, "test", False, steps=6)
        assert model.bert.encoder.layer[0].attention.self.query.weight.dtype == torch.float32
    assert curves["fp32"] != curves["bf16"]  # autocast reached the encoder and head (called directly)
    assert np.allclose([x for _, x in curves["fp32"]], [x for _, x in curves["bf16"]], rtol=0.1)
