"""Pooling runs of one design: the nested bootstrap against a plain definition, the variance
between runs, Figure 6's bins and slope, and reading committed runs back (refusals included)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from precog.compendium import replication
from precog.errors import PrecogError
from precog.stats import pooling
from precog.stats.analysis import bootstrap, mean, resample, resample_nested


def plain_nested(rng, base, run, model):
    """The nested resample written out level by level with loops over labels."""
    out = []
    for b in rng.choice(np.unique(base).size, np.unique(base).size):
        b_label = pd.unique(base)[b]
        runs = pd.unique(run[base == b_label])
        for r in rng.choice(len(runs), len(runs)):
            in_run = (base == b_label) & (run == runs[r])
            models = pd.unique(model[in_run])
            for m in rng.choice(len(models), len(models)):
                rows = np.flatnonzero(in_run & (model == models[m]))
                out.append(rows[rng.integers(0, len(rows), len(rows))])
    return np.concatenate(out)


def toy(seed=0):
    """2 base models, 3 runs (2 on the first), 3 models per run (names reused across runs), 4-6 rows each."""
    rng = np.random.default_rng(seed)
    rows = []
    for base, runs in (("seed 0", ("main", "rep 1")), ("seed 1", ("rep 2",))):
        for run in runs:
            for model in ("0", "1", "2"):
                for _ in range(int(rng.integers(4, 7))):
                    rows.append({"base": base, "run": run, "model": model, "diff": float(rng.normal())})
    return pd.DataFrame(rows)


def test_nested_resample_matches_the_plain_definition_draw_for_draw():
    df = toy()
    levels = [df[c].to_numpy() for c in ("base", "run", "model")]
    for seed in range(5):
        fast = resample_nested(np.random.default_rng(seed), levels)
        slow = plain_nested(np.random.default_rng(seed), *levels)
        assert np.array_equal(fast, slow)


def test_one_level_is_the_two_level_bootstrap():
    df = toy()
    models = (df["run"] + "/" + df["model"]).to_numpy()
    for seed in range(3):
        assert np.array_equal(resample_nested(np.random.default_rng(seed), [models]),
                              resample(np.random.default_rng(seed), len(df), clusters=models, within=True))


def test_a_model_name_reused_by_another_run_is_another_model():
    """Models '0' of two runs are different units: a drawn model's rows all come from one run."""
    df = toy()
    levels = [df[c].to_numpy() for c in ("base", "run", "model")]
    idx = resample_nested(np.random.default_rng(3), levels)
    drawn = df.iloc[idx]
    # consecutive blocks of one (run, model) never mix runs
    block = (drawn["model"] != drawn["model"].shift()) | (drawn["run"] != drawn["run"].shift())
    for _, part in drawn.groupby(block.cumsum()):
        assert part["run"].nunique() == 1 and part["model"].nunique() == 1


def test_between_base_variance_widens_the_pooled_interval():
    """Two base models whose runs differ by 10 points: the nested interval spans the gap,
    an interval over the models alone (16 interchangeable models) does not."""
    rng = np.random.default_rng(0)
    rows = []
    for base, shift in (("a", 0.0), ("b", 0.10)):
        for run in ("x", "y"):
            for model in range(8):
                rows += [{"base": base, "run": f"{base}{run}", "model": str(model), "diff": shift + rng.normal(0, 0.02)}
                         for _ in range(40)]
    df = pd.DataFrame(rows)
    nested = pooling.nested(df["diff"].to_numpy(), df)
    flat = bootstrap(mean, df["diff"].to_numpy(), clusters=(df["run"] + df["model"]).to_numpy(), within=True)
    assert nested["ci_high"] - nested["ci_low"] > 0.08 > flat["ci_high"] - flat["ci_low"]
    assert nested["base_models"] == 2 and nested["runs"] == 4 and nested["models"] == 32


