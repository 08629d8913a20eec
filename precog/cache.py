"""Content fingerprints, cache keys and cache entries for expensive results (models, scores,
fine-tuning runs).

A cache entry lives in ``CACHE/<kind>/<key>/`` where key is a short hash of everything
that determines the result (configuration, input checksums, seed, code). :func:`cached` is
the one way an entry is made: it counts as valid only once its ``done.json`` marker exists,
written last.

The code part of a key (:func:`code_digest`) hashes what the code *computes*: the abstract
syntax trees of the top-level definitions of the modules a step uses (followed through
their precog imports), without docstrings, comments, import statements or configuration help texts, and
without the modules' names, and without this module (how keys are made is not what a
step computes). A docstring edit, a comment, or moving a function to another module leaves
every key unchanged; a change to code a step runs changes that step's key.
"""

from __future__ import annotations

import ast
import hashlib
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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


# ---------------------------------------------------------------- code identity
def module_path(module: str) -> Path | None:
    """The source file of precog module ``module`` ("cache", "engine.scoring", or with its
    "precog." prefix), or None."""
    module = module.removeprefix("precog.")
    base = paths.PACKAGE.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _precog_imports(path: Path) -> set[str]:
    """The precog modules that the module at ``path`` imports, lazily or not ("precog.x.y" -> "x.y")."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "precog":
            inner = node.module.split(".", 1)[1] if "." in node.module else ""
            if inner:
                names.add(inner)
            names.update(f"{inner}.{a.name}".lstrip(".") for a in node.names)  # `from precog.x import module`
        elif isinstance(node, ast.Import):
            names.update(a.name.split(".", 1)[1] for a in node.names if a.name.startswith("precog."))
    return {n for n in names if module_path(n) is not None}


def package_modules() -> list[str]:
    """Every module of the package, as names for :func:`code_digest` ("cache", "engine.scoring")."""
    files = sorted(p.relative_to(paths.PACKAGE).with_suffix("") for p in paths.PACKAGE.rglob("*.py"))
    return [".".join(f.parts).removesuffix(".__init__") for f in files if f.parts != ("__init__",)]


MACHINERY = ("cache",)  # how keys are made, not what a step computes: left out of every digest


@cache
def module_sources(module: str) -> tuple[Path, ...]:
    """Source files of precog module ``module`` and of every precog module it imports,
    transitively (the digest machinery, :data:`MACHINERY`, left out)."""
    todo, seen = [module.removeprefix("precog.")], set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += sorted(_precog_imports(module_path(name)))
    return tuple(sorted({module_path(n) for n in seen if n not in MACHINERY}))


class _Strip(ast.NodeTransformer):
    """Removes what does not compute: docstrings and other bare string statements, imports,
    and the help texts of configuration fields (``option(default, help)``, ``metadata=``)."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "option":
            node.args = node.args[:1]
        node.keywords = [k for k in node.keywords if k.arg != "metadata"]
        return node

    def generic_visit(self, node):
        super().generic_visit(node)
        body = getattr(node, "body", None)
        if isinstance(body, list):
            kept = [s for s in body if not _inert(s)]
            node.body = kept or [ast.Pass()]
        return node


def _inert(stmt: ast.stmt) -> bool:
    bare_string = isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)
    return bare_string or isinstance(stmt, ast.Import | ast.ImportFrom)


def definitions(source: str) -> list[str]:
    """Canonical dumps of a module's top-level statements: no docstrings, comments, imports
    or line numbers (one string per statement)."""
    tree = _Strip().visit(ast.parse(source))
    return [ast.dump(s, annotate_fields=False, include_attributes=False) for s in tree.body if not isinstance(s, ast.Pass)]


def code_digest(*modules: str) -> str:
    """Digest of the code that computes a result: the set of top-level definitions of the
    named precog modules and of the precog modules they import (see the module doc).

    Part of every cache key, so that a code change recomputes exactly what it affects.
    """
    files = sorted({f for m in modules for f in module_sources(m)})
    return _digest(tuple((f, f.stat().st_mtime_ns, f.stat().st_size) for f in files))


@cache
def _digest(files: tuple[tuple[Path, int, int], ...]) -> str:
    """:func:`code_digest` of these (file, mtime, size) stamps: parsed once per process and
    state of the files (a step asks for its digest once per cache key it builds)."""
    found = {d for f, _, _ in files for d in definitions(f.read_text())}
    h = hashlib.sha256()
    for d in sorted(found):
        h.update(d.encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def key_of(obj: object, length: int = 16) -> str:
    """Short stable hash of a JSON-able object (dict keys sorted)."""
    blob = json.dumps(obj, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:length]


# ---------------------------------------------------------------- entries
def entry(kind: str, key: str) -> Path:
    """Folder of cache entry ``kind/key`` (not created)."""
    return paths.CACHE / kind / key


def is_done(folder: Path) -> bool:
    """Whether a cache entry finished writing."""
    return (folder / "done.json").is_file()


@dataclass
class Entry:
    """A cache entry being looked up or made: ``folder``, and ``done`` (already complete)."""

    folder: Path
    done: bool


@contextmanager
def cached(kind: str, key: str, resume: bool = False) -> Iterator[Entry]:
    """The one way a cache entry is made.

    Yields an :class:`Entry`. If ``entry.done``, the result is there: read it, write
    nothing. Otherwise the body writes the result into ``entry.folder`` (created empty, or
    kept as it is with ``resume=True``, for work that resumes from partial files), and the
    ``done.json`` marker is written when the body finishes without an error::

        with cache.cached("pretrain", key) as e:
            if not e.done:
                train_and_save(e.folder)
        return e.folder
    """
    with making(entry(kind, key), resume) as e:
        yield e


@contextmanager
def making(folder: Path, resume: bool = False) -> Iterator[Entry]:
    """:func:`cached` for an entry at an explicit ``folder`` (a run folder chosen by the caller)."""
    folder = Path(folder)
    if is_done(folder):
        yield Entry(folder, True)
        return
    if not resume:
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    yield Entry(folder, False)
    (folder / "done.json").write_text(json.dumps({"key": folder.name}, indent=1) + "\n")
