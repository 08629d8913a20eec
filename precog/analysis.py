"""Statistics over per-example tables: bins, accuracy with bootstrap CIs, correlations,
calibration and the controlled (membership) study. Pure functions over DataFrames.

Conventions: one row per evaluation example unless stated; ``correct`` is the share of
fine-tuning seeds that classified the example correctly (in [0, 1]); scores are
"higher = more memorized" (PreCog@k, pll, mean_logprob, Min-K%, Min-K%++).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

N_BINS = 5
N_BOOT = 1000
CI = 0.95


def default_edges(n_bins: int = N_BINS) -> np.ndarray:
    """Equal-width bin edges on [0, 1]: (n_bins + 1,)."""
    return np.linspace(0.0, 1.0, n_bins + 1)


def assign_bins(scores: np.ndarray, edges: Sequence[float]) -> np.ndarray:
    """Bin index of each score; bins are [e_i, e_i+1) with the last one closed; NaN -> -1.

    Args:
        scores: (N,) values in [edges[0], edges[-1]].
        edges: (B + 1,) increasing.
    Returns:
        (N,) ints in [0, B) or -1.
    """
    scores = np.asarray(scores, dtype=float)
    idx = np.clip(np.searchsorted(edges, scores, side="right") - 1, 0, len(edges) - 2)
    return np.where(np.isnan(scores), -1, idx)


def bin_labels(edges: Sequence[float]) -> list[str]:
    """'[0.0, 0.2)' style labels, the last bin closed."""
    return [
        f"[{a:.1f}, {b:.1f}{']' if i == len(edges) - 2 else ')'}"
        for i, (a, b) in enumerate(zip(edges[:-1], edges[1:], strict=True))
    ]


def seed_average(records: pd.DataFrame, keys: Sequence[str] = ("task", "id")) -> pd.DataFrame:
    """Per-example means over fine-tuning seeds of correct, p_gold, p_pred and p_gold_epoch*.

    Args:
        records: one row per (task, seed, id), as written by :mod:`precog.finetune`.
    """
    cols = [c for c in records.columns if c in ("correct", "p_gold", "p_pred") or c.startswith("p_gold_epoch")]
    out = records.groupby(list(keys), sort=True)[cols].mean(numeric_only=False)
    out["correct"] = out["correct"].astype(float)
    out["n_seeds"] = records.groupby(list(keys), sort=True).size()
    return out.reset_index()


def bootstrap_means(values: np.ndarray, n_boot: int = N_BOOT, seed: int = 0) -> np.ndarray:
    """(n_boot,) means of resamples (with replacement) of ``values`` (N,); empty -> NaNs."""
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return np.full(n_boot, np.nan)
    rng = np.random.default_rng(seed)
    return values[rng.integers(0, len(values), size=(n_boot, len(values)))].mean(axis=1)


def ci(replicates: np.ndarray, level: float = CI) -> tuple[float, float]:
    """Percentile interval of bootstrap replicates."""
    if np.all(np.isnan(replicates)):
        return float("nan"), float("nan")
    a = (1 - level) / 2
    lo, hi = np.nanquantile(replicates, [a, 1 - a])
    return float(lo), float(hi)


def accuracy_by_bin(
    df: pd.DataFrame, score: str, edges: Sequence[float] | None = None, n_boot: int = N_BOOT, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Accuracy per (task, bin) and the task-weighted aggregate per bin, with bootstrap CIs.

    Args:
        df: one row per example with columns task, correct (seed-averaged) and ``score``.
    Returns:
        per_task: task, bin, label, lo, hi, n, accuracy, ci_low, ci_high.
        weighted: bin, label, lo, hi, n, accuracy (= sum_t n(t,b) acc(t,b) / sum_t n(t,b)),
        ci_low, ci_high (from the same per-task replicates).
    """
    edges = default_edges() if edges is None else np.asarray(edges, dtype=float)
    labels = bin_labels(edges)
    bins = assign_bins(df[score].to_numpy(), edges)
    rows, reps = [], {}
    for t, task in enumerate(sorted(df["task"].unique())):
        in_task = (df["task"] == task).to_numpy()
        for b in range(len(edges) - 1):
            vals = df.loc[in_task & (bins == b), "correct"].to_numpy(dtype=float)
            rep = bootstrap_means(vals, n_boot, seed + 1000 * t + b)
            reps[task, b] = (len(vals), rep)
            lo, hi = ci(rep)
            rows.append(
                {
                    "task": task,
                    "bin": b,
                    "label": labels[b],
                    "lo": edges[b],
                    "hi": edges[b + 1],
                    "n": len(vals),
                    "accuracy": float(vals.mean()) if len(vals) else float("nan"),
                    "ci_low": lo,
                    "ci_high": hi,
                }
            )
    per_task = pd.DataFrame(rows)
    agg = []
    for b in range(len(edges) - 1):
        part = per_task[(per_task["bin"] == b) & (per_task["n"] > 0)]
        n = int(part["n"].sum())
        if n:
            acc = float((part["n"] * part["accuracy"]).sum() / n)
            rep = sum(reps[t, b][0] * reps[t, b][1] for t in part["task"]) / n
            lo, hi = ci(rep)
        else:
            acc, lo, hi = float("nan"), float("nan"), float("nan")
        agg.append(
            {
                "bin": b,
                "label": labels[b],
                "lo": edges[b],
                "hi": edges[b + 1],
                "n": n,
                "accuracy": acc,
                "ci_low": lo,
                "ci_high": hi,
            }
        )
    return per_task, pd.DataFrame(agg)


