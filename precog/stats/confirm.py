"""Study v2's pre-registered analysis (docs/preregistration.md): one estimate per run, a
t-interval over base-model means, superiority and equivalence (TOST) verdicts, the
instrumental-variable dose-response, heterogeneity (Cochran's Q, I², τ) and accuracy per
PreCog@1 bin for seen and unseen measurements. Pure functions of arrays and data frames.

Input is the *pooled rows* frame of :mod:`precog.stats.pooling` (one row per run, task, id,
model, with ``run``, ``base``, ``correct``, ``margin``, ``precog@1``, ``arm``, ``dose``,
``injected_into``, ``seen``). Every accuracy-like quantity is a share (0.03 = 3 points);
``margin`` is in nats; PreCog@1 is a share of tokens.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, stats

from precog.stats.effects import crossover

OUTCOMES = ("correct", "margin", "precog@1")
LEVEL, TOST_LEVEL = 0.95, 0.90
ALL = "all"  # the pooled "task"


# ---------------------------------------------------------------- the interval
def t_interval(estimates: np.ndarray, level: float = LEVEL) -> dict:
    """Mean of per-base-model estimates with the t-interval over them.

    Args:
        estimates: (B,) one estimate per base model.
        level: two-sided coverage.
    Returns:
        estimate, ci_low, ci_high, se (sd / sqrt(B)), df (B - 1), base_models (B); the interval is
        NaN with fewer than 2 base models.
    """
    x = np.asarray(estimates, dtype=float)
    b = len(x)
    est = float(x.mean()) if b else float("nan")
    if b < 2:
        return {"estimate": est, "ci_low": float("nan"), "ci_high": float("nan"), "se": float("nan"), "df": 0,
                "base_models": b}
    se = float(x.std(ddof=1) / np.sqrt(b))
    half = float(stats.t.ppf(0.5 + level / 2, b - 1)) * se
    return {"estimate": est, "ci_low": est - half, "ci_high": est + half, "se": se, "df": b - 1, "base_models": b}


def base_means(values: pd.Series, runs: pd.Series, bases: pd.Series) -> np.ndarray:
    """Per-base-model estimates: the mean of ``values`` in each run, then over each base model's runs.

    Args:
        values, runs, bases: (N,) aligned: one number per row, its run and its base model.
    Returns:
        (B,) in sorted base order.
    """
    frame = pd.DataFrame({"v": np.asarray(values, dtype=float), "run": np.asarray(runs), "base": np.asarray(bases)})
    per_run = frame.groupby(["base", "run"], sort=True)["v"].mean()
    return per_run.groupby(level="base", sort=True).mean().to_numpy()


def verdict(ci95: tuple[float, float], ci90: tuple[float, float], margin: float | None) -> dict:
    """The pre-registered decision rules on one estimand.

    Args:
        ci95: the 95% interval (superiority: its lower bound > 0; "worse": its upper bound < 0).
        ci90: the 90% interval (TOST equivalence: inside (-margin, +margin)).
        margin: the equivalence margin (same unit), or None where none is registered.
    Returns:
        superiority (bool), equivalence (bool or None without a margin), verdict: one of
        "superior", "superior, within the margin", "equivalent", "worse", "inconclusive".
    """
    lo, hi = ci95
    sup = bool(np.isfinite(lo) and lo > 0)
    worse = bool(np.isfinite(hi) and hi < 0)
    eq = None if margin is None else bool(np.isfinite(ci90[0]) and -margin < ci90[0] and ci90[1] < margin)
    if sup:
        word = "superior, within the margin" if eq else "superior"
    elif eq:
        word = "equivalent"
    elif worse:
        word = "worse"
    else:
        word = "inconclusive"
    return {"superiority": sup, "equivalence": eq, "verdict": word}


# ---------------------------------------------------------------- per-run crossover
def run_diffs(rows: pd.DataFrame, arm: str, dose: int) -> pd.DataFrame:
    """Per (run, injected example) of one cell: seen - unseen of every outcome present.

    Returns:
        run, base, task, id, label, model (the one that saw it), and for each outcome o of
        :data:`OUTCOMES` in ``rows``: o_seen, o_unseen, o_diff.
    """
    out = []
    study = rows[rows["model"] != "random"]
    for (run, base), part in study.groupby(["run", "base"], sort=True):
        keys = ["task", "id", "label", "model"]
        d = None
        for o in (c for c in OUTCOMES if c in part and part[c].notna().all()):
            w = crossover(part, arm, dose, value=o).rename(columns={"seen": f"{o}_seen", "unseen": f"{o}_unseen",
                                                                   "diff": f"{o}_diff"})
            d = w if d is None else d.merge(w, on=keys, how="inner", validate="one_to_one")
        if d is not None and len(d):
            out.append(d.assign(run=run, base=base))
    if not out:
        return pd.DataFrame(columns=["run", "base", "task", "id", "label", "model"])
    df = pd.concat(out, ignore_index=True)
    first = ["run", "base", "task", "id", "label", "model"]
    return df[first + [c for c in df.columns if c not in first]]


def by_task(diffs: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """(task, rows) for every task, then ("all", every row)."""
    return [(t, diffs[diffs["task"] == t]) for t in sorted(diffs["task"].unique())] + [(ALL, diffs)]


def estimand(d: pd.DataFrame, column: str, margin: float | None) -> dict:
    """One estimand over ``d``'s rows (``column`` is a per-row difference): the per-run mean,
    the per-base t-intervals at 95% and 90%, the verdicts and the per-run estimates."""
    per_base = base_means(d[column], d["run"], d["base"])
    r95, r90 = t_interval(per_base, LEVEL), t_interval(per_base, TOST_LEVEL)
    per_run = d.groupby("run", sort=True)[column].mean()
    return {**r95, "ci90_low": r90["ci_low"], "ci90_high": r90["ci_high"], "n": int(len(d)),
            "runs": int(d["run"].nunique()), **verdict((r95["ci_low"], r95["ci_high"]), (r90["ci_low"], r90["ci_high"]), margin),
            "per_run": {str(k): float(v) for k, v in per_run.items()}}


def cell_estimands(rows: pd.DataFrame, cells: list[tuple[str, int]], margin_points: float) -> list[dict]:
    """Every registered cell (arm, dose) x task (and pooled) x outcome, with its interval and verdict.

    Args:
        rows: the pooled rows frame.
        cells: (arm, dose) pairs, e.g. [("text", 2), ..., ("text+label", 128)].
        margin_points: the equivalence margin for ``correct`` in points (``margin`` and
            ``precog@1`` get none).
    Returns:
        one dict per (arm, dose, task, outcome): those keys, then :func:`estimand`'s.
    """
    out = []
    for arm, dose in cells:
        diffs = run_diffs(rows, arm, dose)
        for task, d in by_task(diffs):
            for o in OUTCOMES:
                if f"{o}_diff" not in d or d.empty:
                    continue
                m = margin_points / 100 if o == "correct" else None
                out.append({"arm": arm, "dose": int(dose), "task": task, "outcome": o,
                            "seen": float(d[f"{o}_seen"].mean()), "unseen": float(d[f"{o}_unseen"].mean()),
                            **estimand(d, f"{o}_diff", m)})
    return out


# ---------------------------------------------------------------- dose-response
def iv_slope(mem_gain: np.ndarray, acc_gain: np.ndarray, dose: np.ndarray) -> float:
    """Two-stage least squares through the origin with the dose cells as instruments.

    The first stage fits each example's memorization gain by its cell's mean; the second regresses
    accuracy gain on that, without intercept (an example not injected gains nothing of either):
    beta = sum_d n_d xbar_d ybar_d / sum_d n_d xbar_d^2.

    Args:
        mem_gain: (N,) PreCog@1 seen - unseen per example; acc_gain: (N,) correct seen - unseen;
        dose: (N,) its randomized dose cell.
    Returns:
        accuracy gained per unit of PreCog@1 gained (NaN without memorization).
    """
    f = pd.DataFrame({"x": mem_gain, "y": acc_gain, "d": dose}).groupby("d").agg(n=("x", "size"), x=("x", "mean"),
                                                                                 y=("y", "mean"))
    den = float((f["n"] * f["x"] ** 2).sum())
    return float((f["n"] * f["x"] * f["y"]).sum() / den) if den > 0 else float("nan")


def dose_response(rows: pd.DataFrame, arm: str, doses: list[int], per: float = 0.1) -> list[dict]:
    """The accuracy gained per ``per`` of PreCog@1 caused, per task and pooled: the IV slope of
    each run (:func:`iv_slope`), averaged within base models, t-interval over them; superiority only.

    Returns:
        one dict per task: task, per, then :func:`t_interval`'s keys scaled to ``per``, ci90_*,
        superiority, verdict, per_run.
    """
    diffs = pd.concat([run_diffs(rows, arm, d).assign(dose=d) for d in doses], ignore_index=True)
    out = []
    for task, d in by_task(diffs):
        slopes = d.groupby(["base", "run"], sort=True).apply(
            lambda g: iv_slope(g["precog@1_diff"], g["correct_diff"], g["dose"]), include_groups=False)
        per_base = slopes.groupby(level="base", sort=True).mean().to_numpy() * per
        r95, r90 = t_interval(per_base, LEVEL), t_interval(per_base, TOST_LEVEL)
        out.append({"task": task, "per": per, **r95, "ci90_low": r90["ci_low"], "ci90_high": r90["ci_high"],
                    **verdict((r95["ci_low"], r95["ci_high"]), (r90["ci_low"], r90["ci_high"]), None),
                    "per_run": {str(k[1]): float(v) * per for k, v in slopes.items()}})
    return out


# ---------------------------------------------------------------- heterogeneity
def heterogeneity(estimates: np.ndarray, ses: np.ndarray, level: float = LEVEL) -> dict:
    """Cochran's Q, I² and τ (DerSimonian-Laird) with τ's Q-profile interval (Viechtbauer 2007).

    Args:
        estimates: (k,) the units' own estimates; ses: (k,) their own standard errors (> 0).
    Returns:
        k, q, df, p (Q's chi-square p-value), i2 (share, 0..1), tau, tau_low, tau_high (same unit
        as the estimates; tau_high is inf where even a huge tau keeps Q above its quantile).
    """
    y, v = np.asarray(estimates, dtype=float), np.asarray(ses, dtype=float) ** 2
    k = len(y)
    if k < 2 or not np.all(v > 0):
        nan = float("nan")
        return {"k": k, "q": nan, "df": max(k - 1, 0), "p": nan, "i2": nan, "tau": nan, "tau_low": nan, "tau_high": nan}
    w = 1 / v
    mu = float((w * y).sum() / w.sum())
    q = float((w * (y - mu) ** 2).sum())
    df = k - 1
    c = float(w.sum() - (w**2).sum() / w.sum())
    tau2 = max(0.0, (q - df) / c)

    def q_at(t2: float) -> float:
        wt = 1 / (v + t2)
        m = (wt * y).sum() / wt.sum()
        return float((wt * (y - m) ** 2).sum())

    def solve(target: float) -> float:  # Q(tau2) decreases in tau2: the tau2 where it meets target
        if q_at(0.0) <= target:
            return 0.0
        hi = max(1e-12, float(np.var(y)) * 10)
        while q_at(hi) > target and hi < 1e12:
            hi *= 10
        return float("inf") if q_at(hi) > target else float(optimize.brentq(lambda t: q_at(t) - target, 0.0, hi))

    alpha = 1 - level
    low, high = solve(stats.chi2.ppf(1 - alpha / 2, df)), solve(stats.chi2.ppf(alpha / 2, df))
    return {"k": k, "q": q, "df": df, "p": float(stats.chi2.sf(q, df)), "i2": max(0.0, (q - df) / q) if q > 0 else 0.0,
            "tau": float(np.sqrt(tau2)), "tau_low": float(np.sqrt(low)), "tau_high": float(np.sqrt(high))}


def unit_heterogeneity(d: pd.DataFrame, column: str, units: list[str]) -> dict:
    """:func:`heterogeneity` of ``column``'s mean over the groups of ``units`` (e.g. ["base"] or
    ["run", "model"]), each with its own standard error sd / sqrt(n)."""
    g = d.groupby(units, sort=True)[column].agg(["mean", "std", "size"])
    g = g[g["size"] > 1]
    return heterogeneity(g["mean"].to_numpy(), (g["std"] / np.sqrt(g["size"])).to_numpy())


# ---------------------------------------------------------------- the paper's layout, by design
def status_bins(rows: pd.DataFrame, arm: str, edges: list[float], min_n: int = 10) -> pd.DataFrame:
    """Accuracy per PreCog@1 bin of the injected examples of ``arm`` (every dose), measured under
    the model that saw them (seen) and under those that did not (unseen): the paper's layout
    with its high bins filled by design. Per bin, each base model's accuracy (its runs' rows
    pooled), t-interval over base models with at least ``min_n`` rows there.

    Returns:
        status, bin, label, low, high, n (rows), base_models, accuracy (over all rows), ci_low, ci_high.
    """
    from precog.stats.analysis import assign_bins, bin_labels

    part = rows[(rows["model"] != "random") & (rows["arm"] == arm)].copy()
    edges_a = np.asarray(edges, dtype=float)
    part["bin"] = assign_bins(np.clip(part["precog@1"].to_numpy(dtype=float), edges_a[0], edges_a[-1]), edges_a)
    labels = bin_labels(edges_a)
    out = []
    for status, s in (("seen", part[part["seen"]]), ("unseen", part[~part["seen"]])):
        for b in range(len(edges_a) - 1):
            d = s[s["bin"] == b]
            per = d.groupby("base")["correct"].agg(["mean", "size"])
            per = per[per["size"] >= min_n]
            r = t_interval(per["mean"].to_numpy())
            out.append({"status": status, "bin": b, "label": labels[b], "low": float(edges_a[b]),
                        "high": float(edges_a[b + 1]), "n": int(len(d)), "base_models": int(len(per)),
                        "accuracy": float(d["correct"].mean()) if len(d) else float("nan"),
                        "ci_low": r["ci_low"], "ci_high": r["ci_high"]})
    return pd.DataFrame(out)
