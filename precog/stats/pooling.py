"""The controlled study pooled over runs: every run of one design (the main run and its
replicates) combined into one estimate per effect, and accuracy gain against the
memorization the study caused (Figure 6). Pure functions of data frames.

Input is the *pooled rows* frame: one row per (run, task, id, model) with ``run`` (its
name), ``base`` (its base model: the checksum of its weights), ``model`` ("0".."K-1" or
"random"), ``correct`` (seed-averaged), ``precog@1``, ``label``, ``arm``, ``dose``,
``injected_into`` and ``seen`` (as :func:`precog.compendium.frames.with_membership` made
them in the run).

Intervals come from one nested bootstrap (:func:`precog.stats.analysis.resample_nested`):
base models with replacement, then each drawn base model's runs, then each drawn run's
study models, then the examples within each drawn model. So the interval covers the
randomness of pre-training the base model, of the rest of a run (which examples each model
saw, continuation and fine-tuning seeds) and of the examples; the 8 models of one run are
never treated as interchangeable with those of another. Transfer, crossed within a run
(every example under every model that did not see it), resamples base models and runs the
same way and, inside each run, examples and models independently.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from precog.stats.analysis import assign_bins, bin_labels, bootstrap, interval, mean, minimum_detectable_effect
from precog.stats.effects import crossover, transfer_rows

LEVELS = ("base", "run", "model")  # outermost first
MIN_N = 10  # bins with fewer examples are shown grey, without an interval


def study_part(rows: pd.DataFrame) -> pd.DataFrame:
    """The pre-trained models' rows (not random init)."""
    return rows[rows["model"] != "random"]


def pooled_crossover(rows: pd.DataFrame, arm: str, dose: int) -> pd.DataFrame:
    """Per (run, injected example) of one cell: accuracy and PreCog@1 under the model that saw it
    and their means under the models of the same run that did not.

    Returns:
        run, base, task, id, label, model, acc_seen, acc_unseen, diff (accuracy gain),
        mem_seen, mem_unseen, mem_gain (PreCog@1 gain).
    """
    out = []
    for (run, base), part in study_part(rows).groupby(["run", "base"], sort=True):
        acc = crossover(part, arm, dose)
        keys = ["task", "id", "label", "model"]
        d = acc.rename(columns={"seen": "acc_seen", "unseen": "acc_unseen"})
        if "precog@1" in part and part["precog@1"].notna().all():
            mem = crossover(part, arm, dose, value="precog@1").rename(
                columns={"seen": "mem_seen", "unseen": "mem_unseen", "diff": "mem_gain"})
            d = d.merge(mem, on=keys, how="inner", validate="one_to_one")
        out.append(d.assign(run=run, base=base))
    df = pd.concat(out, ignore_index=True)
    first = ["run", "base", *keys]
    return df[first + [c for c in df.columns if c not in first]]


def nested(values: np.ndarray, frame: pd.DataFrame, seed: int = 0) -> dict:
    """Mean of ``values`` (one per row of ``frame``) with the nested bootstrap over
    ``frame``'s base, run and model columns, then rows.

    Returns:
        estimate, ci_low, ci_high, se, n (rows), base_models, runs, models (distinct run-model pairs).
    """
    levels = [frame[c].astype(str).to_numpy() for c in LEVELS]
    r = bootstrap(mean, np.asarray(values, dtype=float), levels=levels, seed=seed)
    return {**r, "base_models": int(frame["base"].nunique()), "runs": int(frame["run"].nunique()),
            "models": int(frame[["run", "model"]].drop_duplicates().shape[0])}