def _boot_stat(x: np.ndarray, y: np.ndarray, fn, n_boot: int, seed: int) -> tuple[float, float, float]:
    rng = np.random.default_rng(seed)
    est = fn(x, y)
    reps = []
    for _ in range(n_boot):
        i = rng.integers(0, len(x), len(x))
        reps.append(fn(x[i], y[i]))
    lo, hi = ci(np.asarray(reps, dtype=float))
    return float(est), lo, hi


def _spearman(x, y):
    return stats.spearmanr(x, y).statistic if np.ptp(x) > 0 and np.ptp(y) > 0 else np.nan


def _pearson(x, y):
    return stats.pearsonr(x, y).statistic if np.ptp(x) > 0 and np.ptp(y) > 0 else np.nan


def correlations(df: pd.DataFrame, scores: Sequence[str], n_boot: int = N_BOOT, seed: int = 0) -> pd.DataFrame:
    """Spearman and point-biserial correlation of each score with correctness, bootstrap CIs.

    Spearman uses the seed-averaged ``correct``; the point-biserial correlation uses the
    per-example majority vote (correct > 1/2) as the binary variable.
    """
    rows = []
    clean = df.dropna(subset=list(scores))
    y = clean["correct"].to_numpy(dtype=float)
    yb = (y > 0.5).astype(float)
    for s in scores:
        x = clean[s].to_numpy(dtype=float)
        for name, fn, target in (("spearman", _spearman, y), ("point_biserial", _pearson, yb)):
            est, lo, hi = _boot_stat(x, target, fn, n_boot, seed)
            rows.append({"score": s, "statistic": name, "estimate": est, "ci_low": lo, "ci_high": hi, "n": len(x)})
    return pd.DataFrame(rows)


def logistic_coefficient(
    df: pd.DataFrame, score: str, controls: Sequence[str], n_boot: int = 200, seed: int = 0
) -> dict[str, float]:
    """Coefficient of the standardised score in a logistic regression of correctness.

    Model: majority-vote correct ~ z(score) + z(controls) + task indicators (unpenalised).
    Returns the score's coefficient (log-odds per standard deviation) with a bootstrap CI
    (resampling examples) and the same for the score alone, for comparison.
    """
    data = df.dropna(subset=[score, *controls]).reset_index(drop=True)
    y = (data["correct"].to_numpy(dtype=float) > 0.5).astype(int)

    def design(frame: pd.DataFrame, cols: Sequence[str]) -> np.ndarray:
        x = frame[list(cols)].to_numpy(dtype=float)
        sd = x.std(axis=0)
        x = (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1)
        dummies = pd.get_dummies(frame["task"], drop_first=True, dtype=float).to_numpy()
        return np.hstack([x, dummies])

    def coef(idx: np.ndarray, cols: Sequence[str]) -> float:
        if len(np.unique(y[idx])) < 2:
            return np.nan
        model = LogisticRegression(C=np.inf, max_iter=1000)
        model.fit(design(data.iloc[idx], cols), y[idx])
        return float(model.coef_[0][0])

    rng = np.random.default_rng(seed)
    everyone = np.arange(len(data))
    out = {"n": len(data)}
    for label, cols in (("adjusted", [score, *controls]), ("unadjusted", [score])):
        reps = np.array([coef(rng.integers(0, len(data), len(data)), cols) for _ in range(n_boot)])
        lo, hi = ci(reps)
        out.update({f"{label}_coef": coef(everyone, cols), f"{label}_ci_low": lo, f"{label}_ci_high": hi})
    return out


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, n_bins: int = 10) -> float:
    """ECE: sum over equal-width confidence bins of (n_b / N) |accuracy_b - confidence_b|.

    Args:
        confidence: (N,) probability of the predicted class, in [0, 1].
        correct: (N,) 1 if the prediction was right, else 0.
    """
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=float)
    if len(confidence) == 0:
        return float("nan")
    bins = assign_bins(confidence, default_edges(n_bins))
    total = 0.0
    for b in np.unique(bins):
        m = bins == b
        total += m.sum() / len(confidence) * abs(correct[m].mean() - confidence[m].mean())
    return float(total)


