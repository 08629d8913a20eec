"""Concurrent fine-tuning: runs made side by side give the predictions they give alone."""

from __future__ import annotations

import pandas as pd
import pytest
from test_finetune import CONFIG, keyword_rows

from precog.concurrent import MAX_RUNS, cores, resolve_runs
from precog.engine.finetune import run_all
from precog.engine.runs import Run, load_predictions
from precog.errors import PrecogError


@pytest.fixture()
def glue_sst2(tmp_path, monkeypatch):
    """A learnable 'sst2' in GLUE's local layout (spawned workers find it through the environment)."""
    root = tmp_path / "glue" / "sst2"
    root.mkdir(parents=True)
    for split, n, seed in [("train", 160, 0), ("validation", 48, 1)]:
        rows = keyword_rows(n, seed).rename(columns={"text": "sentence"})
        rows["idx"] = range(n)
        rows.to_parquet(root / f"{split}-00000-of-00001.parquet", index=False)
    monkeypatch.setenv("PRECOG_GLUE_DIR", str(tmp_path / "glue"))
    return tmp_path


def test_two_concurrent_runs_match_the_runs_made_alone(glue_sst2, tiny_models):
    def runs(where: str) -> list[Run]:
        return [Run("sst2", str(tiny_models["bert"]), seed, CONFIG, None, glue_sst2 / where / str(seed)) for seed in (0, 1)]

    finished = []
    alone = run_all(runs("alone"), n=1)
    together = run_all(runs("together"), n=2, on_done=lambda i, run: finished.append(run.seed))
    assert [p.parent.name for p in together] == ["together", "together"] and finished == [0, 1]
    for a, b in zip(alone, together, strict=True):
        left, right = load_predictions(a).drop(columns="model"), load_predictions(b).drop(columns="model")
        assert len(left) == 48
        pd.testing.assert_frame_equal(left, right)
    seeds = [load_predictions(p)["p_gold"] for p in alone]
    assert not seeds[0].equals(seeds[1])  # the two runs are different runs (seed 0, seed 1)


def test_concurrent_runs_setting(monkeypatch):
    assert resolve_runs(3) == 3
    monkeypatch.setenv("PRECOG_CONCURRENT_RUNS", "2")
    assert resolve_runs("auto") == 2
    monkeypatch.setenv("PRECOG_CONCURRENT_RUNS", "auto")
    assert resolve_runs(None) == min(MAX_RUNS, cores())  # CPU: one single-threaded job per core
    for bad in ("0", "many"):
        with pytest.raises(PrecogError, match="concurrent runs"):
            resolve_runs(bad)


def _hugging_face_quiet() -> tuple[str | None, bool]:
    """In a worker: the hub's progress-bar switch as the worker's environment has it, and
    whether transformers (imported here, after the worker started) shows its bars."""
    import os

    from transformers.utils import logging as hf_logging

    return os.environ.get("HF_HUB_DISABLE_PROGRESS_BARS"), hf_logging.is_progress_bar_enabled()


def test_side_by_side_workers_start_quiet(monkeypatch):
    """Weight-loading and shard-writing bars of workers would interleave: every spawned worker
    is quieted as it starts, before a job imports transformers."""
    from precog.concurrent import side_by_side

    monkeypatch.delenv("HF_HUB_DISABLE_PROGRESS_BARS", raising=False)
    assert side_by_side(_hugging_face_quiet, [{}, {}], n=2) == [("1", False), ("1", False)]
