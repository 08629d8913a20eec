"""The readings printed after every result follow the numbers, and the tables show rounded
values with bracketed intervals."""

from __future__ import annotations

import math

import pandas as pd

from precog.compendium import present


def bin_rows(acc, n, half=0.03):
    return [{"bin": i, "label": f"b{i}", "n": k, "accuracy": a, "ci_low": None if a is None else a - half,
             "ci_high": None if a is None else a + half} for i, (a, k) in enumerate(zip(acc, n, strict=True))]


def test_with_ci_brackets_the_interval_and_rounds():
    df = pd.DataFrame({"task": ["a", "b"], "accuracy": [0.72804, math.nan], "ci_low": [0.69131, math.nan],
                       "ci_high": [0.76614, math.nan], "other": [0.123456, 1.0]})
    out = present.with_ci(df, "accuracy")
    assert list(out.columns) == ["task", "accuracy [95% CI]", "other"]
    assert out["accuracy [95% CI]"].tolist() == ["0.728 [0.691, 0.766]", "–"]
    assert out["other"].tolist() == [0.123, 1.0]


def test_the_bin_reading_follows_the_numbers():
    apart = present.accuracy_by_bin({"precog@1": {"weighted": bin_rows([0.6, 0.8, 0.7], [50, 40, 3])}})
    assert "do not overlap" in apart and "from 0.600" in apart and "to 0.800" in apart
    assert "1 bin with fewer than 10 examples drawn grey" in apart and "PreCog@1" in apart
    close = present.accuracy_by_bin({"precog@1": {"weighted": bin_rows([0.70, 0.72, None], [50, 40, 0])}})
    assert "the two intervals overlap" in close and "1 bin empty" in close
    thin = present.accuracy_by_bin({"precog@1": {"weighted": bin_rows([0.7, 0.9], [50, 4])}})
    assert "no trend to read" in thin


def test_the_study_reading_says_which_way_the_interval_lies():
    effect = lambda e, lo, hi: {"estimate": e, "ci_low": lo, "ci_high": hi, "n": 100}  # noqa: E731
    headline = {"text_only": effect(0.02, -0.01, 0.05), "positive_control": effect(0.15, 0.1, 0.2), "top_dose": 128,
                "pretraining_transfer": {"t": effect(0.06, 0.02, 0.1)}}
    reg = [{"model": "adjusted", "term": "seen text@128", "coef": 0.14, "ci_low": -0.02, "ci_high": 0.3}]
    text = present.study(headline, reg)
    assert text.startswith("Not detectably") and "+0.140 log-odds" in text and "t +6.0 [+2.0, +10.0] points" in text
    headline["text_only"] = effect(0.05, 0.02, 0.08)
    assert present.study(headline, reg).startswith("Yes")


def test_the_baselines_reading_compares_the_intervals():
    row = lambda a, lo, hi: {"accuracy": a, "ci_low": lo, "ci_high": hi, "n": 10}  # noqa: E731
    numbers = {"t": {"pre-trained (unseen examples)": row(0.6, 0.57, 0.63), "random init": row(0.52, 0.49, 0.55)}}
    assert "(intervals apart)" in present.baselines(numbers)
    numbers["t"]["random init"] = row(0.58, 0.55, 0.61)
    assert "(intervals overlap)" in present.baselines(numbers)


def test_token_html_colours_by_rank_class_and_escapes():
    page = present.token_html(["<b>", "film"], [1, 900], [["x", "y"], ["a", "b"]])
    assert "&lt;b&gt;" in page and "<b>" not in page.split("<div")[1]
    assert "#009E73" in page and "#D55E00" in page and "top guesses: a, b" in page
    assert page.count("rank") >= 3  # the hovers and the legend


def test_widget_bundle_replaces_the_plain_text():
    import ipywidgets as widgets

    bundle = present.widget_bundle(widgets.HTML("x"), "(interactive view)")
    assert bundle["text/plain"] == "(interactive view)"
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_small_bins_get_no_interval_in_tables():
    df = pd.DataFrame({"n": [279, 2], "accuracy": [0.715, 1.0], "ci_low": [0.676, 1.0], "ci_high": [0.751, 1.0]})
    assert present.with_ci(df, "accuracy", min_n=10)["accuracy [95% CI]"].tolist() == [
        "0.715 [0.676, 0.751]", "1.000 (n < 10: no interval)"]


def test_datamap_names_an_interval_with_a_bound_at_zero():
    """[−0.20, 0.00] neither clearly includes nor excludes zero: the sentence must not say
    that every interval includes zero."""
    from precog.compendium import present

    row = {"score": "precog@50", "target": "variability", "n": 400}
    text = present.datamap({"spearman": [dict(row, estimate=-0.1, ci_low=-0.2, ci_high=0.0002),
                                         dict(row, target="confidence", estimate=0.01, ci_low=-0.09, ci_high=0.09)]})
    assert "No interval excludes zero (1 of them with a bound at zero" in text and "Every interval" not in text


def test_differences_are_shown_in_points_with_readable_headers():
    df = pd.DataFrame({"task": ["a"], "acc_seen": [0.61], "acc_unseen": [0.6], "estimate": [0.0123],
                       "ci_low": [-0.0049], "ci_high": [0.031], "se": [0.009]})
    out = present.readable(present.with_ci(df, "estimate", label="seen − unseen", points=("se",)).set_index("task"))
    assert list(out.columns) == ["accuracy, seen (share)", "accuracy, unseen (share)", "seen − unseen [95% CI], points",
                                 "standard error (points)"]
    assert out.iloc[0]["seen − unseen [95% CI], points"] == "1.2 [-0.5, 3.1]"
    assert out.iloc[0]["standard error (points)"] == 0.9
    assert present.readable(pd.DataFrame({"precog@1": [0.5]}).rename_axis("model")).columns[0] == "PreCog@1"