def test_run_variance_and_runs_needed_by_hand():
    v = pooling.run_variance(np.array([0.03, -0.01, 0.01]), np.array([0.01, 0.01, 0.01]))
    assert v["observed_sd"] == pytest.approx(0.02) and v["expected_sd"] == pytest.approx(0.01)
    assert v["tau"] == pytest.approx(np.sqrt(0.02**2 - 0.01**2))
    assert pooling.run_variance(np.array([0.01, 0.011]), np.array([0.02, 0.02]))["tau"] == 0.0
    # 4 runs at half-width 3 points: (3 / 2)^2 * 4 = 9 runs for 2 points; at 2 points already, 4
    assert pooling.runs_needed(4, 0.03, 0.02) == 9 and pooling.runs_needed(4, 0.02, 0.02) == 4
    assert np.isnan(pooling.runs_needed(4, float("nan"), 0.02))


def test_slope_and_bins_on_toy_gains():
    rng = np.random.default_rng(0)
    df = toy()
    df["mem_gain"] = rng.uniform(0, 1, len(df))
    df["diff"] = 0.3 * df["mem_gain"] + rng.normal(0, 0.01, len(df))
    s = pooling.gain_slope(df)
    assert s["estimate"] == pytest.approx(0.3, abs=0.02) and s["ci_low"] < 0.3 < s["ci_high"]
    bins = pooling.gain_bins(df, np.linspace(0, 1, 6))
    assert bins["n"].sum() == len(df) and list(bins["bin"]) == [0, 1, 2, 3, 4]
    assert list(bins["label"][[0, 4]]) == ["[0.0, 0.2)", "[0.8, 1.0]"]  # the labels of every binned figure
    shown = bins[bins["n"] >= pooling.MIN_N]
    assert shown["estimate"].is_monotonic_increasing and shown["ci_low"].notna().all()
    assert bins.loc[bins["n"] < pooling.MIN_N, "ci_low"].isna().all()
    assert np.isnan(pooling.slope(np.ones(5), np.arange(5.0)))