def calibration_by_bin(
    records: pd.DataFrame, scores: pd.DataFrame, score: str, edges: Sequence[float] | None = None
) -> pd.DataFrame:
    """ECE of the fine-tuned classifiers within each PreCog bin (rows: (task, seed, id) records).

    Returns bin, label, n (records), accuracy, mean confidence, ece.
    """
    edges = default_edges() if edges is None else np.asarray(edges, dtype=float)
    merged = records.merge(scores[["task", "id", score]], on=["task", "id"], how="inner")
    bins = assign_bins(merged[score].to_numpy(), edges)
    rows = []
    for b, label in enumerate(bin_labels(edges)):
        part = merged[bins == b]
        rows.append(
            {
                "bin": b,
                "label": label,
                "n": len(part),
                "accuracy": float(part["correct"].mean()) if len(part) else float("nan"),
                "confidence": float(part["p_pred"].mean()) if len(part) else float("nan"),
                "ece": expected_calibration_error(part["p_pred"], part["correct"]),
            }
        )
    return pd.DataFrame(rows)


def membership_auroc(df: pd.DataFrame, scores: Sequence[str], n_boot: int = N_BOOT, seed: int = 0) -> pd.DataFrame:
    """AUROC of each score for telling dose-d examples from never-seen (dose 0) ones.

    Args:
        df: one row per example with columns dose and the score columns.
    Returns:
        score, dose, n_member, n_nonmember, auroc, ci_low, ci_high (bootstrap over examples
        within each group).
    """
    rows = []
    rng = np.random.default_rng(seed)
    base = df[df["dose"] == 0]
    for s in scores:
        neg = base[s].dropna().to_numpy(dtype=float)
        for d in sorted(x for x in df["dose"].unique() if x > 0):
            pos = df.loc[df["dose"] == d, s].dropna().to_numpy(dtype=float)
            y = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
            auc = roc_auc_score(y, np.r_[pos, neg])
            reps = [
                roc_auc_score(
                    y, np.r_[pos[rng.integers(0, len(pos), len(pos))], neg[rng.integers(0, len(neg), len(neg))]]
                )
                for _ in range(n_boot)
            ]
            lo, hi = ci(np.asarray(reps))
            rows.append(
                {
                    "score": s,
                    "dose": int(d),
                    "n_member": len(pos),
                    "n_nonmember": len(neg),
                    "auroc": float(auc),
                    "ci_low": lo,
                    "ci_high": hi,
                }
            )
    return pd.DataFrame(rows)


def mean_by_group(df: pd.DataFrame, value: str, group: str, n_boot: int = N_BOOT, seed: int = 0) -> pd.DataFrame:
    """Mean of ``value`` per level of ``group`` with bootstrap CIs (dose-response, accuracy by dose)."""
    rows = []
    for i, (g, part) in enumerate(df.groupby(group, sort=True)):
        vals = part[value].dropna().to_numpy(dtype=float)
        lo, hi = ci(bootstrap_means(vals, n_boot, seed + i))
        rows.append({group: g, "n": len(vals), "mean": float(vals.mean()), "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows)


def data_map(records: pd.DataFrame) -> pd.DataFrame:
    """Data-map coordinates per record: confidence = mean and variability = std of p_gold over epochs."""
    epochs = records[[c for c in records.columns if c.startswith("p_gold_epoch")]].to_numpy(dtype=float)
    return records.assign(confidence=epochs.mean(axis=1), variability=epochs.std(axis=1))
