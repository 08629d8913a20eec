"""Content fingerprints and cache keys for expensive results (models, scores, predictions).

A cache entry lives in ``CACHE/<kind>/<key>/`` where key is a short hash of everything
that determines the result (configuration, input checksums, seed). An entry counts as
valid only once its ``done.json`` marker exists, written last.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from precog import paths


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def path_fingerprint(path: str | Path) -> str:
    """sha256 over a file, or over every file of a folder (relative names and bytes)."""
    path = Path(path)
    if path.is_file():
        return sha256_file(path)
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        h.update(str(f.relative_to(path)).encode())
        h.update(sha256_file(f).encode())
    return h.hexdigest()


def model_identity(model: str | Path) -> str:
    """What identifies a model in cache keys: its files' fingerprint for a folder, else the hub id."""
    return path_fingerprint(model) if Path(model).exists() else str(model)


def key_of(obj: object, length: int = 16) -> str:
    """Short stable hash of a JSON-able object (dict keys sorted)."""
    blob = json.dumps(obj, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:length]


def entry(kind: str, key: str) -> Path:
    """Folder of cache entry ``kind/key`` (not created)."""
    return paths.CACHE / kind / key


def is_done(folder: Path) -> bool:
    """Whether a cache entry finished writing."""
    return (folder / "done.json").is_file()


def mark_done(folder: Path, info: dict) -> None:
    """Write the completion marker of a cache entry (last step of producing it)."""
    (folder / "done.json").write_text(json.dumps(info, sort_keys=True, indent=1, default=str) + "\n")
