"""Statistics over per-example tables: one bootstrap, bins and accuracy by bin (how scores
go with correctness, membership and groups: :mod:`precog.stats.association`). Pure
functions over arrays and DataFrames.

Conventions: one row per evaluation example unless stated; ``correct`` is the share of
fine-tuning seeds that classified the example correctly (in [0, 1]); scores are
"higher = more memorized" (PreCog@k, pll, mean_logprob, Min-K%, Min-K%++).

Every interval comes from :func:`bootstrap`: percentile intervals at level ``CI`` over
``N_BOOT`` resamples of examples (within strata when given), seed 0.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

N_BINS = 5
N_BOOT = 1000
CI = 0.95
POWER = 0.8


# ---------------------------------------------------------------- the one bootstrap
def resample(rng: np.random.Generator, n: int, strata: np.ndarray | None = None, clusters: np.ndarray | None = None,
             within: bool = False, crossed: np.ndarray | None = None) -> np.ndarray:
    """Row indices of one bootstrap resample of ``n`` rows.

    * no ``clusters``: rows with replacement, within each stratum (keeping its size);
    * ``clusters``: whole clusters with replacement (within each stratum, a cluster's
      stratum being that of its first row), all rows of each drawn cluster; with
      ``within``, the rows of each drawn cluster are themselves resampled with replacement
      (the two-level bootstrap: clusters, then rows within them);
    * ``clusters`` and ``crossed``: a second factor crossed with the clusters (every example
      measured under every model): clusters and levels of ``crossed`` are drawn
      independently, and each row appears (draws of its cluster) x (draws of its level)
      times (the pigeonhole bootstrap for crossed designs, Owen 2007).
    """
    strata_of = np.zeros(n, dtype=int) if strata is None else pd.factorize(np.asarray(strata))[0]
    if clusters is None:
        groups = [np.flatnonzero(strata_of == s) for s in np.unique(strata_of)]
        return np.concatenate([g[rng.integers(0, len(g), len(g))] for g in groups])
    codes, _ = pd.factorize(np.asarray(clusters))
    if (codes < 0).any():
        raise ValueError("bootstrap: a row has no cluster label (NaN/None); drop it or give it one")
    members = _groups(codes)
    stratum_of_cluster = strata_of[[rows[0] for rows in members]]
    if crossed is not None:
        levels, _ = pd.factorize(np.asarray(crossed))
        drawn = np.zeros(len(members), dtype=int)
        for s in np.unique(strata_of):
            pool = np.flatnonzero(stratum_of_cluster == s)
            np.add.at(drawn, rng.choice(pool, len(pool)), 1)
        times = np.bincount(rng.integers(0, levels.max() + 1, levels.max() + 1), minlength=levels.max() + 1)
        return np.repeat(np.arange(n), drawn[codes] * times[levels])
    parts = []
    for s in np.unique(strata_of):
        pool = np.flatnonzero(stratum_of_cluster == s)
        for c in rng.choice(pool, len(pool)):
            rows = members[c]
            parts.append(rows[rng.integers(0, len(rows), len(rows))] if within else rows)
    return np.concatenate(parts)


def resample_nested(rng: np.random.Generator, levels: Sequence[np.ndarray],
                    crossed: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Row indices of one resample of a nested (hierarchical) design.

    ``levels`` name each row's unit at every level, outermost first (e.g. base model, run,
    study model). The outermost units are drawn with replacement; inside each drawn unit its
    units of the next level are drawn with replacement, and so on; inside each drawn
    innermost unit its rows are drawn with replacement. With ``crossed = (examples,
    models)`` the rows of each drawn innermost unit are resampled instead by the pigeonhole
    bootstrap of a crossed design (:func:`resample` with ``clusters=examples,
    crossed=models``). One level with no ``crossed`` is the two-level bootstrap
    (``resample(..., clusters=level, within=True)``), draw for draw.

    Args:
        levels: L arrays of (N,) unit labels; a unit's label need only be unique within its
            parent unit's rows (runs may reuse model names).
        crossed: None, or two (N,) arrays (example label, model label).
    Returns:
        (M,) row indices (M varies between resamples when units differ in size).
    """
    n = len(levels[0]) if levels else len(crossed[0])
    if any(len(level) != n for level in levels):
        raise ValueError("bootstrap: levels differ in length")
    codes = []
    for level in levels:
        c, _ = pd.factorize(np.asarray(level))
        if (c < 0).any():
            raise ValueError("bootstrap: a row has no unit label (NaN/None) at some level; drop it or give it one")
        codes.append(c)

    def within(rows: np.ndarray, depth: int) -> list[np.ndarray]:
        if depth == len(codes):
            if crossed is None:
                return [rows[rng.integers(0, len(rows), len(rows))]]
            examples, models = (np.asarray(a)[rows] for a in crossed)
            return [rows[resample(rng, len(rows), clusters=examples, crossed=models)]]
        units = _groups(pd.factorize(codes[depth][rows])[0])
        parts = []
        for u in rng.choice(len(units), len(units)):
            parts += within(rows[units[u]], depth + 1)
        return parts

    return np.concatenate(within(np.arange(n), 0)) if n else np.arange(0)


