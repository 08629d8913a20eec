"""Statistics against values computed by hand on small arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from precog import analysis, overlap


def test_bins_are_half_open_with_a_closed_last_bin():
    edges = analysis.default_edges(5)
    got = analysis.assign_bins(np.array([0.0, 0.19, 0.2, 0.59, 0.8, 1.0, np.nan]), edges)
    assert got.tolist() == [0, 0, 1, 2, 4, 4, -1]
    assert analysis.bin_labels(edges)[0] == "[0.0, 0.2)" and analysis.bin_labels(edges)[-1] == "[0.8, 1.0]"


def test_seed_average():
    rec = pd.DataFrame(
        {
            "task": ["t"] * 4,
            "id": [1, 1, 2, 2],
            "seed": [0, 1, 0, 1],
            "correct": [True, False, True, True],
            "p_gold": [0.9, 0.4, 0.8, 0.6],
            "p_pred": [0.9, 0.6, 0.8, 0.6],
        }
    )
    avg = analysis.seed_average(rec)
    assert avg["correct"].tolist() == [0.5, 1.0] and avg["p_gold"].tolist() == pytest.approx([0.65, 0.7])
    assert avg["n_seeds"].tolist() == [2, 2]


def test_accuracy_by_bin_and_task_weighted_aggregate():
    # task a: bin 0 has correct 1, 0 (acc 0.5); bin 4 has 1 (acc 1). task b: bin 0 has 1, 1, 1, 0 (acc 0.75).
    df = pd.DataFrame(
        {
            "task": ["a", "a", "a", "b", "b", "b", "b"],
            "correct": [1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0],
            "score": [0.1, 0.15, 0.95, 0.0, 0.05, 0.1, 0.19],
        }
    )
    per_task, weighted = analysis.accuracy_by_bin(df, "score", n_boot=200)
    a0 = per_task[(per_task.task == "a") & (per_task.bin == 0)].iloc[0]
    assert (a0["n"], a0["accuracy"]) == (2, 0.5)
    assert weighted.loc[0, "n"] == 6
    assert weighted.loc[0, "accuracy"] == pytest.approx((2 * 0.5 + 4 * 0.75) / 6)
    assert weighted.loc[4, "accuracy"] == 1.0 and weighted["n"].sum() == len(df)
    assert np.isnan(weighted.loc[2, "accuracy"]) and weighted.loc[2, "n"] == 0
    assert weighted.loc[0, "ci_low"] <= weighted.loc[0, "accuracy"] <= weighted.loc[0, "ci_high"]


def test_bootstrap_ci_of_a_constant_is_the_constant():
    lo, hi = analysis.ci(analysis.bootstrap_means(np.ones(10)))
    assert lo == hi == 1.0


def test_correlations_hand_checked():
    df = pd.DataFrame({"score": [0.1, 0.2, 0.3, 0.4], "correct": [0.0, 0.0, 1.0, 1.0]})
    out = analysis.correlations(df, ["score"], n_boot=50).set_index("statistic")
    assert out.loc["spearman", "estimate"] == pytest.approx(np.sqrt(0.8))  # ranks 1..4 vs ties (1.5, 1.5, 3.5, 3.5)
    assert out.loc["point_biserial", "estimate"] == pytest.approx(0.8944271909999159)


def test_expected_calibration_error_by_hand():
    conf = np.array([0.95, 0.95, 0.65, 0.65])
    correct = np.array([1, 1, 1, 0])
    # bin [0.9, 1.0]: |1 - 0.95| = 0.05, weight 1/2; bin [0.6, 0.7): |0.5 - 0.65| = 0.15, weight 1/2
    assert analysis.expected_calibration_error(conf, correct) == pytest.approx(0.1)


def test_membership_auroc_by_hand():
    df = pd.DataFrame({"dose": [0, 0, 0, 16, 16, 4, 4], "s": [0.1, 0.2, 0.3, 0.9, 0.25, 0.05, 0.15]})
    out = analysis.membership_auroc(df, ["s"], n_boot=20).set_index("dose")
    assert out.loc[16, "auroc"] == pytest.approx((3 + 2) / 6)  # 0.9 beats all 3; 0.25 beats 2 of 3
    assert out.loc[4, "auroc"] == pytest.approx((0 + 1) / 6)


def test_logistic_coefficient_sign():
    rng = np.random.default_rng(0)
    x = rng.normal(size=400)
    y = (rng.random(400) < 1 / (1 + np.exp(-2 * x))).astype(float)
    df = pd.DataFrame({"task": "t", "score": x, "len": rng.normal(size=400), "correct": y})
    out = analysis.logistic_coefficient(df, "score", ["len"], n_boot=30)
    assert 1.4 < out["adjusted_coef"] < 2.6 and out["adjusted_ci_low"] > 0


def test_data_map():
    rec = pd.DataFrame({"p_gold_epoch1": [0.2, 0.5], "p_gold_epoch2": [0.4, 0.5], "p_gold_epoch3": [0.6, 0.5]})
    dm = analysis.data_map(rec)
    assert dm["confidence"].tolist() == pytest.approx([0.4, 0.5])
    assert dm["variability"].tolist() == pytest.approx([np.std([0.2, 0.4, 0.6]), 0.0])


def test_overlap_by_hand():
    got = overlap.overlap(["The cat sat.", "a dog", ""], ["the cat ran", "dog days"], 1)
    assert got[0] == pytest.approx(2 / 3) and got[1] == pytest.approx(1 / 2) and np.isnan(got[2])
    assert overlap.overlap(["the cat sat"], ["the cat ran"], 2)[0] == pytest.approx(1 / 2)


def test_mean_log_frequency():
    counts = overlap.token_counts([[1, 1, 2], [1]])
    assert overlap.mean_log_frequency([[1, 2], []], counts)[0] == pytest.approx((np.log(4) + np.log(2)) / 2)
    assert np.isnan(overlap.mean_log_frequency([[1, 2], []], counts)[1])
