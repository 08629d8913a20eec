"""The controlled pre-training study on the smoke profile."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from safetensors.torch import load_file

import precog
from precog import paths
from precog.pretrain import PretrainConfig, manifest, pretrain
from precog.profiles import load_profile
from precog.tasks import DEMO

SMOKE = PretrainConfig.from_dict(load_profile("smoke")["pretrain"])


@pytest.fixture(scope="module")
def smoke_model(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(paths, "CACHE", cache)
        yield pretrain(SMOKE, progress=False)


def test_manifest_covers_every_used_validation_example_once():
    m = manifest(SMOKE)
    for task, n in SMOKE.eval_examples.items():
        rows = m[m["task"] == task]
        assert rows["id"].is_unique and len(rows) == n
        assert set(rows["id"]) <= set(DEMO[task].load("validation")["id"])
        assert rows["dose"].value_counts().to_dict() == {d: n // len(SMOKE.doses) for d in SMOKE.doses}
    full = manifest(PretrainConfig())
    assert len(full[full["task"] == "rt-polarity"]) == len(DEMO["rt-polarity"].load("validation"))


def test_smoke_pretraining_lowers_the_loss(smoke_model):
    info = json.loads((smoke_model / "pretrain.json").read_text())
    assert info["final_loss"] < info["first_loss"] - 0.5
    assert info["injected_passages"] == int(manifest(SMOKE)["dose"].sum())
    quality = json.loads((smoke_model / "quality.json").read_text())
    assert 0 <= quality["top1_accuracy"] <= quality["top50_accuracy"] <= 1


def test_saved_model_reloads_and_scores(smoke_model):
    saved = pd.read_csv(smoke_model / "manifest.csv")
    pd.testing.assert_frame_equal(saved, manifest(SMOKE))
    out = precog.score(["a film about nothing", "the history of the world"], str(smoke_model), progress=False)
    assert out["n_scored"].gt(0).all() and out["precog@50"].between(0, 1).all()


def test_same_seed_same_weights_and_cache_hit(smoke_model, tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(paths, "CACHE", tmp_path)
    again = pretrain(SMOKE, progress=False)
    a, b = load_file(smoke_model / "model.safetensors"), load_file(again / "model.safetensors")
    assert a.keys() == b.keys() and all((a[k] == b[k]).all() for k in a)
    stamp = (again / "model.safetensors").stat().st_mtime_ns
    caplog.set_level("INFO", logger="precog")
    assert pretrain(SMOKE, progress=False) == again
    assert "demo model from cache" in caplog.text
    assert (again / "model.safetensors").stat().st_mtime_ns == stamp
