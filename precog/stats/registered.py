"""Every pre-registered estimand of study v2 from the pooled rows, in one dict (the body of
figures/study_effects_pooled.json; :func:`precog.compendium.replication.pooled_effects` adds
the runs and transfer). Pure: the registered rules come in as arguments
(:mod:`precog.compendium.preregistration` reads them).

Shares throughout (0.03 = 3 accuracy points); ``margin`` in nats; PreCog@1 a share of tokens.
"""

from __future__ import annotations

import pandas as pd

from precog.stats import confirm
from precog.stats.analysis import minimum_detectable_effect

HEADLINE = {"text_only": "text", "positive_control": "text+label"}  # pooled key -> arm (at the top dose)


def find(estimands: list[dict], arm: str, dose: int, task: str, outcome: str) -> dict:
    """The one estimand of ``estimands`` with these keys."""
    return next(e for e in estimands if (e["arm"], e["dose"], e["task"], e["outcome"]) == (arm, dose, task, outcome))


def cells_of(rows: pd.DataFrame) -> list[tuple[str, int]]:
    """The injected (arm, dose) cells present in ``rows``, text first, doses ascending."""
    c = rows.loc[rows["arm"] != "never", ["arm", "dose"]].drop_duplicates()
    return sorted(((str(a), int(d)) for a, d in c.itertuples(index=False)), key=lambda x: (x[0] != "text", x[0], x[1]))


def headline(estimands: list[dict], diffs: pd.DataFrame, arm: str, dose: int) -> dict:
    """The pooled (both tasks) accuracy effect of one cell in the form README's earlier layout
    read, plus its heterogeneity at the base-model level (one run per base model: also the run
    level) and at the continuation-model level."""
    e = find(estimands, arm, dose, confirm.ALL, "correct")
    return {**{k: e[k] for k in ("estimate", "ci_low", "ci_high", "ci90_low", "ci90_high", "se", "n", "runs",
                                 "base_models", "verdict", "superiority", "equivalence")},
            "models": int(diffs[["run", "model"]].drop_duplicates().shape[0]),
            "ci_half_width": (e["ci_high"] - e["ci_low"]) / 2, "mde": minimum_detectable_effect(e["se"]),
            "heterogeneity": {"base_models": confirm.unit_heterogeneity(diffs, "correct_diff", ["base"]),
                              "continuation_models": confirm.unit_heterogeneity(diffs, "correct_diff", ["run", "model"])}}


def manipulation(estimands: list[dict], doses: list[int], targets: tuple[float, float]) -> dict:
    """The manipulation check: mean PreCog@1 of text under the model that saw it, at each dose
    (both tasks), against the registered targets (at most targets[0] at the lowest dose, at
    least targets[1] at the top)."""
    seen = {str(d): find(estimands, "text", d, confirm.ALL, "precog@1")["seen"] for d in doses}
    low, high = seen[str(min(doses))], seen[str(max(doses))]
    return {"seen_precog@1": seen, "lowest_dose": int(min(doses)), "top_dose": int(max(doses)),
            "targets": list(targets), "passed": bool(low <= targets[0] and high >= targets[1])}


def analyse(rows: pd.DataFrame, margin_points: float, per: float, confirmatory: dict,
            targets: tuple[float, float]) -> dict:
    """Every registered estimand of the pooled ``rows``.

    Args:
        rows: the pooled rows frame (:mod:`precog.stats.pooling`).
        margin_points: TOST margin (accuracy points); per: the dose-response's unit of PreCog@1.
        confirmatory: arm, dose, task, outcome (and ``registered``) of the confirmatory test.
        targets: the manipulation check's (lowest-dose ceiling, top-dose floor).
    Returns:
        estimands (list), confirmatory, dose_response (list per task), manipulation_check,
        text_only and positive_control (pooled, top dose, :func:`headline`), top_dose, doses.
    """
    cells = cells_of(rows)
    doses = [d for a, d in cells if a == "text"]
    top = max(doses)
    estimands = confirm.cell_estimands(rows, cells, margin_points)
    c = dict(confirmatory)
    if c["task"] not in {e["task"] for e in estimands}:  # a design without the registered task (tests): both tasks
        c.update(task=confirm.ALL, registered=False)
    out = {"estimands": estimands, "top_dose": int(top), "doses": doses, "margin_points": float(margin_points),
           "confirmatory": {**c, **find(estimands, c["arm"], c["dose"], c["task"], c["outcome"])},
           "dose_response": confirm.dose_response(rows, "text", doses, per) if len(doses) > 1 else [],
           "manipulation_check": manipulation(estimands, doses, targets)}
    for key, arm in HEADLINE.items():
        if (arm, top) in cells:
            out[key] = headline(estimands, confirm.run_diffs(rows, arm, top), arm, top)
    return out


def dose_points(estimands: list[dict], arm: str = "text") -> pd.DataFrame:
    """Figure 6's points: per (task, dose), the memorization the dose caused (PreCog@1 seen -
    unseen) and the accuracy it gained, each with its 95% t-interval over base models.

    Returns:
        task, dose, x, x_low, x_high (PreCog@1 gain), y, y_low, y_high (accuracy gain, shares),
        verdict (of the accuracy gain).
    """
    out = []
    for e in estimands:
        if e["arm"] != arm or e["outcome"] != "correct":
            continue
        m = find(estimands, arm, e["dose"], e["task"], "precog@1")
        out.append({"task": e["task"], "dose": e["dose"], "x": m["estimate"], "x_low": m["ci_low"], "x_high": m["ci_high"],
                    "y": e["estimate"], "y_low": e["ci_low"], "y_high": e["ci_high"], "verdict": e["verdict"]})
    return pd.DataFrame(out)
