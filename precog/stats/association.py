"""How scores go with correctness and with membership: correlations, logistic regression,
membership AUROC and group means, every interval from :func:`precog.stats.analysis.bootstrap`.

Conventions as in :mod:`precog.stats.analysis`: one row per evaluation example unless
stated; ``correct`` is the share of fine-tuning seeds that classified the example
correctly; scores are "higher = more memorized".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from precog.stats.analysis import bootstrap, interval, mean

SEPARATED = 15.0  # |fitted log-odds| beyond which a logistic fit is taken as separated (no finite estimate)


# ---------------------------------------------------------------- correlations
def _spearman(x, y):
    return stats.spearmanr(x, y).statistic if np.ptp(x) > 0 and np.ptp(y) > 0 else np.nan


def _pearson(x, y):
    return stats.pearsonr(x, y).statistic if np.ptp(x) > 0 and np.ptp(y) > 0 else np.nan


def correlations(df: pd.DataFrame, scores: Sequence[str], seed: int = 0) -> pd.DataFrame:
    """Spearman and point-biserial correlation of each score with correctness, per task and
    pooled (strata = tasks), with bootstrap CIs.

    Spearman uses the seed-averaged ``correct``; the point-biserial correlation uses the
    per-example majority vote (correct > 1/2) as the binary variable.

    Returns:
        task ("all" for pooled), score, statistic, estimate, ci_low, ci_high, n.
    """
    rows = []
    clean = df.dropna(subset=list(scores))
    parts = [(t, clean[clean["task"] == t]) for t in sorted(clean["task"].unique())] + [("all", clean)]
    for task, part in parts:
        y = part["correct"].to_numpy(dtype=float)
        strata = part["task"].to_numpy()
        for i, s in enumerate(scores):
            x = part[s].to_numpy(dtype=float)
            for name, fn, target in (("spearman", _spearman, y), ("point_biserial", _pearson, (y > 0.5).astype(float))):
                r = bootstrap(fn, x, target, strata=strata, seed=seed + i)
                rows.append({"task": task, "score": s, "statistic": name, **interval(r), "n": r["n"]})
    return pd.DataFrame(rows)


def spearman_with(df: pd.DataFrame, scores: Sequence[str], targets: Sequence[str], seed: int = 0) -> pd.DataFrame:
    """Spearman correlation of each score with each target column, pooled over tasks, with
    bootstrap CIs resampling examples within tasks (fig3: PreCog against confidence and
    variability).

    Returns:
        score, target, estimate, ci_low, ci_high, n.
    """
    rows = []
    for i, s in enumerate(scores):
        for j, t in enumerate(targets):
            part = df.dropna(subset=[s, t])
            r = bootstrap(_spearman, part[s].to_numpy(dtype=float), part[t].to_numpy(dtype=float),
                          strata=part["task"].to_numpy(), seed=seed + 10 * i + j)
            rows.append({"score": s, "target": t, **interval(r), "n": r["n"]})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- logistic regression
def design_matrix(frame: pd.DataFrame, numeric: Sequence[str], categorical: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Columns for a logistic regression: numeric terms as they are, categorical ones as
    indicators (first level dropped). Returns (N, P) matrix and the P column names."""
    parts, names = [], []
    if numeric:
        parts.append(frame[list(numeric)].to_numpy(dtype=float))
        names += list(numeric)
    for c in categorical:
        d = pd.get_dummies(frame[c].astype(str), prefix=c, drop_first=True, dtype=float)
        parts.append(d.to_numpy())
        names += list(d.columns)
    return (np.hstack(parts) if parts else np.zeros((len(frame), 0))), names


