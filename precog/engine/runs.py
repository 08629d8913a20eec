"""What a fine-tuning run is, where its record lives and how it is read, without torch.

:mod:`precog.engine.finetune` makes the runs; this module names them (:class:`Run`,
:func:`run_key`) and reads their records (:func:`load_predictions`), so that code which only
reads finished runs (the artifact notebooks) does not import torch or transformers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from precog import cache
from precog.configs import FinetuneConfig
from precog.precision import in_key

if TYPE_CHECKING:
    from precog.data.tasks import Task

MAKER = "precog.engine.finetune"  # the module whose code a run's key covers


@dataclass(frozen=True)
class Run:
    """One fine-tuning run, as :func:`precog.engine.finetune.finetune` takes it."""

    task: str
    model: str
    seed: int
    config: FinetuneConfig
    eval_ids: tuple[int, ...] | None
    folder: Path
    clock: bool = False  # write the wall-clock start and end of training to folder/clock.json (benchmarks)


def run_key(task: Task, model: str, seed: int, config: FinetuneConfig, eval_ids: Sequence[int] | None = None) -> str:
    """Cache key of one fine-tuning run (model files, task, seed, recipe, evaluated ids, and
    the code of :mod:`precog.engine.finetune` with what it imports)."""
    return cache.key_of(
        {
            "task": task.name,
            "model": cache.model_identity(model),
            "seed": seed,
            "config": in_key(asdict(config)),
            "eval_ids": None if eval_ids is None else sorted(int(i) for i in eval_ids),
            "code": cache.code_digest(MAKER),
        }
    )


def load_predictions(folder: Path) -> pd.DataFrame:
    """The per-example record of a run, with its task, seed and model as columns."""
    meta = json.loads((Path(folder) / "metrics.json").read_text())
    df = pd.read_parquet(Path(folder) / "predictions.parquet")
    return df.assign(task=meta["task"], seed=meta["seed"], model=meta["model"])