def study_rows(seed: int, effect: float) -> pd.DataFrame:
    """A run's study_rows.csv: 2 models, 'text' examples seen by one of them; accuracy rises by ``effect`` when seen."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(40):
        owner, arm = str(i % 2), ("text" if i < 20 else "text+label" if i < 30 else "never")
        for model in ("0", "1", "random"):
            seen = model == owner and arm != "never"
            p = 0.6 + (effect if seen else 0.0) if model != "random" else 0.5
            rows.append({"task": "t", "id": i, "label": i % 2, "model": model, "correct": float(rng.random() < p),
                         "margin": rng.normal(1.0 if seen else 0.0, 1.0) if model != "random" else np.nan,
                         "precog@1": (0.9 if seen else 0.2) if model != "random" else np.nan, "arm": arm,
                         "dose": 0 if arm == "never" else 8, "injected_into": owner if arm != "never" else np.nan,
                         "seen": seen})
    return pd.DataFrame(rows)


def write_run(folder, replicate_number, seed, design="d", pretrain_seed=0, effect=0.1):
    folder.mkdir(parents=True, exist_ok=True)
    ci = {"estimate": effect, "ci_low": effect - 0.05, "ci_high": effect + 0.05}
    effects = {"design": design, "top_dose": 8, "text_only": ci, "positive_control": ci,
               "pretraining_transfer": {"t": ci},
               "run": {"replicate": replicate_number, "pretrain_seed": pretrain_seed, "base_model": f"sum{pretrain_seed}",
                       "machine": "test"}}
    study_rows(seed, effect).to_csv(folder / "study_rows.csv", index=False)
    effects["rows_file"] = replication.rows_record(folder / "study_rows.csv")
    (folder / "study_effects.json").write_text(json.dumps(effects))
    return effects


def test_committed_runs_are_pooled_and_another_design_is_listed_not_dropped(tmp_path):
    main = write_run(tmp_path / "main", 0, 0)
    write_run(tmp_path / "replicate1", 1, 1)
    write_run(tmp_path / "replicate2", 2, 2, pretrain_seed=1)
    write_run(tmp_path / "replicate10", 10, 3, design="other")
    folders = replication.replicate_folders(tmp_path)
    assert [f.name for f in folders] == ["replicate1", "replicate2", "replicate10"]  # numeric order
    rows, runs, left = replication.gather(replication.read_run(tmp_path / "main"), replication.read_replicates(tmp_path))
    assert [replication.run_name(r) for r in runs] == ["main run", "replicate 1", "replicate 2"]
    assert left == [{"run": "replicate 10", "design": "other"}]
    assert set(rows["base"]) == {"sum0", "sum1"}  # base models by checksum
    pooled = replication.pooled_effects(rows, runs, left, main["top_dose"])
    assert pooled["text_only"]["runs"] == 3 and pooled["base_models"] == 2 and pooled["models"] == 6
    assert pooled["not_pooled"] == left and len(pooled["runs"]) == 3
    diffs = pooling.pooled_crossover(rows, "text", 8)
    per_base = diffs.groupby(["base", "run"])["diff"].mean().groupby(level="base").mean()  # runs averaged per base first
    assert len(diffs) == 3 * 20 and pooled["text_only"]["estimate"] == pytest.approx(per_base.mean())
    assert pooled["text_only"]["base_models"] == 2 and pooled["confirmatory"]["registered"] is False  # dose 8: top dose
    assert np.allclose(diffs["mem_gain"], 0.7)


DAMAGES = {  # damage -> (the file named, the words of the refusal)
    "missing": ("study_effects.json", "is missing or corrupt"),
    "corrupt": ("study_effects.json", "is missing or corrupt"),
    "misnumbered": ("study_effects.json", "holds replicate 7, not 1"),
    "no record": ("study_effects.json", "records no rows file"),
    "truncated": ("study_rows.csv", r"has 118 rows where its study_effects.json records 120 \(truncated"),
    "edited": ("study_rows.csv", "differs from what its study_effects.json records"),
    "rows file gone": ("study_rows.csv", "is missing;"),
    "header only": ("study_rows.csv", "is missing or corrupt"),  # recorded as it is: the content is refused
    "no PreCog@1": ("study_rows.csv", "is missing or corrupt"),
    "a model short": ("study_rows.csv", "is missing or corrupt"),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_run_is_refused_naming_the_file(tmp_path, damage):
    folder = tmp_path / "replicate1"
    write_run(folder, 1, 1)
    effects, rows = folder / "study_effects.json", folder / "study_rows.csv"
    data = json.loads(effects.read_text())
    if damage == "missing":
        effects.unlink()
    elif damage == "corrupt":
        effects.write_text("{ not json")
    elif damage == "misnumbered":
        data["run"]["replicate"] = 7
    elif damage == "no record":
        del data["rows_file"]
    elif damage == "truncated":
        rows.write_text("".join(rows.read_text().splitlines(keepends=True)[:-2]))
    elif damage == "edited":
        rows.write_text(rows.read_text().replace(",1.0,", ",0.0,", 1))
    elif damage == "rows file gone":
        rows.unlink()
    elif damage == "header only":
        rows.write_text(rows.read_text().splitlines()[0] + "\n")
    elif damage == "no PreCog@1":
        df = pd.read_csv(rows)
        df.loc[df["model"] != "random", "precog@1"] = np.nan
        df.to_csv(rows, index=False)
    else:
        data["text_only"]["per_model"] = [{"model": m, "estimate": 0.0} for m in ("0", "1", "2")]
    if damage in ("header only", "no PreCog@1"):  # written so by a run: its record vouches for the bad content
        data["rows_file"] = replication.rows_record(rows)
    if damage not in ("missing", "corrupt"):
        effects.write_text(json.dumps(data))
    name, words = DAMAGES[damage]
    with pytest.raises(PrecogError, match=rf"replicate1/{name} {words}"):
        replication.read_replicates(tmp_path)


def test_a_missing_memorization_gain_is_refused_not_binned():
    df = toy().assign(mem_gain=0.5)
    df.loc[0, "mem_gain"] = np.nan
    with pytest.raises(ValueError, match="1 rows have no memorization gain"):
        pooling.gain_bins(df, np.linspace(0, 1, 6))