def logistic_fit(x: np.ndarray, correct: np.ndarray, iterations: int = 50) -> np.ndarray:
    """Unpenalised logistic regression (with intercept) of a share-correct outcome on ``x``.

    Newton-Raphson on the binomial log-likelihood, with ``correct`` (N,) in [0, 1] (a seed
    average) as the outcome: the same estimate as one row per seed, and as sklearn's
    ``LogisticRegression(C=inf)`` (``tests/test_analysis.py``), at a tenth of its time per fit,
    which matters because :func:`logistic_terms` refits 1,000 times for an interval.

    Args:
        x: (N, P) predictors.
        correct: (N,) outcomes in [0, 1].
    Returns:
        (P,) coefficients in log-odds per unit (intercept excluded); NaNs when the outcome
        does not vary, when the fit does not converge, or when the classes are separated
        (a fitted log-odds beyond +-SEPARATED: no finite estimate exists).
    """
    c = np.asarray(correct, dtype=float)
    nan = np.full(x.shape[1], np.nan)
    if x.shape[1] == 0 or np.ptp(c) == 0:
        return nan
    design = np.hstack([np.ones((len(c), 1)), np.asarray(x, dtype=float)])
    beta = np.zeros(design.shape[1])
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-np.clip(design @ beta, -30, 30)))
        hessian = design.T @ (design * (p * (1 - p))[:, None])
        step = np.linalg.lstsq(hessian, design.T @ (c - p), rcond=None)[0]
        beta += step
        if np.max(np.abs(step)) < 1e-8:
            break
    else:
        return nan  # no convergence
    if np.abs(design @ beta).max() > SEPARATED:
        return nan
    return beta[1:]


def logistic_terms(
    df: pd.DataFrame, terms: Sequence[str], covariates: Sequence[str] = (), categorical: Sequence[str] = (),
    strata: str | None = None, clusters: str | None = None, seed: int = 0,
) -> pd.DataFrame:
    """Coefficients of ``terms`` in a logistic regression of ``correct`` on terms +
    covariates (numeric) + categorical indicators, with bootstrap CIs over rows (or over
    the clusters named by column ``clusters``, e.g. an example's rows under several models).

    Returns:
        term, coef (log-odds), ci_low, ci_high, odds_ratio, n.
    """
    x, _ = design_matrix(df, [*terms, *covariates], categorical)
    y = df["correct"].to_numpy(dtype=float)
    k = len(terms)
    r = bootstrap(lambda xx, yy: logistic_fit(xx, yy)[:k], x, y,
                  strata=None if strata is None else df[strata].to_numpy(),
                  clusters=None if clusters is None else df[clusters].to_numpy(), seed=seed)
    est, lo, hi = (np.atleast_1d(r[key]) for key in ("estimate", "ci_low", "ci_high"))
    return pd.DataFrame({"term": list(terms), "coef": est, "ci_low": lo, "ci_high": hi,
                         "odds_ratio": np.exp(est), "n": r["n"]})


# ---------------------------------------------------------------- membership detection
def auroc(y: np.ndarray, s: np.ndarray) -> float:
    """Area under the ROC curve of scores ``s`` (N,) for labels ``y`` (N,) in {0, 1}: the
    Mann-Whitney U of the positives' ranks (ties count one half) over n_pos x n_neg; NaN
    when one class is absent. Equal to sklearn's ``roc_auc_score`` (``tests/test_analysis.py``)
    at a fifteenth of its time, which matters inside a 1,000-resample bootstrap."""
    y = np.asarray(y, dtype=bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = stats.rankdata(s)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def membership_auroc(df: pd.DataFrame, scores: Sequence[str], group: str = "dose_seen", seed: int = 0) -> pd.DataFrame:
    """AUROC of each score for telling members of each ``group`` level > 0 from level 0.

    Args:
        df: one row per (example, model) measurement with ``group`` and the score columns.
    Returns:
        score, <group>, n_member, n_nonmember, auroc, ci_low, ci_high (bootstrap within
        members and non-members).
    """
    rows = []
    for i, s in enumerate(scores):
        neg = df.loc[df[group] == 0, s].dropna().to_numpy(dtype=float)
        for d in sorted(x for x in df[group].unique() if x > 0):
            pos = df.loc[df[group] == d, s].dropna().to_numpy(dtype=float)
            y = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
            r = bootstrap(auroc, y, np.r_[pos, neg], strata=y, seed=seed + 100 * i + int(d))
            rows.append({"score": s, group: int(d), "n_member": len(pos), "n_nonmember": len(neg), **interval(r, "auroc")})
    return pd.DataFrame(rows)


def mean_by_group(df: pd.DataFrame, value: str, group: str | Sequence[str], seed: int = 0) -> pd.DataFrame:
    """Mean of ``value`` per level of ``group`` with bootstrap CIs (dose-response, accuracy by arm)."""
    rows = []
    keys = [group] if isinstance(group, str) else list(group)
    for i, (g, part) in enumerate(df.groupby(keys, sort=True)):
        r = bootstrap(mean, part[value].dropna().to_numpy(dtype=float), seed=seed + i)
        rows.append({**dict(zip(keys, g, strict=True)), "n": r["n"], **interval(r, "mean")})
    return pd.DataFrame(rows)
