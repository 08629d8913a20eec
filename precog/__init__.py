"""PreCog: does a pre-trained masked LM classify better the examples it memorized?

The package behind the compendium's notebooks. Start with :func:`precog.score`.
Heavy modules (torch, transformers) load on first use, so ``precog --help`` stays fast.
"""

from __future__ import annotations

import importlib

__all__ = ["explain", "score", "score_units"]
__version__ = "0.1.0"


def __getattr__(name: str):
    """Lazy access to ``precog.score`` / ``explain`` / ``score_units`` and submodules."""
    if name in __all__:
        return getattr(importlib.import_module("precog.scoring"), name)
    try:
        return importlib.import_module(f"precog.{name}")
    except ModuleNotFoundError:
        raise AttributeError(f"module 'precog' has no attribute {name!r}") from None
