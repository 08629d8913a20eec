"""Several fine-tuning runs at once on one device, each in its own process.

A bert-base run at batch 32 is launch-bound on a large GPU: one run keeps it a third busy.
The paper profile's runs (task × seed) are independent, so :func:`run_all` runs ``n`` of
them side by side, each in a fresh process (``spawn``: its own CUDA context, its own
generators), and returns their folders in the order given. A run's result does not
depend on its neighbours: every run seeds itself exactly as it does alone, reads its data
in the same order and writes to its own cache folder; ``tests/test_concurrent.py`` checks
that two concurrent runs give the predictions of the same runs made one after the other.

How many at once (:func:`auto_runs`): on CUDA, as many as the free memory holds at
``gib_per_run`` each (at most 8); on CPU one, since CPU fine-tuning is compute-bound and
two runs would only share the cores. ``PRECOG_CONCURRENT_RUNS`` overrides it for
``precog reproduce`` and the notebooks.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from precog.configs import FinetuneConfig
from precog.errors import PrecogError

MAX_RUNS = 8
ENV = "PRECOG_CONCURRENT_RUNS"


@dataclass(frozen=True)
class Run:
    """One fine-tuning run, as :func:`precog.finetune.finetune` takes it."""

    task: str
    model: str
    seed: int
    config: FinetuneConfig
    eval_ids: tuple[int, ...] | None
    folder: Path
    clock: bool = False  # write the wall-clock start and end of training to folder/clock.json (benchmarks)


def auto_runs(device: str | None = None, gib_per_run: float = 6.0) -> int:
    """How many runs to start at once on ``device`` (default: CUDA if present, else CPU).

    CUDA: free memory // ``gib_per_run`` (bert-base, batch 32, length 128, fp32 Adam needs
    about 4-5 GiB), between 1 and :data:`MAX_RUNS`. CPU: 1.
    """
    import torch

    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    if not device.startswith("cuda"):
        return 1
    free, _ = torch.cuda.mem_get_info(torch.device(device))
    return max(1, min(MAX_RUNS, int(free / 2**30 // gib_per_run)))


def resolve_runs(value: int | str | None) -> int:
    """``--concurrent-runs`` as a number: an int >= 1, or 'auto' / None (then ``$PRECOG_CONCURRENT_RUNS``
    if set, else :func:`auto_runs`)."""
    if value is None or value == "auto":
        value = os.environ.get(ENV, "auto")
        if value == "auto":
            return auto_runs()
    try:
        n = int(value)
    except ValueError:
        raise PrecogError(f"concurrent runs must be a whole number or 'auto', got {value!r}") from None
    if n < 1:
        raise PrecogError(f"concurrent runs must be at least 1, got {n}")
    return n


def _wall_clock(folder: Path):
    """A Trainer callback that writes training's wall-clock start and end (epoch seconds) to folder/clock.json."""
    import time

    from transformers import TrainerCallback

    class WallClock(TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            self.start = time.time()

        def on_train_end(self, args, state, control, **kwargs):
            import torch

            if torch.cuda.is_available():
                torch.cuda.synchronize()
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "clock.json").write_text(json.dumps({"start": self.start, "end": time.time()}))

    return WallClock()


def _one(run: Run, threads: int | None, progress: bool = False) -> str:
    """Worker body: fine-tune one run in this process (``threads``: CPU threads for torch)."""
    import datasets
    import torch

    from precog.finetune import finetune

    if not progress:
        datasets.disable_progress_bars()  # a child's bars would interleave with its neighbours'
    if threads:
        torch.set_num_threads(threads)
    callbacks = (_wall_clock(run.folder),) if run.clock else ()
    return str(finetune(run.task, run.model, run.seed, run.config, eval_ids=run.eval_ids, folder=run.folder,
                        progress=progress, callbacks=callbacks))


def run_all(runs: Sequence[Run], n: int = 1, progress: bool = False, on_start=None, on_done=None) -> list[Path]:
    """Fine-tune every run, ``n`` at a time; their folders, in the order of ``runs``.

    ``n == 1`` runs them here, one after the other (no new process; ``progress``: each
    run's loss bar). Otherwise each run gets a spawned process (no bars); on CPU the cores
    are shared out (``cpu_count // n`` threads each). ``on_start(i, run)`` is called as run
    i starts (or is queued), ``on_done(i, run)`` as it finishes. A failing run raises its
    error here once the pool has finished the runs already queued.
    """
    runs = list(runs)
    if n <= 1 or len(runs) <= 1:
        out = []
        for i, run in enumerate(runs):
            if on_start:
                on_start(i, run)
            out.append(Path(_one(run, None, progress)))
            if on_done:
                on_done(i, run)
        return out
    import torch

    threads = None if torch.cuda.is_available() else max(1, (os.cpu_count() or 1) // n)
    with ProcessPoolExecutor(max_workers=min(n, len(runs)), mp_context=get_context("spawn")) as pool:
        futures = []
        for i, run in enumerate(runs):
            if on_start:
                on_start(i, run)
            futures.append(pool.submit(_one, run, threads))
        out = []
        for i, (future, run) in enumerate(zip(futures, runs, strict=True)):
            out.append(Path(future.result()))
            if on_done:
                on_done(i, run)
    return out
