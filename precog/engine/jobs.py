"""Long table jobs that survive interruption and spread over processes.

A job turns rows [0, n) into result rows, chunk by chunk (``chunk_rows`` input rows per
chunk, in input order). Each finished chunk is written atomically to ``OUT.parts/``; a
rerun whose fingerprint matches skips the chunks already there, so a killed run picks up
where it stopped. Under ``accelerate launch`` or ``torchrun`` process r computes chunks
r, r + W, r + 2W, ... and process 0 merges them in order after a barrier. Chunk contents
do not depend on W or on what was done before, so every route gives the same output.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import torch

from precog.progress import bar as tqdm
from precog.tables import read_table, write_table

log = logging.getLogger("precog")


@dataclass(frozen=True)
class Dist:
    """This process's place in a launch: rank, world size, device and a barrier."""

    rank: int = 0
    world: int = 1
    device: str | None = None

    def barrier(self) -> None:
        if self.world > 1:
            from accelerate import PartialState

            PartialState().wait_for_everyone()


def dist_state() -> Dist:
    """Rank and world size from ``accelerate launch`` / ``torchrun`` (1 process otherwise)."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return Dist()
    from accelerate import PartialState

    state = PartialState(cpu=not torch.cuda.is_available())
    return Dist(state.process_index, state.num_processes, str(state.device))


def parts_dir(out: Path) -> Path:
    """Folder holding the finished chunks of the job that writes ``out``."""
    return out.with_name(out.name + ".parts")


def run_chunked(
    n_rows: int,
    compute: Callable[[int, int], pd.DataFrame],
    out: Path,
    fingerprint: dict,
    chunk_rows: int,
    dist: Dist = Dist(),
    progress: bool = True,
) -> pd.DataFrame | None:
    """Compute ``compute(start, stop)`` for every chunk, resumably; return the merged rows.

    Returns the concatenated chunks on rank 0 and None on other ranks. The caller writes
    the final output and then calls :func:`finish`.
    """
    parts = parts_dir(out)
    meta = parts / "job.json"
    fingerprint = json.loads(json.dumps(fingerprint, sort_keys=True, default=str))
    if dist.rank == 0:
        if parts.exists() and (not meta.is_file() or json.loads(meta.read_text()) != fingerprint):
            log.info("%s: earlier partial results belong to another job; starting afresh", parts)
            shutil.rmtree(parts)
        parts.mkdir(parents=True, exist_ok=True)
        meta.write_text(json.dumps(fingerprint, sort_keys=True))
    dist.barrier()
    n_chunks = math.ceil(n_rows / chunk_rows)
    names = [parts / f"{c:06d}.parquet" for c in range(n_chunks)]
    mine = [c for c in range(n_chunks) if c % dist.world == dist.rank]
    todo = [c for c in mine if not names[c].is_file()]
    if len(todo) < len(mine):
        log.warning("resuming: %d of %d chunks already done in %s", len(mine) - len(todo), len(mine), parts)
    for c in tqdm(iterable=todo, desc=f"chunks (process {dist.rank})", disable=not progress or len(todo) < 2):
        write_table(compute(c * chunk_rows, min(n_rows, (c + 1) * chunk_rows)), names[c])
    dist.barrier()
    if dist.rank != 0:
        return None
    if not names:
        return compute(0, 0)
    return pd.concat([read_table(p) for p in names], ignore_index=True)


def finish(out: Path, dist: Dist = Dist()) -> None:
    """Remove the job's chunk folder once ``out`` is written (rank 0 only)."""
    dist.barrier()
    if dist.rank == 0:
        shutil.rmtree(parts_dir(out), ignore_errors=True)
