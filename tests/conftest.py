"""Shared fixtures: tiny saved models, offline hub, a private cache folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# unit tests run jobs one after the other, in this process (tests/test_concurrent.py runs them side by side;
# `precog reproduce --profile smoke` in `make test` uses the default)
os.environ.setdefault("PRECOG_CONCURRENT_RUNS", "1")
sys.path.insert(0, str(Path(__file__).parent))

from tiny import ARCHS, save_tiny  # noqa: E402


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> dict[str, Path]:
    """One saved tiny random masked LM per architecture: {arch: folder}."""
    root = tmp_path_factory.mktemp("models")
    return {arch: save_tiny(arch, root / arch) for arch in ARCHS}
