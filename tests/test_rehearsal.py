"""The paper-profile rehearsal runs the paper's code path at toy size on CPU (the same script
projects full-scale totals on a GPU)."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pandas as pd

from precog import paths


def test_toy_rehearsal_measures_every_step(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("rehearsal", paths.ROOT / "benchmarks" / "paper_rehearsal.py")
    rehearsal = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rehearsal)
    monkeypatch.setattr(paths, "CACHE", tmp_path / "cache")
    monkeypatch.setenv("PRECOG_GLUE_DIR", "")  # the script points it at its own data; restored afterwards
    out = tmp_path / "r.json"
    result = rehearsal.rehearse("cpu", toy=True, score_examples=4, train_examples=16, out=out)
    assert json.loads(out.read_text()) == json.loads(json.dumps(result))
    assert set(result["tasks"]) == set(rehearsal.SIZES)
    for task in result["tasks"].values():
        assert task["token_forwards_per_s"] > 0 and task["train_examples_per_s"] > 0
    assert result["scoring_minutes_projected"] > 0 and result["finetune_hours_projected"] > 0
    glue = Path(os.environ["PRECOG_GLUE_DIR"])
    assert len(pd.read_parquet(glue / "mnli" / "train-00000-of-00001.parquet")) == 392  # 0.1% of 392,702
    assert {p.name for p in (glue / "mnli").iterdir()} == {
        "train-00000-of-00001.parquet", "validation_matched-00000-of-00001.parquet",
        "validation_mismatched-00000-of-00001.parquet"}