def pooled_transfer(rows: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Pre-trained minus random-init accuracy on examples the pre-trained model did not see,
    per task, pooled over runs: base models, then runs, then (inside a run) examples and
    models independently.

    Returns:
        task, n (example-model rows), base_models, runs, models, estimate, ci_low, ci_high, se.
    """
    parts = []
    for (run, base), part in rows.groupby(["run", "base"], sort=True):
        random = part[part["model"] == "random"].rename(columns={"correct": "correct_random"})
        parts.append(transfer_rows(study_part(part), random).assign(run=run, base=base))
    data = pd.concat(parts, ignore_index=True)
    out = []
    for i, (task, d) in enumerate(data.groupby("task", sort=True)):
        levels = [d[c].astype(str).to_numpy() for c in ("base", "run")]
        r = bootstrap(mean, d["diff"].to_numpy(dtype=float), levels=levels, clusters=d["id"].to_numpy(),
                      crossed=d["model"].astype(str).to_numpy(), seed=seed + i)
        out.append({"task": task, "n": r["n"], "base_models": int(d["base"].nunique()), "runs": int(d["run"].nunique()),
                    "models": int(d[["run", "model"]].drop_duplicates().shape[0]), **interval(r), "se": r["se"]})
    return pd.DataFrame(out)


def run_variance(estimates: np.ndarray, ses: np.ndarray) -> dict:
    """How much runs of one design differ beyond what their own intervals expect: the method of
    moments (DerSimonian-Laird without weights).

    Args:
        estimates: (R,) each run's own estimate; ses: (R,) each run's own standard error.
    Returns:
        runs, observed_sd (standard deviation of the estimates, ddof 1), expected_sd (root mean
        square of the standard errors), tau (the runs' own standard deviation,
        sqrt(max(0, observed_sd^2 - expected_sd^2))); NaN with fewer than 2 runs.
    """
    estimates, ses = np.asarray(estimates, dtype=float), np.asarray(ses, dtype=float)
    if len(estimates) < 2:
        nan = float("nan")
        return {"runs": int(len(estimates)), "observed_sd": nan, "expected_sd": nan, "tau": nan}
    observed, expected = float(np.std(estimates, ddof=1)), float(np.sqrt(np.mean(ses**2)))
    return {"runs": int(len(estimates)), "observed_sd": observed, "expected_sd": expected,
            "tau": float(np.sqrt(max(0.0, observed**2 - expected**2)))}


def runs_needed(runs: int, half_width: float, target: float) -> float:
    """Runs of this design whose pooled interval would have half-width ``target``, if the
    half-width ``half_width`` of ``runs`` runs falls as 1/sqrt(runs): ceil(runs *
    (half_width / target)^2) (NaN when unknown). Holds only while new runs add base models
    in the same proportion as the pooled ones, since base models are the top level."""
    if not np.isfinite(half_width) or target <= 0 or runs < 1:
        return float("nan")
    return float(np.ceil(runs * (half_width / target) ** 2 - 1e-9))


def pooled_effect(diffs: pd.DataFrame, seed: int = 0) -> dict:
    """The pooled seen - unseen accuracy of :func:`pooled_crossover` rows, with its interval,
    half-width and minimum detectable effect (alpha 0.05, power 0.8, from the nested
    bootstrap's standard error)."""
    r = nested(diffs["diff"].to_numpy(), diffs, seed=seed)
    return {**interval(r), "se": r["se"], "n": r["n"], "base_models": r["base_models"], "runs": r["runs"],
            "models": r["models"], "ci_half_width": (r["ci_high"] - r["ci_low"]) / 2,
            "mde": minimum_detectable_effect(r["se"])}


# ---------------------------------------------------------------- Figure 6
def slope(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of ``y`` on ``x`` (NaN when ``x`` has no spread)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) < 2 or np.ptp(x) == 0:
        return float("nan")
    dx = x - x.mean()
    return float(np.dot(dx, y - y.mean()) / np.dot(dx, dx))


def gain_slope(gains: pd.DataFrame, seed: int = 0) -> dict:
    """Slope of accuracy gain on memorization gain (share of accuracy per unit of PreCog@1
    gain; README shows points per 0.1), with the nested bootstrap.

    Returns:
        estimate, ci_low, ci_high, se, n.
    """
    levels = [gains[c].astype(str).to_numpy() for c in LEVELS]
    r = bootstrap(slope, gains["mem_gain"].to_numpy(dtype=float), gains["diff"].to_numpy(dtype=float),
                  levels=levels, seed=seed)
    return {**interval(r), "se": r["se"], "n": r["n"]}


def gain_bins(gains: pd.DataFrame, edges: np.ndarray, seed: int = 0, min_n: int = MIN_N) -> pd.DataFrame:
    """Mean accuracy gain per bin of memorization gain (Figure 1, our reconstruction of the paper's analysis, made causal),
    intervals from the nested bootstrap; a bin with fewer than ``min_n`` examples gets none.

    Args:
        gains: :func:`pooled_crossover` rows with mem_gain.
        edges: (B + 1,) increasing bin edges; gains outside [edges[0], edges[-1]] go to the end bins.
    Returns:
        bin (index), label ('[0.6, 0.8)'), low, high (its edges), n, mem_gain (mean in the bin),
        estimate, ci_low, ci_high.
    """
    x = gains["mem_gain"].to_numpy(dtype=float)
    if np.isnan(x).any():
        raise ValueError(f"gain_bins: {int(np.isnan(x).sum())} rows have no memorization gain (a run scored without PreCog@1)")
    idx = assign_bins(np.clip(x, edges[0], edges[-1]), edges)
    labels = bin_labels(edges)
    rows = []
    for b in range(len(edges) - 1):
        d = gains[idx == b]
        row = {"bin": b, "label": labels[b], "low": float(edges[b]), "high": float(edges[b + 1]), "n": int(len(d)),
               "mem_gain": mean(d["mem_gain"].to_numpy(dtype=float))}
        if len(d) >= min_n:
            r = nested(d["diff"].to_numpy(), d, seed=seed + b)
            row.update(interval(r))
        else:
            row.update(estimate=mean(d["diff"].to_numpy(dtype=float)), ci_low=float("nan"), ci_high=float("nan"))
        rows.append(row)
    return pd.DataFrame(rows)


def spread(x: np.ndarray) -> dict:
    """How much the memorization gains spread (the x axis of Figure 6): n, mean, sd (ddof 1),
    min, p10, p90, max."""
    x = np.asarray(x, dtype=float)
    if len(x) == 0:
        return {k: float("nan") for k in ("mean", "sd", "min", "p10", "p90", "max")} | {"n": 0}
    return {"n": int(len(x)), "mean": float(x.mean()), "sd": float(x.std(ddof=1)) if len(x) > 1 else float("nan"),
            "min": float(x.min()), "p10": float(np.quantile(x, 0.1)), "p90": float(np.quantile(x, 0.9)),
            "max": float(x.max())}
