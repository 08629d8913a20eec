"""How numbers are written in rendered text (README, docs/study.md, the notebooks' readings):
points, shares, intervals and where an interval lies, judged on the rounded numbers shown.

Pure functions of numbers and of the generated JSON files' rows; no file is read here.
"""

from __future__ import annotations


def missing(x) -> bool:
    """True for a number the JSON could not hold (NaN is written as null)."""
    return x is None or x != x


def pts(x: float | None) -> str:
    """A difference of shares in signed percentage points, one decimal: 0.041 -> '+4.1'."""
    if missing(x):
        return "n/a"
    v = round(100 * float(x), 1)
    if v == 0:
        return "0.0"
    return f"+{v:.1f}" if v > 0 else f"−{-v:.1f}"


def share(x: float | None) -> str:
    """A share with three decimals: 0.6321 -> '0.632'."""
    return "n/a" if missing(x) else f"{float(x):.3f}"


def interval(d: dict) -> str:
    """'+4.1 points (95% CI +0.8 to +7.1)' from {estimate, ci_low, ci_high} (fractions)."""
    return f"{pts(d['estimate'])} points (95% CI {pts(d['ci_low'])} to {pts(d['ci_high'])})"


def bracket(d: dict) -> str:
    """'+4.1 [+0.8, +7.1]' in points."""
    return f"{pts(d['estimate'])} [{pts(d['ci_low'])}, {pts(d['ci_high'])}]"


def side(d: dict, scale: float = 100, digits: int = 1) -> str:
    """Where an interval lies, judged on the rounded numbers README shows (points to one
    decimal by default; ``scale=1, digits=2`` for correlations), so that verdict and numbers
    never disagree: 'lies above zero', 'lies below zero', 'includes zero', 'reaches down to
    zero' / 'reaches up to zero' (a bound that rounds to zero while the other does not: the
    shown interval neither clearly excludes nor clearly includes zero) or 'is undefined'."""
    if missing(d["ci_low"]) or missing(d["ci_high"]):
        return "is undefined"
    lo, hi = round(scale * float(d["ci_low"]), digits), round(scale * float(d["ci_high"]), digits)
    if lo > 0:
        return "lies above zero"
    if hi < 0:
        return "lies below zero"
    if lo == 0 and hi > 0:
        return "reaches down to zero"
    if hi == 0 and lo < 0:
        return "reaches up to zero"
    return "includes zero"


def counts(n_by_task: dict[str, int], what: str) -> str:
    """'n = 672 {what} per task' when every task has the same n, else 'n = 672 (a), 600 (b) {what}'."""
    values = set(n_by_task.values())
    if len(values) == 1:
        return f"n = {values.pop()} {what} per task"
    return "n = " + ", ".join(f"{n} ({t})" for t, n in sorted(n_by_task.items())) + f" {what}"


def many(n: int, what: str) -> str:
    """'1 run', '3 runs'."""
    return f"{n} {what}" + ("" if n == 1 else "s")


def cell(cells: list[dict], arm: str, dose: int, task: str) -> dict:
    """The row of fig5_study_effects.json's cells for (arm, dose, task)."""
    return record(cells, arm=arm, dose=dose, task=task)


def record(rows: list[dict], **match) -> dict:
    """The one row of ``rows`` whose fields equal ``match``."""
    found = [r for r in rows if all(r.get(k) == v for k, v in match.items())]
    if len(found) != 1:
        raise KeyError(f"{len(found)} rows match {match}")
    return found[0]


def bracket_r(d: dict) -> str:
    """A correlation with its interval, two decimals: '+0.10 [−0.03, +0.24]'."""
    def f(x: float | None) -> str:
        if missing(x):
            return "n/a"
        v = round(float(x), 2)
        return "0.00" if v == 0 else (f"+{v:.2f}" if v > 0 else f"−{-v:.2f}")
    return f"{f(d['estimate'])} [{f(d['ci_low'])}, {f(d['ci_high'])}]"
