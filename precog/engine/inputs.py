"""What ``precog score`` and :func:`precog.score` accept, checked before anything is loaded or written.

Every refusal is one :class:`~precog.errors.PrecogError` line that names the file (or
``texts`` for the Python API), the row and the fix. Rows are numbered as an editor shows
them: in a .jsonl or .csv file, the line (a CSV's header is line 1, so its first data row
is row 2); in a .parquet file or a Python list, the position counted from 1.

* :func:`read_input`: a .jsonl, .csv or .parquet file, UTF-8 (a byte-order mark is
  allowed), every JSON line an object; an empty file is refused.
* :func:`bad_rows` / :func:`check_rows`: every text field of every row is a string (a
  missing or null value, a number or a list is refused; an empty string is scored and gets
  NaN, as :mod:`precog.engine.scoring` says).
* :func:`check_output`: a known format, not a folder, not the input itself, in a folder
  that exists or can be made and can be written.
* :func:`check_k`: positive and, once the tokenizer is known, at most its vocabulary.
"""

from __future__ import annotations

import io
import json
import math
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from precog.errors import PrecogError
from precog.tables import table_format

SKIP_HINT = "fix the row, or skip such rows (--skip-bad-rows; skip_bad_rows=True in Python)"
ROW = "_precog_row"  # the column read_input adds: each row's number as an editor shows it


