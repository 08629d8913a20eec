"""Study v2's analysis (precog.stats.confirm) and the coverage simulation of its interval."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from precog.stats import confirm
from precog.stats.coverage import Design, coverage, example_sd, unseen_accuracies


def test_t_interval_is_mean_plus_minus_t_times_se():
    x = np.array([0.01, 0.03, -0.02, 0.04])
    r = confirm.t_interval(x)
    half = stats.t.ppf(0.975, 3) * x.std(ddof=1) / 2
    assert r["estimate"] == pytest.approx(0.015) and r["ci_high"] - r["estimate"] == pytest.approx(half)
    assert r["df"] == 3 and r["base_models"] == 4
    assert np.isnan(confirm.t_interval(np.array([0.1]))["ci_low"])


def test_base_means_average_runs_within_a_base_model_first():
    values = pd.Series([1.0, 1.0, 0.0, 0.0, 0.0, 0.0])
    runs = pd.Series(["a", "a", "b", "b", "b", "c"])
    bases = pd.Series(["x", "x", "x", "x", "x", "y"])
    assert confirm.base_means(values, runs, bases).tolist() == [0.5, 0.0]  # run a 1, run b 0 -> base x 0.5


@pytest.mark.parametrize("ci95, ci90, word", [
    ((0.01, 0.05), (0.015, 0.045), "superior"),
    ((0.001, 0.02), (0.002, 0.018), "superior, within the margin"),
    ((-0.02, 0.02), (-0.015, 0.015), "equivalent"),
    ((-0.06, -0.01), (-0.05, -0.02), "worse"),
    ((-0.04, 0.05), (-0.03, 0.04), "inconclusive"),
])
def test_verdicts_follow_the_registered_rules(ci95, ci90, word):
    assert confirm.verdict(ci95, ci90, 0.03)["verdict"] == word


def test_no_margin_means_no_equivalence():
    assert confirm.verdict((-0.01, 0.01), (-0.005, 0.005), None) == {"superiority": False, "equivalence": None,
                                                                     "verdict": "inconclusive"}


def test_iv_slope_recovers_a_known_dose_response():
    rng = np.random.default_rng(0)
    dose = np.repeat([2, 8, 32, 128], 500)
    x = np.repeat([0.1, 0.3, 0.6, 0.8], 500) + rng.normal(0, 0.1, 2000)
    y = 0.05 * x + rng.normal(0, 0.3, 2000)  # accuracy gain: 0.05 per unit of PreCog@1
    assert confirm.iv_slope(x, y, dose) == pytest.approx(0.05, abs=0.02)
    assert np.isnan(confirm.iv_slope(np.zeros(4), np.ones(4), np.array([2, 2, 8, 8])))


def test_heterogeneity_none_and_some():
    same = confirm.heterogeneity(np.array([0.01, 0.02, 0.0, 0.015]), np.full(4, 0.01))  # Q 2.2 on 3 df
    assert same["i2"] == 0 and same["tau"] == 0 and same["tau_low"] == 0 and same["tau_high"] > 0
    apart = confirm.heterogeneity(np.array([-0.2, 0.0, 0.2, 0.4, -0.3]), np.full(5, 0.01))
    assert apart["i2"] > 0.9 and apart["tau_low"] < apart["tau"] < apart["tau_high"]
    assert apart["q"] == pytest.approx(((np.array([-0.2, 0.0, 0.2, 0.4, -0.3]) - 0.02) ** 2).sum() / 1e-4)


def rows_frame(effect: float, runs: int = 4, n: int = 40, seed: int = 0) -> pd.DataFrame:
    """A pooled-rows frame of ``runs`` runs (each its own base), 3 models, one text cell at dose 8."""
    rng = np.random.default_rng(seed)
    out = []
    for r in range(runs):
        for i in range(n):
            owner = str(i % 3)
            for m in "012":
                seen = m == owner
                p = 0.6 + (effect if seen else 0)
                out.append({"run": f"run{r}", "base": f"b{r}", "task": "t" if i % 2 else "u", "id": i, "label": i % 2,
                            "model": m, "correct": float(rng.random() < p), "margin": rng.normal(0.5 if seen else 0, 1),
                            "precog@1": 0.9 if seen else 0.2, "arm": "text", "dose": 8, "injected_into": owner,
                            "seen": seen})
    return pd.DataFrame(out)


def test_cell_estimands_cover_every_task_outcome_and_the_pool():
    got = confirm.cell_estimands(rows_frame(0.3), [("text", 8)], margin_points=3)
    keys = {(g["task"], g["outcome"]) for g in got}
    assert keys == {(t, o) for t in ("t", "u", "all") for o in confirm.OUTCOMES}
    mem = next(g for g in got if g["task"] == "all" and g["outcome"] == "precog@1")
    assert mem["estimate"] == pytest.approx(0.7) and mem["runs"] == 4 and mem["base_models"] == 4
    acc = next(g for g in got if g["task"] == "all" and g["outcome"] == "correct")
    assert acc["superiority"] and len(acc["per_run"]) == 4


def test_status_bins_put_seen_rows_in_the_high_bins():
    bins = confirm.status_bins(rows_frame(0.0), "text", [0, 0.5, 1.0], min_n=5)
    seen = bins[bins["status"] == "seen"].set_index("bin")
    assert seen.loc[0, "n"] == 0 and seen.loc[1, "n"] == 160 and np.isfinite(seen.loc[1, "ci_low"])


def test_coverage_simulation_small():
    """A small version of benchmarks/coverage.py: the t-interval covers near 95%, and a 50%
    interval near 50% (the simulation measures coverage; it does not just report it high)."""
    tasks = {"a": unseen_accuracies([50, 20, 20, 20, 20, 20, 20, 80]), "b": unseen_accuracies([10, 5, 5, 5, 5, 10, 20, 100])}
    design = Design(base_models=8, pool=200, cell=40, models=4)
    wide = coverage(tasks, design, 0.03, 0.02, 0.04, studies=300, seed=1)
    narrow = coverage(tasks, design, 0.03, 0.02, 0.04, studies=300, seed=1, level=0.5)
    for k in ("a", "b", "all"):
        assert 0.89 <= wide[k]["coverage"] <= 0.99
        assert 0.40 <= narrow[k]["coverage"] <= 0.60
    assert example_sd(tasks["a"], 0.0, 4) == 0
