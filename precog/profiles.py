"""Run profiles (smoke, demo, paper): one YAML file each in notebooks/params/.

The same files are injected into the notebooks by papermill and read here by the CLI,
so a profile is defined in exactly one place.
"""

from __future__ import annotations

import yaml

from precog import paths
from precog.errors import PrecogError

PROFILES = ("smoke", "demo", "paper")


def load_profile(name: str) -> dict:
    """The parameters of profile ``name`` as a dict (top-level keys = notebook parameters)."""
    path = paths.PARAMS / f"{name}.yaml"
    if not path.is_file():
        raise PrecogError(f"unknown profile '{name}'; choose one of {', '.join(PROFILES)}")
    return yaml.safe_load(path.read_text())