def _decode(path: Path, data: bytes) -> str:
    """The UTF-8 text of a file's bytes (a BOM dropped); one line naming the line of a bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise PrecogError(f"{path} row {line}: byte 0x{data[err.start]:02x} is not UTF-8; re-save the file as UTF-8 "
                          "(e.g. `iconv -f latin1 -t utf-8`)") from None


def _jsonl(path: Path, text: str) -> pd.DataFrame:
    records, rows = [], []
    for number, line in enumerate(text.split("\n"), start=1):  # not splitlines(): JSON may hold U+2028 and kin
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as err:
            raise PrecogError(f"{path} row {number}: not valid JSON ({err.msg} at column {err.colno}); "
                              "each line must be one JSON object") from None
        if not isinstance(value, dict):
            raise PrecogError(f"{path} row {number}: a JSON {type(value).__name__}, not an object; each line must be "
                              'one JSON object such as {"sentence": "..."}')
        records.append(value)
        rows.append(number)
    return pd.DataFrame.from_records(records).assign(**{ROW: rows}) if records else pd.DataFrame()


def _csv(path: Path, text: str) -> pd.DataFrame:
    """A CSV's records as text, each with the line it starts on (quoted cells may span lines;
    blank lines are passed over); a record with more or fewer cells than the header is refused."""
    import csv

    reader = csv.reader(io.StringIO(text, newline=""))
    header, records, rows, start = None, [], [], 1
    for record in reader:
        if record:
            if header is None:
                header = record
            elif len(record) != len(header):
                raise PrecogError(f"{path} row {start}: {len(record)} cells where the header has {len(header)}; "
                                  "quote cells that hold commas")
            else:
                records.append(record)
                rows.append(start)
        start = reader.line_num + 1
    if not records:
        return pd.DataFrame()
    return pd.DataFrame(records, columns=header).assign(**{ROW: rows})


def read_input(path: str | Path) -> pd.DataFrame:
    """A user's table, with column :data:`ROW` holding each row's number as an editor shows it.

    CSV cells are read as text (a CSV has no types: "3" stays "3"; an empty cell is "").
    Raises:
        PrecogError: an unknown format, a missing or empty file, bytes that are not UTF-8, a
            line that is not a JSON object, a table that cannot be parsed.
    """
    path = Path(path)
    fmt = table_format(path)
    if not path.exists():
        raise PrecogError(f"{path}: no such file")
    if not path.is_file():
        raise PrecogError(f"{path} is not a file; pass a .jsonl, .csv or .parquet file to --input")
    data = path.read_bytes()
    try:
        if fmt == ".parquet":
            df = pd.read_parquet(io.BytesIO(data)) if data else pd.DataFrame()
            df = df.reset_index(drop=True).assign(**{ROW: range(1, len(df) + 1)})
        elif fmt == ".jsonl":
            df = _jsonl(path, _decode(path, data))
        else:
            df = _csv(path, _decode(path, data))
    except PrecogError:
        raise
    except (ValueError, OSError, pd.errors.ParserError) as err:
        raise PrecogError(f"{path} cannot be read as {fmt[1:]} ({str(err).splitlines()[0]})") from None
    except Exception as err:  # noqa: BLE001 (pyarrow's own errors: a damaged parquet file)
        raise PrecogError(f"{path} cannot be read as {fmt[1:]} ({type(err).__name__}: {str(err).splitlines()[0]})") \
            from None
    if len(df) == 0:
        raise PrecogError(f"{path} is empty (0 rows); nothing to score")
    return df


def check_fields(df: pd.DataFrame, fields: Sequence[str | None], source: str | Path) -> None:
    """Every named field is a column of ``df``; one line listing the fields there are."""
    have = [str(c) for c in df.columns if c != ROW]
    for field in fields:
        if field is not None and field not in df.columns:
            raise PrecogError(f"{source} has no field '{field}'; its fields are: {', '.join(have) or '(none)'}")


def value_problem(value: object) -> str | None:
    """Why ``value`` cannot be scored as a text, or None when it can (any string, empty included)."""
    if isinstance(value, str):
        return None
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "missing (null)"
    name = type(value).__name__
    name = {"int": "an int", "float": "a float", "bool": "a bool", "list": "a list", "dict": "an object",
            "ndarray": "a list"}.get(name, f"a {name}")
    return f"{name}, not text"


def bad_rows(columns: dict[str, Sequence], rows: Sequence[int] | None = None) -> list[tuple[int, str, str]]:
    """(row, field, problem) of every value that cannot be scored, in row order.

    Args:
        columns: field name -> its N values.
        rows: the N row numbers as an editor shows them (default 1..N).
    """
    n = len(next(iter(columns.values()))) if columns else 0
    rows = list(range(1, n + 1)) if rows is None else list(rows)
    out = []
    for i in range(n):
        for field, values in columns.items():
            problem = value_problem(values[i])
            if problem:
                out.append((rows[i], field, problem))
                break
    return out


def refusal(source: str | Path, bad: list[tuple[int, str, str]]) -> PrecogError:
    """The one-line error for the first of ``bad`` (and how many more there are)."""
    row, field, problem = bad[0]
    more = f" (and {len(bad) - 1} more such rows)" if len(bad) > 1 else ""
    return PrecogError(f"{source} row {row}: '{field}' is {problem}{more}; {SKIP_HINT}")


def check_rows(source: str | Path, columns: dict[str, Sequence], rows: Sequence[int] | None = None,
               skip: bool = False) -> list[tuple[int, str, str]]:
    """:func:`bad_rows`, refused with :func:`refusal` unless ``skip`` (then returned)."""
    bad = bad_rows(columns, rows)
    if bad and not skip:
        raise refusal(source, bad)
    return bad


def check_k(k: Sequence[int], vocab_size: int | None = None) -> tuple[int, ...]:
    """k as a sorted tuple of distinct positive ints, each at most ``vocab_size`` (when known)."""
    try:
        ks = tuple(sorted({int(x) for x in k}))
    except (TypeError, ValueError):
        raise PrecogError(f"k must be positive integers, got {list(k)}") from None
    if not ks or ks[0] < 1:
        raise PrecogError(f"k must be positive integers, got {list(k)}")
    if vocab_size is not None and ks[-1] > vocab_size:
        raise PrecogError(f"k = {ks[-1]} is larger than the model's vocabulary ({vocab_size} tokens), so every token "
                          f"would count as recovered; use a k of at most {vocab_size}")
    return ks


def check_output(out: str | Path, source: str | Path | None = None) -> Path:
    """Refuse an output that cannot be written, before any model is loaded.

    Nothing is made: a probe file is written and removed in the nearest folder that exists
    (the output's own, or the first of its parents), so a folder that cannot be written is
    refused here, not after scoring; the output's folder is made when the output is written.
    """
    out = Path(out)
    if out.is_dir():
        raise PrecogError(f"--out {out} is a folder; name a file in it, e.g. {out / 'scores.parquet'}")
    table_format(out)
    if source is not None and Path(source).exists() and out.resolve() == Path(source).resolve():
        raise PrecogError(f"--out {out} is the input file; write the scores to another file")
    folder = out.parent
    existing = next(p for p in (folder, *folder.parents) if p.exists())  # nothing is made here
    try:
        if not existing.is_dir():
            raise NotADirectoryError(20, "a file stands where a folder should be")
        with tempfile.NamedTemporaryFile(dir=existing, prefix=f".{out.name}.", suffix=".probe"):
            pass
    except OSError as err:
        raise PrecogError(f"--out {out}: cannot write in folder {folder} ({err.strerror or type(err).__name__}); "
                          "choose an output in a folder you can write") from None
    return out
