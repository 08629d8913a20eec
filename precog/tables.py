"""Reading and writing tables (.jsonl, .csv, .parquet) the same way everywhere.

Writes are atomic: the table goes to a temporary file beside the target, then is renamed,
so an interrupted run never leaves a half-written output; the file's mode follows the umask.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from precog.errors import PrecogError

FORMATS = (".jsonl", ".csv", ".parquet")


def table_format(path: str | Path) -> str:
    """The format of ``path`` from its extension; one-line error for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise PrecogError(f"{path}: unknown table format '{suffix}'; use one of {', '.join(FORMATS)}")
    return suffix


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a .jsonl, .csv or .parquet file into a DataFrame (strings stay strings)."""
    fmt = table_format(path)
    if not Path(path).is_file():
        raise PrecogError(f"{path}: no such file")
    try:
        if fmt == ".jsonl":
            return pd.read_json(path, lines=True, dtype=False)
        if fmt == ".csv":
            return pd.read_csv(path, keep_default_na=False, na_values=[])
        return pd.read_parquet(path)
    except ValueError as err:
        raise PrecogError(f"{path}: cannot be read as {fmt[1:]} ({str(err).splitlines()[0]})") from None


def file_mode() -> int:
    """The mode a new file gets under this process's umask (0o644 under umask 022): what
    :func:`write_table` gives its output (a temporary file alone would be 0o600). Read from
    /proc where it can be (no moment with another umask); else set and restored at once."""
    try:
        for line in open("/proc/self/status"):
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_table(df: pd.DataFrame, path: str | Path, float_format: str = "%.10g") -> Path:
    """Write ``df`` to ``path`` atomically, in the format its extension names (``float_format``:
    of a CSV's numbers). The one table writer of the package."""
    path = Path(path)
    fmt = table_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        if fmt == ".jsonl":
            df.to_json(tmp, orient="records", lines=True, force_ascii=False, double_precision=15)
        elif fmt == ".csv":
            df.to_csv(tmp, index=False, float_format=float_format)
        else:
            df.to_parquet(tmp, index=False)
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
