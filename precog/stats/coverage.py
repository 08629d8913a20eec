"""The coverage of study v2's interval, measured by simulating its design
(docs/preregistration.md, "Interval and decision rules"; benchmarks/coverage.py runs it).

One simulated study has B base models (runs). Every run deals the *same* pool of examples per
task afresh, so examples are crossed with base models, as in the study. Of that pool, ``n`` are
the run's cell (e.g. text ×128). Each example i has:

* an unseen accuracy p_i, drawn from the empirical distribution measured in study v1;
* an effect of its own, u_i ~ N(0, σ_u), shared by every run that puts it in the cell. σ_u comes
  from the registered ICC: σ_u² = icc / (1 - icc) · σ_e², where σ_e² = E[p(1 - p)] (1 + 1/(K - 1))
  is the noise of one seen - unseen difference.

Each run b adds β_b ~ N(0, σ_b). An example's seen correctness is Bernoulli(clip(p_i + δ + β_b + u_i)),
and its unseen correctness is the mean of K - 1 Bernoulli(p_i). The run's estimate is its mean
difference, and the interval is :func:`precog.stats.confirm.t_interval` over the B runs. The truth
is the population mean of clip(p + δ + β + u) - p, computed once per scenario by Monte Carlo. So
clipping at 0 and 1 is part of the truth and not a bias. All effects are shares (0.03 = 3 points).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from precog.stats.confirm import t_interval

TRUTH_DRAWS = 2_000_000


@dataclass(frozen=True)
class Design:
    """What the simulation keeps of the study's design."""

    base_models: int = 8
    pool: int = 704  # examples per task, the same for every run
    cell: int = 128  # of them in the simulated cell, per run and task
    models: int = 4  # continuation models per run: an example is unseen by models - 1


def unseen_accuracies(sevenths: list[int]) -> np.ndarray:
    """The empirical unseen accuracies: value k/7 repeated counts[k] times."""
    return np.repeat(np.arange(len(sevenths)) / (len(sevenths) - 1), sevenths)


def example_sd(p: np.ndarray, icc: float, models: int) -> float:
    """σ_u of the module docstring: the SD of an example's own effect for a given ICC."""
    noise = float(np.mean(p * (1 - p))) * (1 + 1 / (models - 1))
    return float(np.sqrt(icc / (1 - icc) * noise))


def truth(p: np.ndarray, effect: float, base_sd: float, u_sd: float, seed: int = 0) -> float:
    """The population effect: mean of clip(p + effect + β + u, 0, 1) - p (Monte Carlo)."""
    rng = np.random.default_rng(seed)
    pp = rng.choice(p, TRUTH_DRAWS)
    q = np.clip(pp + effect + rng.normal(0, base_sd, TRUTH_DRAWS) + rng.normal(0, u_sd, TRUTH_DRAWS), 0, 1)
    return float(np.mean(q - pp))


def simulate_runs(rng: np.random.Generator, p: np.ndarray, design: Design, effect: float, base_shift: np.ndarray,
                  u_sd: float) -> np.ndarray:
    """One task of one simulated study: each run's mean seen - unseen difference.

    Args:
        p: the empirical unseen accuracies (:func:`unseen_accuracies`).
        base_shift: (B,) each run's β_b (shared by the tasks of a study).
    Returns:
        (B,) per-run estimates.
    """
    pool_p = rng.choice(p, design.pool)
    pool_u = rng.normal(0, u_sd, design.pool)
    b = design.base_models
    pick = np.argsort(rng.random((b, design.pool)), axis=1)[:, : design.cell]  # each run deals the pool afresh
    pi, ui = pool_p[pick], pool_u[pick]
    q = np.clip(pi + effect + base_shift[:, None] + ui, 0, 1)
    seen = rng.random(q.shape) < q
    unseen = rng.binomial(design.models - 1, pi) / (design.models - 1)
    return (seen - unseen).mean(axis=1)


def coverage(tasks: dict[str, np.ndarray], design: Design, effect: float, base_sd: float, icc: float,
             studies: int, seed: int = 0, level: float = 0.95) -> dict:
    """Coverage of the t-interval over ``studies`` simulated studies, per task and pooled.

    Args:
        tasks: task -> empirical unseen accuracies.
        effect, base_sd: δ and σ_b (shares).
        icc: the examples' ICC (sets σ_u per task).
    Returns:
        {task or "all": {coverage, mc_se (its Monte Carlo standard error), truth, mean_estimate,
        mean_half_width}}.
    """
    rng = np.random.default_rng(seed)
    names = sorted(tasks)
    sds = {t: example_sd(tasks[t], icc, design.models) for t in names}
    truths = {t: truth(tasks[t], effect, base_sd, sds[t], seed=seed + 1 + i) for i, t in enumerate(names)}
    truths["all"] = float(np.mean([truths[t] for t in names]))
    hits = {k: 0 for k in truths}
    est = {k: [] for k in truths}
    half = {k: [] for k in truths}
    for _ in range(studies):
        shift = rng.normal(0, base_sd, design.base_models)
        per = {t: simulate_runs(rng, tasks[t], design, effect, shift, sds[t]) for t in names}
        per["all"] = np.mean([per[t] for t in names], axis=0)  # equal cells: the mean over both tasks' rows
        for k, x in per.items():
            r = t_interval(x, level)
            hits[k] += int(r["ci_low"] <= truths[k] <= r["ci_high"])
            est[k].append(r["estimate"])
            half[k].append((r["ci_high"] - r["ci_low"]) / 2)
    out = {}
    for k in truths:
        c = hits[k] / studies
        out[k] = {"coverage": c, "mc_se": float(np.sqrt(c * (1 - c) / studies)), "truth": truths[k],
                  "mean_estimate": float(np.mean(est[k])), "mean_half_width": float(np.mean(half[k]))}
    return out
