"""Compare two figures/ folders (two runs of `make reproduce`): which files are
byte-identical, and for the JSON and CSV files that are not, which values differ.

    python benchmarks/compare_figures.py BEFORE/figures AFTER/figures

Used to check that a refactor left the results as they were (docs/architecture.md).
Exit status 0 when every file is byte-identical, 1 otherwise.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd


def flatten(value, path: str = ""):
    """(dotted path, leaf) pairs of a JSON value."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from flatten(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from flatten(v, f"{path}[{i}]")
    else:
        yield path, value


def describe(before: Path, after: Path) -> str:
    """One line saying how two differing files differ."""
    if before.suffix == ".json":
        a, b = dict(flatten(json.loads(before.read_text()))), dict(flatten(json.loads(after.read_text())))
        keys = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
        shown = "; ".join(f"{k}: {a.get(k)} -> {b.get(k)}" for k in keys[:3])
        return f"{len(keys)} of {len(set(a) | set(b))} values differ ({shown})"
    if before.suffix == ".csv":
        a, b = pd.read_csv(before), pd.read_csv(after)
        if list(a.columns) != list(b.columns) or len(a) != len(b):
            return f"shapes differ: {a.shape} vs {b.shape}"
        unequal = a.astype(str) != b.astype(str)
        return f"{int(unequal.values.sum())} cells differ, in columns {list(a.columns[unequal.any()])}"
    return "binary file differs"


def main(before: Path, after: Path) -> int:
    names = sorted({p.relative_to(before) for p in before.rglob("*") if p.is_file()}
                   | {p.relative_to(after) for p in after.rglob("*") if p.is_file()})
    identical = []
    for name in names:
        a, b = before / name, after / name
        if not (a.is_file() and b.is_file()):
            print(f"only in {'the first' if a.is_file() else 'the second'}: {name}")
        elif a.read_bytes() == b.read_bytes():
            identical.append(str(name))
        else:
            print(f"differs: {name}: {describe(a, b)}")
    print(f"{len(identical)} of {len(names)} files byte-identical")
    return 0 if len(identical) == len(names) else 1


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python benchmarks/compare_figures.py BEFORE/figures AFTER/figures")
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
