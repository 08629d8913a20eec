"""Statistics against values computed by hand on small arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from precog.data import text as overlap
from precog.stats import analysis, association, dynamics


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
    per_task, weighted = analysis.accuracy_by_bin(df, "score")
    a0 = per_task[(per_task.task == "a") & (per_task.bin == 0)].iloc[0]
    assert (a0["n"], a0["accuracy"]) == (2, 0.5)
    assert weighted.loc[0, "n"] == 6
    assert weighted.loc[0, "accuracy"] == pytest.approx((2 * 0.5 + 4 * 0.75) / 6)
    assert weighted.loc[4, "accuracy"] == 1.0 and weighted["n"].sum() == len(df)
    assert np.isnan(weighted.loc[2, "accuracy"]) and weighted.loc[2, "n"] == 0
    assert weighted.loc[0, "ci_low"] <= weighted.loc[0, "accuracy"] <= weighted.loc[0, "ci_high"]


def test_bootstrap_ci_of_a_constant_is_the_constant():
    r = analysis.bootstrap(analysis.mean, np.ones(10))
    assert r["estimate"] == r["ci_low"] == r["ci_high"] == 1.0 and r["se"] == 0 and r["n"] == 10


def test_bootstrap_percentile_interval_derived_by_hand():
    data = np.array([0.0, 1.0, 3.0])
    r = analysis.bootstrap(analysis.mean, data, n_boot=5, seed=7, level=0.5)
    rng = np.random.default_rng(7)  # the same draws, done here by hand
    means = np.sort([data[rng.integers(0, 3, 3)].mean() for _ in range(5)])
    # numpy's default quantile interpolates linearly: position q * (n - 1) in the sorted replicates
    lo = means[1] + 0.0 * (means[2] - means[1])  # q = 0.25 -> position 1.0
    hi = means[3]  # q = 0.75 -> position 3.0
    assert (r["estimate"], r["ci_low"], r["ci_high"]) == (pytest.approx(4 / 3), pytest.approx(lo), pytest.approx(hi))
    assert r["se"] == pytest.approx(np.std(means, ddof=1))


def test_bootstrap_strata_keep_their_sizes():
    # two strata, values 0 in one and 1 in the other: every stratified resample has mean 1/4
    values = np.r_[np.zeros(3), np.ones(1)]
    r = analysis.bootstrap(analysis.mean, values, strata=np.array(["a", "a", "a", "b"]))
    assert r["ci_low"] == r["ci_high"] == 0.25
    loose = analysis.bootstrap(analysis.mean, values)
    assert loose["ci_low"] < 0.25 < loose["ci_high"]


def test_minimum_detectable_effect():
    # (1.959964 + 0.841621) x se
    assert analysis.minimum_detectable_effect(0.01) == pytest.approx(0.0280159, abs=1e-6)


def test_correlations_hand_checked():
    df = pd.DataFrame({"score": [0.1, 0.2, 0.3, 0.4], "correct": [0.0, 0.0, 1.0, 1.0]})
    df["task"] = "t"
    out = association.correlations(df, ["score"])
    out = out[out["task"] == "all"].set_index("statistic")
    assert out.loc["spearman", "estimate"] == pytest.approx(np.sqrt(0.8))  # ranks 1..4 vs ties (1.5, 1.5, 3.5, 3.5)
    # point-biserial = Pearson of x = (1, 2, 3, 4)/10 with y = (0, 0, 1, 1): cov / (sd_x sd_y)
    x, y = np.array([1.0, 2, 3, 4]), np.array([0.0, 0, 1, 1])
    expected = ((x - x.mean()) * (y - y.mean())).sum() / np.sqrt(((x - x.mean()) ** 2).sum() * ((y - y.mean()) ** 2).sum())
    assert expected == pytest.approx(2 / np.sqrt(5))  # 2 / (sqrt(5) * 1)
    assert out.loc["point_biserial", "estimate"] == pytest.approx(expected)


def test_expected_calibration_error_by_hand():
    conf = np.array([0.95, 0.95, 0.65, 0.65])
    correct = np.array([1, 1, 1, 0])
    # bin [0.9, 1.0]: |1 - 0.95| = 0.05, weight 1/2; bin [0.6, 0.7): |0.5 - 0.65| = 0.15, weight 1/2
    assert dynamics.expected_calibration_error(conf, correct) == pytest.approx(0.1)


def test_auroc_matches_sklearn_with_ties():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 50)
    s = rng.integers(0, 5, 50).astype(float)
    assert association.auroc(y, s) == pytest.approx(roc_auc_score(y, s))


def test_auroc_counts_ties_as_one_half():
    # positives 0.8, 0.5; negatives 0.5, 0.2: pairs (0.8 > 0.5), (0.8 > 0.2), (0.5 = 0.5: 1/2), (0.5 > 0.2)
    assert association.auroc(np.array([1, 1, 0, 0]), np.array([0.8, 0.5, 0.5, 0.2])) == pytest.approx(3.5 / 4)
    assert np.isnan(association.auroc(np.array([1, 1]), np.array([0.3, 0.4])))  # one class only


def test_membership_auroc_by_hand():
    df = pd.DataFrame({"dose_seen": [0, 0, 0, 16, 16, 4, 4], "s": [0.1, 0.2, 0.3, 0.9, 0.25, 0.05, 0.15]})
    out = association.membership_auroc(df, ["s"]).set_index("dose_seen")
    assert out.loc[16, "auroc"] == pytest.approx((3 + 2) / 6)  # 0.9 beats all 3; 0.25 beats 2 of 3
    assert out.loc[4, "auroc"] == pytest.approx((0 + 1) / 6)


def test_logistic_fit_matches_a_closed_form():
    # one binary regressor: the coefficient is the log odds ratio of the 2x2 table
    x = np.array([[0.0]] * 4 + [[1.0]] * 4)
    y = np.array([1, 0, 0, 0, 1, 1, 1, 0], dtype=float)
    expected = np.log((3 / 1) / (1 / 3))
    assert association.logistic_fit(x, y)[0] == pytest.approx(expected, rel=1e-6)
    # a seed average enters as its share: [0.25] * 4 is the same likelihood as one 1 and three 0s
    x2 = np.array([[0.0], [1.0]])
    assert association.logistic_fit(x2, np.array([0.25, 0.75]))[0] == pytest.approx(expected, rel=1e-6)


def test_logistic_fit_matches_sklearn():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    x = np.c_[rng.random(300), rng.integers(5, 60, 300), rng.integers(0, 2, 300)].astype(float)
    share = (rng.random((300, 3)) < 1 / (1 + np.exp(-(0.5 + 1.2 * x[:, 0] - 0.02 * x[:, 1])))[:, None]).mean(1)
    # sklearn needs 0/1 labels: each example twice, right with weight share, wrong with weight 1 - share
    ref = LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-10).fit(
        np.vstack([x, x]), np.r_[np.ones(300), np.zeros(300)], sample_weight=np.r_[share, 1 - share])
    assert association.logistic_fit(x, share) == pytest.approx(ref.coef_[0], rel=1e-6, abs=1e-8)


def test_logistic_fit_refuses_separated_classes_and_constant_outcomes():
    x = np.r_[np.zeros(20), np.ones(20)][:, None]
    separated = np.r_[np.zeros(20), np.ones(20)]  # x = 1 always right, x = 0 always wrong: no finite estimate
    assert np.isnan(association.logistic_fit(x, separated)).all()
    assert np.isnan(association.logistic_fit(x, np.full(40, 0.5))).all()


def test_logistic_terms_adjusted_and_unadjusted():
    rng = np.random.default_rng(0)
    x = rng.normal(size=400)
    y = (rng.random(400) < 1 / (1 + np.exp(-2 * x))).astype(float)
    df = pd.DataFrame({"task": np.where(np.arange(400) % 2, "a", "b"), "score": x, "len": rng.normal(size=400), "correct": y})
    adj = association.logistic_terms(df, ["score"], covariates=["len"], categorical=["task"], strata="task").iloc[0]
    raw = association.logistic_terms(df, ["score"]).iloc[0]
    assert 1.4 < adj["coef"] < 2.6 and adj["ci_low"] > 0 and adj["n"] == 400
    assert raw["coef"] == pytest.approx(association.logistic_fit(x[:, None], y)[0])


def test_data_map():
    rec = pd.DataFrame({"p_gold_epoch1": [0.2, 0.5], "p_gold_epoch2": [0.4, 0.5], "p_gold_epoch3": [0.6, 0.5]})
    dm = dynamics.data_map(rec)
    assert dm["confidence"].tolist() == pytest.approx([0.4, 0.5])
    assert dm["variability"].tolist() == pytest.approx([np.std([0.2, 0.4, 0.6]), 0.0])


def test_words_and_ngrams():
    assert overlap.words("The cat's hat, 2 hats!") == ["the", "cat", "s", "hat", "2", "hats"]
    assert overlap.ngrams(["a", "b", "c"], 2) == [("a", "b"), ("b", "c")]


def test_two_level_bootstrap_against_hand_computed_cases():
    """Two models with two examples each. Constant within models (0,0 | 1,1): only the draw of
    models varies, so the mean is 0, 1/2 or 1 with probabilities 1/4, 1/2, 1/4 (sd sqrt(1/8)),
    where a bootstrap over rows alone would say sd 1/4. Identical models (0,1 | 0,1): drawing
    models changes nothing, drawing rows within them gives the mean of four fair coins (sd 1/4);
    resampling whole models only gives exactly 1/2 every time."""
    from precog.stats.analysis import bootstrap, mean

    models = np.array(["a", "a", "b", "b"])
    between = bootstrap(mean, np.array([0.0, 0.0, 1.0, 1.0]), clusters=models, within=True, n_boot=4000, seed=1)
    assert between["se"] == pytest.approx(np.sqrt(1 / 8), abs=0.01)
    assert (between["ci_low"], between["ci_high"]) == (0.0, 1.0)
    rows_only = bootstrap(mean, np.array([0.0, 0.0, 1.0, 1.0]), n_boot=4000, seed=1)
    assert rows_only["se"] == pytest.approx(0.25, abs=0.01)
    inside = bootstrap(mean, np.array([0.0, 1.0, 0.0, 1.0]), clusters=models, within=True, n_boot=4000, seed=1)
    assert inside["se"] == pytest.approx(0.25, abs=0.01)
    whole = bootstrap(mean, np.array([0.0, 1.0, 0.0, 1.0]), clusters=models, within=False, n_boot=200, seed=1)
    assert whole["ci_low"] == whole["ci_high"] == 0.5 and whole["se"] == 0


def test_cluster_bootstrap_keeps_strata_and_whole_clusters():
    from precog.stats.analysis import resample

    rng = np.random.default_rng(0)
    strata = np.array(["t1"] * 4 + ["t2"] * 2)
    clusters = np.array(["x", "x", "y", "y", "z", "z"])
    for _ in range(50):
        idx = resample(rng, 6, strata, clusters)
        assert (strata[idx] == "t1").sum() == 4 and (strata[idx] == "t2").sum() == 2
        picked = list(clusters[idx])
        assert all(picked.count(c) % 2 == 0 for c in "xyz")  # whole clusters


def test_crossed_bootstrap_draws_examples_and_models_independently():
    """Rows of a 2-example x 2-model design appear (draws of their example) x (draws of
    their model) times. With y = example effect only (0 for e1, 1 for e2 under both models),
    the mean varies only through the example draw: 0, 1/2, 1 with probabilities 1/4, 1/2,
    1/4 (sd sqrt(1/8)), while resampling rows within each model treats the 4 rows as
    independent (sd 1/4): the example's shared difficulty would be counted twice."""
    from precog.stats.analysis import bootstrap, mean, resample

    examples, models = np.array(["e1", "e1", "e2", "e2"]), np.array(["m1", "m2", "m1", "m2"])
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(100):
        c = np.bincount(resample(rng, 4, clusters=examples, crossed=models), minlength=4)  # rows e1m1, e1m2, e2m1, e2m2
        assert c.sum() == 4 and c[0] * c[3] == c[1] * c[2]  # a product of draws: rank one
        seen.add(tuple(c))
    assert (4, 0, 0, 0) in seen and (1, 1, 1, 1) in seen and (2, 2, 0, 0) in seen
    y = np.array([0.0, 0.0, 1.0, 1.0])
    crossed = bootstrap(mean, y, clusters=examples, crossed=models, n_boot=4000, seed=1)
    assert crossed["se"] == pytest.approx(np.sqrt(1 / 8), abs=0.01)
    rows_in_models = bootstrap(mean, y, clusters=models, within=True, n_boot=4000, seed=1)
    assert rows_in_models["se"] == pytest.approx(0.25, abs=0.01)


