"""Independent jobs side by side, each in its own process: fine-tuning runs, the study's
continuation models, scoring jobs.

On CPU one job per core beats one job on all cores: a small model's operations are too
short to keep two threads busy (``benchmarks/cpu_concurrency.py``). On a large GPU one
bert-base run at batch 32 keeps it a third busy. So :func:`side_by_side` runs ``n`` jobs at
once, each in a fresh process (``spawn``: its own CUDA context, its own generators), and
returns their results in the order given.

A job's result does not depend on ``n`` or on its neighbours: it seeds itself exactly as it
does alone, reads its data in the same order and writes to its own cache folder, and **on
CPU every job runs on one thread** whether it runs alone or side by side (thread count
changes the last bits of floating-point sums). ``tests/test_concurrent.py`` checks that two
concurrent runs give the predictions of the same runs made one after the other
(fine-tuning's :func:`precog.engine.finetune.run_all` is built on it).

How many at once (:func:`auto_runs`): on CUDA, as many as the free memory holds at
``gib_per_run`` each; on CPU, one per core; at most :data:`MAX_RUNS`.
``PRECOG_CONCURRENT_RUNS`` overrides it for ``precog reproduce`` and the notebooks.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from pathlib import Path

from precog import paths
from precog.errors import PrecogError
from precog.progress import quiet_hugging_face

MAX_RUNS = 8
ENV = "PRECOG_CONCURRENT_RUNS"


def cores() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def auto_runs(device: str | None = None, gib_per_run: float = 6.0) -> int:
    """How many jobs to run at once on ``device`` (default: CUDA if present, else CPU).

    CUDA: free memory // ``gib_per_run`` (bert-base, batch 32, length 128, fp32 Adam needs
    about 4-5 GiB). CPU: one per core. Between 1 and :data:`MAX_RUNS`.
    """
    import torch

    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    if not device.startswith("cuda"):
        return max(1, min(MAX_RUNS, cores()))
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


@contextmanager
def job_threads():
    """Inside the block torch uses one CPU thread when there is no GPU (see the module doc);
    the previous setting is restored on exit."""
    import torch

    before = torch.get_num_threads()
    if not torch.cuda.is_available():
        torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _call(fn: Callable, kwargs: dict, quiet: bool, cache_dir: str | None = None):
    """Worker body: ``fn(**kwargs)`` on one CPU thread. A spawned child is ``quiet`` (no
    progress bars) and uses its parent's cache folder ``cache_dir``."""
    if cache_dir is not None:
        from precog import paths

        paths.CACHE = Path(cache_dir)
    if quiet:  # a child's bars would interleave with its neighbours'
        quiet_hugging_face()
    with job_threads():
        return fn(**kwargs)


def side_by_side(fn: Callable, jobs: Sequence[dict], n: int = 1, on_start=None, on_done=None) -> list:
    """``fn(**job)`` for every job, ``n`` at a time; the results, in the order of ``jobs``.

    ``fn`` must be a module-level function (it is sent to a spawned process by name).
    ``n == 1`` runs the jobs here, one after the other (no new process). ``on_start(i)`` is
    called as job i starts (or is queued), ``on_done(i)`` as it finishes. A failing job
    raises its error here once the pool has finished the jobs already queued.
    """
    jobs = list(jobs)
    if n <= 1 or len(jobs) <= 1:
        out = []
        for i, job in enumerate(jobs):
            if on_start:
                on_start(i)
            out.append(_call(fn, job, quiet=False))
            if on_done:
                on_done(i)
        return out
    # each worker is quieted as it starts, before the job's module (and transformers) is imported
    with ProcessPoolExecutor(max_workers=min(n, len(jobs)), mp_context=get_context("spawn"),
                             initializer=quiet_hugging_face) as pool:
        futures = []
        for i, job in enumerate(jobs):
            if on_start:
                on_start(i)
            futures.append(pool.submit(_call, fn, job, True, str(paths.CACHE)))
        out = []
        for i, future in enumerate(futures):
            out.append(future.result())
            if on_done:
                on_done(i)
    return out
