"""Content fingerprints and cache keys for expensive results (models, scores, predictions).

A cache entry lives in ``CACHE/<kind>/<key>/`` where key is a short hash of everything
that determines the result (configuration, input checksums, seed). An entry counts as
valid only once its ``done.json`` marker exists, written last.
"""

from __future__ import annotations

import ast
import hashlib
import json
from functools import cache
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


def _precog_imports(path: Path) -> set[str]:
    """Names of the precog modules that the module at ``path`` imports (``precog.x`` -> ``x``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "precog":
            if node.module == "precog":
                names.update(a.name for a in node.names)
            else:
                names.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            names.update(a.name.split(".")[1] for a in node.names if a.name.startswith("precog."))
    return {n for n in names if (paths.PACKAGE / f"{n}.py").is_file()}


@cache
def module_sources(module: str) -> tuple[Path, ...]:
    """Source files of precog module ``module`` and of every precog module it imports, transitively."""
    todo, seen = [module], set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += sorted(_precog_imports(paths.PACKAGE / f"{name}.py"))
    return tuple(paths.PACKAGE / f"{n}.py" for n in sorted(seen))


def code_digest(*modules: str) -> str:
    """Digest of the source code that computes a result: the named precog modules and their imports.

    Part of every cache key, so that a code change recomputes exactly what it affects.
    """
    h = hashlib.sha256()
    for f in sorted({f for m in modules for f in module_sources(m)}):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


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
