"""The paper-profile rehearsal runs the paper's code path at toy size on CPU (the same script,
run once on a GPU, measures and projects the full-scale totals)."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pandas as pd

from precog import paths


def load_script():
    spec = importlib.util.spec_from_file_location("rehearsal", paths.ROOT / "benchmarks" / "paper_rehearsal.py")
    rehearsal = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rehearsal)
    return rehearsal


def test_toy_rehearsal_measures_every_step(tmp_path, monkeypatch, tiny_models):
    rehearsal = load_script()
    monkeypatch.setattr(paths, "CACHE", tmp_path / "cache")
    monkeypatch.setenv("PRECOG_GLUE_DIR", "")  # the script points it at its own data; restored afterwards
    out = tmp_path / "r.json"
    result = rehearsal.rehearse("cpu", toy=True, score_examples=4, train_examples=16, out=out, budget=600,
                                demo_model=tiny_models["bert"], levels=(1, 2))
    assert json.loads(out.read_text()) == json.loads(json.dumps(result))
    assert set(result["tasks"]) == set(rehearsal.SIZES)
    for task in result["tasks"].values():
        assert task["token_forwards_per_s"] > 0 and task["train_examples_per_s"] > 0
    assert result["scoring_minutes_projected"] > 0 and result["finetune_hours_projected"] > 0
    # dtypes: CPU runs fp32 and bf16 (fp16 needs CUDA); fidelity on both models
    assert set(result["scoring_dtypes"]["mnli"]) == {"fp32", "bf16"}
    for model in ("bert-base-shaped (random weights)", "demo model"):
        agreement = result["agreement"][model]["bf16"]
        assert 0 <= agreement["hit1_agreement"] <= 1 and agreement["rank_agreement"] <= agreement["hit1_agreement"]
    assert result["fp16_hit1_agreement"] is None  # no fp16 on CPU: absent, not invented
    # concurrency: both levels measured, the projection uses the best one
    assert set(result["concurrency"]) == {1, 2} and result["best_concurrent_runs"] in (1, 2)
    assert result["finetune_hours_projected"] <= result["finetune_hours_projected_one_run_at_a_time"]
    assert set(result["finetune_precision"]) == {"fp32", "bf16"}, result["finetune_precision"]
    assert result["finetune_precision"]["fp32"].get("prediction_agreement_with_fp32") == 1.0, result["finetune_precision"]
    assert result["skipped"] == []
    glue = Path(os.environ["PRECOG_GLUE_DIR"])
    assert len(pd.read_parquet(glue / "mnli" / "train-00000-of-00001.parquet")) == 392  # 0.1% of 392,702
    assert {p.name for p in (glue / "mnli").iterdir()} == {
        "train-00000-of-00001.parquet", "validation_matched-00000-of-00001.parquet",
        "validation_mismatched-00000-of-00001.parquet"}


def test_budget_skips_what_does_not_fit():
    budget = load_script().Budget(10)
    assert budget.allows("a", 5) and not budget.allows("b", 60)
    assert budget.skipped == ["b"]