def _naive_cluster_resample(rng, n, strata, clusters, within):
    """The cluster bootstrap written plainly: one pass over the rows per cluster."""
    strata_of = pd.factorize(strata)[0]
    codes = pd.factorize(clusters)[0]
    members = [np.flatnonzero(codes == c) for c in range(codes.max() + 1)]
    parts = []
    for s in np.unique(strata_of):
        pool = [c for c in range(len(members)) if strata_of[members[c][0]] == s]
        for c in rng.choice(pool, len(pool)):
            parts.append(members[c][rng.integers(0, len(members[c]), len(members[c]))] if within else members[c])
    return np.concatenate(parts)


@pytest.mark.parametrize("within", [False, True])
def test_cluster_resample_matches_the_plain_definition_draw_for_draw(within):
    """Clusters interleaved and of unequal sizes, two strata: the fast grouping (one sort)
    gives the same rows from the same generator as a pass per cluster."""
    from precog.stats.analysis import resample

    gen = np.random.default_rng(3)
    clusters = gen.integers(0, 40, 500).astype(str)
    strata = np.where(np.char.str_len(clusters) == 1, "short", "long")
    fast, plain = np.random.default_rng(7), np.random.default_rng(7)
    for _ in range(20):
        assert np.array_equal(resample(fast, 500, strata, clusters, within),
                              _naive_cluster_resample(plain, 500, strata, clusters, within))


