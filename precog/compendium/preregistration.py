"""Study v2's pre-registration, as the analysis reads it: docs/preregistration.json (its
reasons: docs/preregistration.md). Light: no torch import.

``COMMIT`` is the commit that registered it, made before any v2 run; README names it.
"""

from __future__ import annotations

import json
from functools import cache

from precog import paths

COMMIT = "bbad918"
FILE = paths.ROOT / "docs" / "preregistration.json"


@cache
def load() -> dict:
    """The machine-readable pre-registration (read once)."""
    return json.loads(FILE.read_text())


def margin_points() -> float:
    """The TOST equivalence margin, in accuracy points."""
    return float(load()["decision"]["equivalence"]["margin_points"])


def base_models() -> int:
    """How many base models (one run each) the design registered."""
    return int(load()["design"]["base_models"])


def per() -> float:
    """The dose-response's unit of memorization: accuracy gained per this much PreCog@1."""
    return float(load()["dose_response"]["per"])


def bins() -> list[float]:
    """The PreCog@1 bin edges of the paper's layout."""
    return [float(x) for x in load()["bins"]]


def confirmatory(doses: list[int]) -> dict:
    """The confirmatory estimand (arm, dose, task, outcome), its dose taken as the design's top dose
    where the registered one is not in ``doses`` (the smoke profile's shrunken design), with
    ``registered`` saying whether the dose is the registered one."""
    spec = dict(load()["estimands"]["confirmatory"])
    registered = int(spec["dose"]) in doses
    return {**spec, "dose": int(spec["dose"]) if registered else int(max(doses)), "registered": registered}


def manipulation_targets() -> tuple[float, float]:
    """(most PreCog@1 seen at the lowest dose, least at the top dose)."""
    m = load()["estimands"]["manipulation_check"]
    return float(m["lowest_dose_seen_at_most"]), float(m["top_dose_seen_at_least"])
