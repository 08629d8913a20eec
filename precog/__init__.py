"""PreCog: does a pre-trained masked LM classify better the examples it memorized?

The package behind the compendium's notebooks, in layers (docs/architecture.md):
foundation modules here (errors, paths, cache, progress, tables, concurrent, configs), then
:mod:`precog.data`, :mod:`precog.engine`, :mod:`precog.study` and :mod:`precog.stats`,
:mod:`precog.compendium`, and :mod:`precog.cli` on top.

The public API: :func:`precog.score` (start here), :func:`precog.score_units`,
:func:`precog.explain`, :func:`precog.load_masked_lm`, :func:`precog.get_task`, plus the
modules of :mod:`precog.compendium` and :mod:`precog.stats` that the notebooks call.
Heavy modules (torch, transformers) load on first use, so ``precog --help`` stays fast.
"""

from __future__ import annotations

import importlib

API = {
    "score": "precog.engine.scoring",
    "score_units": "precog.engine.scoring",
    "explain": "precog.engine.scoring",
    "load_masked_lm": "precog.engine.models",
    "get_task": "precog.data.tasks",
}
__all__ = sorted(API)
__version__ = "0.1.0"


def __getattr__(name: str):
    """Lazy access to the functions of :data:`API` (and to submodules, as ``precog.engine``)."""
    if name in API:
        return getattr(importlib.import_module(API[name]), name)
    try:
        return importlib.import_module(f"precog.{name}")
    except ModuleNotFoundError:
        raise AttributeError(f"module 'precog' has no attribute {name!r}") from None
