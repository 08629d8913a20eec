"""Scoring a table into a file: ``precog score --input FILE --out OUT`` and the pipeline's
cached scoring jobs.

Every input is checked before a model is loaded or anything is written
(:mod:`precog.engine.inputs`); the scores are computed in resumable chunks
(:mod:`precog.engine.jobs`) and written atomically with the umask's mode
(:func:`precog.tables.write_table`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from precog.cache import model_identity
from precog.configs import ScoreConfig
from precog.engine.encoding import encode_all
from precog.engine.inputs import ROW, check_fields, check_k, check_output, check_rows
from precog.engine.jobs import dist_state, finish, run_chunked
from precog.engine.models import load_masked_lm, load_tokenizer
from precog.engine.scoring import (
    DEFAULT_BATCH_TOKENS,
    DEFAULT_K,
    _warn_empty,
    score_columns,
    score_encoded,
    validate_args,
)
from precog.errors import PrecogError
from precog.precision import resolve
from precog.tables import table_format, write_table

log = logging.getLogger("precog")


def skipped_path(out: str | Path) -> Path:
    """Where ``--skip-bad-rows`` lists the rows it skipped: ``scores.skipped.csv`` beside ``scores.parquet``."""
    out = Path(out)
    return out.with_name(f"{out.stem}.skipped.csv")


def score_to_file(
    df: pd.DataFrame,
    model: str,
    out: str | Path,
    *,
    text_field: str,
    text_pair_field: str | None = None,
    k: Sequence[int] = DEFAULT_K,
    unit: str = "token",
    batch_tokens: int = DEFAULT_BATCH_TOKENS,
    chunk_rows: int = 256,
    device: str | None = None,
    precision: str | None = None,
    progress: bool = True,
    source: str | Path = "the input",
    skip_bad_rows: bool = False,
) -> pd.DataFrame | None:
    """Score the rows of ``df`` and write them, with their other columns, to ``out``.

    Everything is checked before a model is loaded or anything is written
    (:mod:`precog.engine.inputs`): the fields, every row's values (``source`` names the file
    in a refusal; a column :data:`~precog.engine.inputs.ROW` gives the rows' numbers), k and
    the output. With ``skip_bad_rows`` a bad row is left out of ``out`` and listed in
    :func:`skipped_path`. Resumable and shardable (see :mod:`precog.engine.jobs`): chunks of
    ``chunk_rows`` rows are kept in ``OUT.parts/`` until the merged table is written
    atomically. Returns the written table on the merging process, None on the others.
    """
    out = Path(out)
    table_format(out)
    ks = validate_args(k, unit, batch_tokens)
    check_fields(df, (text_field, text_pair_field), source)
    score_cols = score_columns(ks)
    clash = [c for c in score_cols if c in df.columns]
    if clash:
        raise PrecogError(f"{source} already has score columns {clash}; drop them or rename them first")
    rows = df[ROW].tolist() if ROW in df.columns else list(range(1, len(df) + 1))
    fields = [f for f in (text_field, text_pair_field) if f is not None]
    bad = check_rows(source, {f: df[f].tolist() for f in fields}, rows, skip=skip_bad_rows)
    if bad:
        skipped = {r for r, _, _ in bad}
        df = df[[r not in skipped for r in rows]]
        if len(df) == 0:
            raise PrecogError(f"{source}: every row is bad ({len(bad)} rows), so nothing is left to score")
    df = df.drop(columns=[ROW], errors="ignore").reset_index(drop=True)
    check_output(out, source if isinstance(source, Path) else None)
    side = skipped_path(out)
    if isinstance(source, Path) and side.resolve() == source.resolve():
        raise PrecogError(f"--out {out} would list skipped rows in {side}, the input file; name the output otherwise")
    dist = dist_state()
    resolve(precision if precision is not None else ScoreConfig().precision, device or dist.device)
    check_k(ks, len(load_tokenizer(model)))  # before the model: the vocabulary is the tokenizer's
    mdl, tok = load_masked_lm(model, device or dist.device, precision)
    fingerprint = {
        "precog": __import__("precog").__version__,
        "model": str(model),
        "model_files": model_identity(model),
        "input": int(pd.util.hash_pandas_object(df, index=False).sum() % (1 << 62)),
        "fields": [text_field, text_pair_field],
        "k": ks,
        "unit": unit,
        "batch_tokens": batch_tokens,
        "chunk_rows": chunk_rows,
        "dtype": str(mdl.dtype),  # the precision that runs
    }

    def compute(start: int, stop: int) -> pd.DataFrame:
        rows = df.iloc[start:stop]
        pairs = None if text_pair_field is None else rows[text_pair_field]
        encoded = encode_all(tok, mdl, rows[text_field], pairs, unit)
        return score_encoded(mdl, tok, encoded, ks, batch_tokens, progress=False)

    scores = run_chunked(len(df), compute, out, fingerprint, chunk_rows, dist, progress)
    if scores is None:
        finish(out, dist)
        return None
    _warn_empty(scores)
    result = pd.concat([df, scores], axis=1)
    write_table(result, out)
    if bad:
        write_table(pd.DataFrame(bad, columns=["row", "field", "problem"]), side)
        log.warning("skipped %d bad rows of %s; they are listed in %s", len(bad), source, side)
    else:
        side.unlink(missing_ok=True)  # a list left by an earlier run of this output no longer holds
    finish(out, dist)
    return result
