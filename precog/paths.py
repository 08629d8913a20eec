"""Every filesystem location of the compendium, derived from this file's place.

No other module builds paths by hand: they import ROOT, DATA_RAW, CACHE, FIGURES,
NOTEBOOKS or BUILD from here. ``PRECOG_CACHE`` overrides the cache folder (the tests
point it at a temporary directory).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
DATA = ROOT / "data"
DATA_RAW = DATA / "raw"
CACHE = Path(os.environ.get("PRECOG_CACHE", DATA / "cache"))
FIGURES = ROOT / "figures"
NOTEBOOKS = ROOT / "notebooks"
PARAMS = NOTEBOOKS / "params"
BUILD = ROOT / "build"
