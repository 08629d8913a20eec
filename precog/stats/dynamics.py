"""What the fine-tuning records say beyond right and wrong: calibration within PreCog bins
(expected calibration error with intervals that resample examples), data-map coordinates
(Swayamdipta et al. 2020) and accuracy after every epoch. Pure functions over DataFrames;
intervals from :func:`precog.stats.analysis.bootstrap`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from precog.stats.analysis import assign_bins, bin_labels, bootstrap, default_edges, interval, mean


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
    records: pd.DataFrame, scores: pd.DataFrame, score: str, edges: Sequence[float] | None = None, seed: int = 0
) -> pd.DataFrame:
    """ECE of the fine-tuned classifiers within each PreCog bin, with bootstrap CIs that
    resample *examples* (with all their records: every model and seed) within tasks.

    Args:
        records: one row per (task, seed, id) [per model] prediction with correct and p_pred.
        scores: one row per (task, id) with ``score``.
    Returns:
        bin, label, n (examples), n_records, accuracy, confidence (mean p_pred), ece,
        ece_ci_low, ece_ci_high.
    """
    edges = default_edges() if edges is None else np.asarray(edges, dtype=float)
    merged = records.merge(scores[["task", "id", score]], on=["task", "id"], how="inner")
    bins = assign_bins(merged[score].to_numpy(), edges)
    rows = []
    for b, label in enumerate(bin_labels(edges)):
        part = merged[bins == b]
        conf, corr = part["p_pred"].to_numpy(dtype=float), part["correct"].to_numpy(dtype=float)
        example = (part["task"].astype(str) + ":" + part["id"].astype(str)).to_numpy()
        r = bootstrap(expected_calibration_error, conf, corr, strata=part["task"].to_numpy(), clusters=example, seed=seed + b)
        rows.append({"bin": b, "label": label, "n": len(np.unique(example)), "n_records": len(part),
                     "accuracy": mean(corr), "confidence": mean(conf), **interval(r, "ece", "ece_")})
    return pd.DataFrame(rows)


def data_map(records: pd.DataFrame) -> pd.DataFrame:
    """Data-map coordinates per record: confidence = mean and variability = std of p_gold over epochs."""
    epochs = records[[c for c in records.columns if c.startswith("p_gold_epoch")]].to_numpy(dtype=float)
    return records.assign(confidence=epochs.mean(axis=1), variability=epochs.std(axis=1))


def epoch_accuracy(records: pd.DataFrame) -> pd.DataFrame:
    """Accuracy on the evaluation examples after each fine-tuning epoch, averaged over runs.

    A prediction counts as right at epoch e when p_gold_epoch{e} > 1/2, which is exactly
    argmax = gold for a two-class task (every demo task); for more classes it is a lower
    bound. Args: records: one row per (task, model, seed, id) with p_gold_epoch1..E.
    Returns: task, model, epoch, accuracy."""
    prefix = "p_gold_epoch"
    cols = sorted((c for c in records.columns if c.startswith(prefix)), key=lambda c: int(c.removeprefix(prefix)))
    right = records[["task", "model"]].assign(**{c: records[c] > 0.5 for c in cols})
    long = right.melt(id_vars=["task", "model"], value_vars=cols, var_name="epoch", value_name="accuracy")
    long["epoch"] = long["epoch"].str.removeprefix(prefix).astype(int)
    return long.groupby(["task", "model", "epoch"], sort=True)["accuracy"].mean().reset_index()