def test_crossed_resample_matches_the_plain_definition_and_missing_clusters_are_refused():
    """The crossed path draws the same rows as the plain definition (a pass per cluster); a
    row without a cluster label is an error, not a row silently given another's draws."""
    from precog.stats.analysis import resample

    gen = np.random.default_rng(4)
    clusters, models = gen.integers(0, 30, 300).astype(str), gen.integers(0, 5, 300)

    def plain(rng):
        codes, levels = pd.factorize(clusters)[0], pd.factorize(models)[0]
        drawn = np.zeros(codes.max() + 1, dtype=int)
        np.add.at(drawn, rng.choice(list(range(codes.max() + 1)), codes.max() + 1), 1)
        times = np.bincount(rng.integers(0, levels.max() + 1, levels.max() + 1), minlength=levels.max() + 1)
        return np.repeat(np.arange(300), drawn[codes] * times[levels])

    fast, slow = np.random.default_rng(9), np.random.default_rng(9)
    for _ in range(10):
        assert np.array_equal(resample(fast, 300, clusters=clusters, crossed=models), plain(slow))
    with pytest.raises(ValueError, match="no cluster label"):
        resample(np.random.default_rng(0), 3, clusters=np.array(["a", None, "b"], dtype=object), crossed=np.arange(3))