def _groups(codes: np.ndarray) -> list[np.ndarray]:
    """Row indices of each code 0, 1, ..., max (ascending within a group; rows coded -1,
    pandas' missing value, in none): ``[np.flatnonzero(codes == c) for c in range(codes.max() + 1)]``
    from one stable sort instead of a pass over the rows per group (the bootstrap's hot spot)."""
    if len(codes) == 0 or codes.max() < 0:
        return []
    order = np.argsort(codes, kind="stable")
    order = order[codes[order] >= 0]
    return np.split(order, np.cumsum(np.bincount(codes[order], minlength=codes.max() + 1))[:-1])


def bootstrap(
    statistic: Callable[..., float],
    *arrays: np.ndarray,
    strata: np.ndarray | None = None,
    clusters: np.ndarray | None = None,
    within: bool = False,
    crossed: np.ndarray | None = None,
    levels: Sequence[np.ndarray] | None = None,
    n_boot: int = N_BOOT,
    seed: int = 0,
    level: float = CI,
) -> dict[str, float]:
    """A statistic of paired arrays with a percentile bootstrap interval.

    Rows (the first axis, shared by all arrays) are resampled with replacement; with
    ``strata`` each stratum is resampled separately, keeping its size (e.g. tasks). With
    ``clusters`` the unit resampled is the cluster (an example's several records, or a
    model's examples) and, with ``within``, rows inside each drawn cluster too; with
    ``crossed``, a second factor crossed with the clusters is drawn independently of them;
    see :func:`resample`. With ``levels`` the design is nested (e.g. base models > runs >
    study models > rows; :func:`resample_nested`); then ``clusters`` and ``crossed``, if
    given, are the examples and models of a crossed design inside the innermost level.

    Args:
        statistic: f(*arrays) -> float (or a 1-D array of statistics, each with its own
            interval), applied to the data and to each resample.
        arrays: (N, ...) arrays with the same N.
        strata: (N,) stratum label of each row, or None.
        clusters: (N,) cluster label of each row, or None.
        within: with clusters, also resample rows within each drawn cluster.
        crossed: (N,) level of a factor crossed with the clusters (e.g. the model), or None.
        levels: nested unit labels, outermost first, each (N,); or None.
        n_boot: number of resamples.
        seed: seed of the resampling generator.
        level: coverage of the percentile interval.
    Returns:
        estimate (statistic of the data), ci_low, ci_high, se (standard deviation of the
        replicates), n (rows). Replicates that are not finite (a fit with no estimate on that
        resample) are left out; NaN interval when no replicate is finite.
    """
    arrays = tuple(np.asarray(a) for a in arrays)
    n = len(arrays[0])
    if levels is not None and (strata is not None or within or (clusters is None) != (crossed is None)):
        raise ValueError("bootstrap: levels go with no strata or within, and with both or neither of clusters/crossed")
    if any(len(a) != n for a in arrays):
        raise ValueError("bootstrap: arrays differ in length")
    if n == 0:
        return {"estimate": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"), "se": float("nan"), "n": 0}
    rng = np.random.default_rng(seed)
    reps = []
    for _ in range(n_boot):
        if levels is not None:
            idx = resample_nested(rng, levels, None if crossed is None else (clusters, crossed))
        else:
            idx = resample(rng, n, strata, clusters, within, crossed)
        reps.append(statistic(*(x[idx] for x in arrays)))
    reps = np.asarray(reps, dtype=float)
    estimate = np.asarray(statistic(*arrays), dtype=float)
    a = (1 - level) / 2
    finite = np.where(np.isfinite(reps), reps, np.nan)
    with warnings.catch_warnings():  # an all-NaN column (no finite replicate) gives a NaN interval
        warnings.simplefilter("ignore", RuntimeWarning)
        lo = np.nanquantile(finite, a, axis=0)
        hi = np.nanquantile(finite, 1 - a, axis=0)
        se = np.nanstd(finite, axis=0, ddof=1)

    def out(x):
        return float(x) if np.ndim(x) == 0 else np.asarray(x, dtype=float)

    return {"estimate": out(estimate), "ci_low": out(lo), "ci_high": out(hi), "se": out(se), "n": int(n)}


def interval(r: dict, name: str = "estimate", prefix: str = "") -> dict:
    """The {<name>, <prefix>ci_low, <prefix>ci_high} columns of a :func:`bootstrap` result
    (the one way a table row gets its estimate and interval)."""
    return {name: r["estimate"], f"{prefix}ci_low": r["ci_low"], f"{prefix}ci_high": r["ci_high"]}


def mean(x: np.ndarray) -> float:
    """Mean of a 1-D array (NaN when empty)."""
    return float(np.mean(x)) if len(x) else float("nan")


def minimum_detectable_effect(se: float, level: float = CI, power: float = POWER) -> float:
    """Smallest true difference a two-sided test at ``level`` detects with ``power``:
    (z_{1-(1-level)/2} + z_power) x se."""
    return float((stats.norm.ppf(1 - (1 - level) / 2) + stats.norm.ppf(power)) * se)


# ---------------------------------------------------------------- bins
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


MARGIN_CLIP = 1e-12  # p_gold is clipped to [1e-12, 1 - 1e-12]: margins lie within +-27.6 nats


def margin(p_gold: np.ndarray) -> np.ndarray:
    """The classifier's margin on the gold label: its logit minus the other label's, in nats.

    With two labels and a softmax, that is log(p_gold) - log(1 - p_gold). Probabilities are clipped
    to ``MARGIN_CLIP`` from 0 and 1, because a bf16 logit gap beyond ~37 nats rounds p_gold to 1.

    Args:
        p_gold: (N,) probability of the gold label (two-label tasks).
    Returns:
        (N,) margins: > 0 where the example is classified correctly.
    """
    p = np.clip(np.asarray(p_gold, dtype=float), MARGIN_CLIP, 1 - MARGIN_CLIP)
    return np.log(p) - np.log1p(-p)


def seed_average(records: pd.DataFrame, keys: Sequence[str] = ("task", "id")) -> pd.DataFrame:
    """Per-example means over fine-tuning seeds of correct, p_gold, p_pred, margin (:func:`margin`
    of each record's p_gold) and p_gold_epoch*.

    Args:
        records: one row per (task, seed, id) [per model], as written by :mod:`precog.engine.finetune`.
    """
    if "p_gold" in records:
        records = records.assign(margin=margin(records["p_gold"].to_numpy(dtype=float)))
    cols = [c for c in records.columns if c in ("correct", "p_gold", "p_pred", "margin") or c.startswith("p_gold_epoch")]
    out = records.groupby(list(keys), sort=True)[cols].mean(numeric_only=False)
    out["correct"] = out["correct"].astype(float)
    out["n_seeds"] = records.groupby(list(keys), sort=True).size()
    return out.reset_index()


def accuracy_by_bin(
    df: pd.DataFrame, score: str, edges: Sequence[float] | None = None, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Accuracy per (task, bin) and pooled over tasks per bin, with bootstrap CIs.

    Args:
        df: one row per example with columns task, correct (seed-averaged) and ``score``.
    Returns:
        per_task: task, bin, label, lo, hi, n, accuracy, ci_low, ci_high.
        weighted: bin, label, lo, hi, n, accuracy (= sum_t n(t,b) acc(t,b) / sum_t n(t,b),
        the mean over the bin's examples), ci_low, ci_high (resampling within each task).
    """
    edges = default_edges() if edges is None else np.asarray(edges, dtype=float)
    labels = bin_labels(edges)
    bins = assign_bins(df[score].to_numpy(), edges)
    correct = df["correct"].to_numpy(dtype=float)
    tasks = df["task"].to_numpy()
    per_task, pooled = [], []
    for b in range(len(edges) - 1):
        where = {"bin": b, "label": labels[b], "lo": edges[b], "hi": edges[b + 1]}
        for t, task in enumerate(sorted(set(tasks))):
            m = (bins == b) & (tasks == task)
            r = bootstrap(mean, correct[m], seed=seed + 100 * b + t)
            per_task.append({"task": task, **where, "n": r["n"], **interval(r, "accuracy")})
        m = bins == b
        r = bootstrap(mean, correct[m], strata=tasks[m], seed=seed + 100 * b + 99)
        pooled.append({**where, "n": r["n"], **interval(r, "accuracy")})
    per_task = pd.DataFrame(per_task).sort_values(["task", "bin"], ignore_index=True)
    return per_task, pd.DataFrame(pooled)
