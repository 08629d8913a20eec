"""Effects of the controlled study (demo/smoke profiles): does being in the pre-training
corpus change fine-tuned accuracy? All intervals come from :func:`precog.stats.analysis.bootstrap`.

Inputs are the frames of :mod:`precog.compendium.pipeline`:

* ``study`` (:attr:`precog.compendium.frames.Run.study`): one row per (task, id, model in 0..K-1)
  with ``correct``, the example's ``arm``/``dose``, ``injected_into`` and ``seen``
  (injected into this model);
* ``random`` : one row per (task, id) with ``correct_random`` (random init, seeds averaged).

The crossover with K models: an injected example is seen by one model and unseen by the
K - 1 others, all fine-tuned identically, so its effect is ``correct(seen) - mean
correct(unseen)``, a paired difference that removes the example's difficulty. Because the
models are replicated, the pooled interval resamples models and then examples within each
model (:func:`two_level`), so it covers the randomness of continued pre-training and of
which examples each model saw, not only the sampling of examples. Transfer, where every
example is measured under several models, resamples examples and models independently
(:func:`crossed`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from precog.stats.analysis import bootstrap, interval, mean, minimum_detectable_effect
from precog.stats.association import logistic_terms

INTERVAL = ("estimate", "ci_low", "ci_high")


def two_level(values: np.ndarray, models: np.ndarray, seed: int = 0) -> dict:
    """Mean of ``values`` with the two-level bootstrap: models with replacement, then rows
    within each drawn model with replacement (:func:`precog.stats.analysis.bootstrap`).

    Args:
        values: (N,) one number per (example, model) row, e.g. seen - unseen correctness.
        models: (N,) the model each row belongs to (the cluster).
    Returns:
        estimate, ci_low, ci_high, se, n (rows), models (distinct clusters).
    """
    r = bootstrap(mean, np.asarray(values, dtype=float), clusters=np.asarray(models), within=True, seed=seed)
    return {**r, "models": int(len(pd.unique(np.asarray(models))))}


def crossover(study: pd.DataFrame, arm: str, dose: int, value: str = "correct") -> pd.DataFrame:
    """Per example of one injected cell: ``value`` (accuracy by default; e.g. ``precog@1``)
    under the model that saw it, its mean under the models that did not, and the difference.

    Returns:
        task, id, label, model (the one that saw it), seen, unseen, diff (seen - unseen).
    """
    part = study[(study["arm"] == arm) & (study["dose"] == dose)]
    wide = part.pivot_table(index=["task", "id", "label", "injected_into"], columns="seen", values=value).reset_index()
    wide = wide.rename(columns={True: "seen", False: "unseen", "injected_into": "model"})
    wide.columns.name = None
    return wide.assign(diff=wide["seen"] - wide["unseen"])


def per_model(diffs: pd.DataFrame) -> pd.DataFrame:
    """Mean of ``diff`` per model (the model that saw the examples), in model order.

    Returns:
        model, n, estimate.
    """
    out = diffs.groupby("model", sort=False)["diff"].agg(n="size", estimate="mean").reset_index()
    return out.iloc[np.argsort(out["model"].astype(int).to_numpy(), kind="stable")].reset_index(drop=True)


def cell_effects(study: pd.DataFrame, passes: int, seed: int = 0) -> pd.DataFrame:
    """Seen - unseen accuracy of every injected (arm, dose) cell, per task and pooled, with
    the two-level bootstrap over models and examples.

    Returns:
        arm, dose, exposures, task ("all" = pooled), n, models, acc_seen, acc_unseen,
        estimate, ci_low, ci_high, se.
    """
    rows = []
    cells = study.loc[study["arm"] != "never", ["arm", "dose"]].drop_duplicates().sort_values(["arm", "dose"])
    for i, (arm, dose) in enumerate(cells.itertuples(index=False)):
        diffs = crossover(study, arm, dose)
        parts = [(t, diffs[diffs["task"] == t]) for t in sorted(diffs["task"].unique())] + [("all", diffs)]
        for j, (task, d) in enumerate(parts):
            r = two_level(d["diff"].to_numpy(), d["model"].to_numpy(), seed=seed + 10 * i + j)
            rows.append({"arm": arm, "dose": int(dose), "exposures": int(dose) * passes, "task": task, "n": r["n"],
                         "models": r["models"], "acc_seen": mean(d["seen"].to_numpy()),
                         "acc_unseen": mean(d["unseen"].to_numpy()), **interval(r), "se": r["se"]})
    return pd.DataFrame(rows)


def transfer_rows(study: pd.DataFrame, random: pd.DataFrame) -> pd.DataFrame:
    """Every (example, pre-trained model) pair in which the model did not see the example,
    next to random init on the same example.

    Args:
        study: the study frame (one row per task, id, model).
        random: task, id, correct_random.
    Returns:
        task, id, model, correct, correct_random, diff (correct - correct_random).
    """
    unseen = study[~study["seen"]] if "seen" in study else study
    out = unseen[["task", "id", "model", "correct"]].merge(random[["task", "id", "correct_random"]], on=["task", "id"],
                                                          how="inner", validate="many_to_one")
    return out.assign(diff=out["correct"] - out["correct_random"])


def crossed(values: np.ndarray, examples: np.ndarray, models: np.ndarray, seed: int = 0) -> dict:
    """Mean of ``values`` over (example, model) rows of a crossed design (each example under
    several models), with examples and models resampled independently
    (:func:`precog.stats.analysis.resample`'s pigeonhole bootstrap): an example's difficulty is
    shared by all its rows, so resampling rows within models would count it K times.

    Returns:
        estimate, ci_low, ci_high, se, n (rows), models.
    """
    r = bootstrap(mean, np.asarray(values, dtype=float), clusters=np.asarray(examples), crossed=np.asarray(models),
                  seed=seed)
    return {**r, "models": int(len(pd.unique(np.asarray(models))))}


def transfer(rows: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Pre-trained minus random-init accuracy on examples the pre-trained model did not see,
    per task, with examples and models resampled independently (:func:`crossed`).

    Args:
        rows: :func:`transfer_rows`.
    Returns:
        task, n (example-model rows), examples, models, acc_pretrained, acc_random, estimate, ci_low, ci_high.
    """
    out = []
    for i, (task, d) in enumerate(rows.groupby("task", sort=True)):
        r = crossed(d["diff"].to_numpy(), d["id"].to_numpy(), d["model"].to_numpy(), seed=seed + i)
        out.append({"task": task, "n": r["n"], "examples": int(d["id"].nunique()), "models": r["models"],
                    "acc_pretrained": mean(d["correct"].to_numpy()), "acc_random": mean(d["correct_random"].to_numpy()),
                    **interval(r)})
    return pd.DataFrame(out)


def model_quality(study: pd.DataFrame) -> pd.DataFrame:
    """Each model's accuracy on the never-injected examples, against the mean of the others
    (a model better overall would look better on the examples it saw, too).

    Returns:
        model, n, accuracy, others (mean accuracy of the other models), gap (accuracy - others).
    """
    never = study[study["arm"] == "never"]
    acc = never.groupby("model")["correct"].mean()
    n = never.groupby("model").size()
    names = sorted(acc.index, key=int)
    rows = []
    for m in names:
        others = float(acc.drop(m).mean())
        rows.append({"model": m, "n": int(n[m]), "accuracy": float(acc[m]), "others": others, "gap": float(acc[m]) - others})
    return pd.DataFrame(rows)


def arm_terms(study: pd.DataFrame) -> pd.DataFrame:
    """The study frame with one 0/1 column per seen cell ('seen text@128', ...): the
    regressors of :func:`arm_regression` (reference: not seen by this model)."""
    out = study.copy()
    cells = study.loc[study["arm"] != "never", ["arm", "dose"]].drop_duplicates().sort_values(["arm", "dose"])
    for arm, dose in cells.itertuples(index=False):
        out[f"seen {arm}@{dose}"] = (out["seen"] & (out["arm"] == arm) & (out["dose"] == dose)).astype(float)
    return out


def arm_regression(study: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Logistic regression of correctness on the seen cells, adjusted (gold label and task as
    covariates) and unadjusted (no covariate at all); bootstrap over examples (each with its
    rows under every model) resampled within tasks.

    Returns:
        model ("adjusted"/"unadjusted"), term, coef, ci_low, ci_high, odds_ratio, n.
    """
    data = arm_terms(study)
    data["example"] = data["task"].astype(str) + ":" + data["id"].astype(str)
    terms = [c for c in data.columns if c.startswith("seen ")]
    adjusted = logistic_terms(data, terms, categorical=("label", "task"), strata="task", clusters="example", seed=seed)
    unadjusted = logistic_terms(data, terms, strata="task", clusters="example", seed=seed)
    return pd.concat([adjusted.assign(model="adjusted"), unadjusted.assign(model="unadjusted")], ignore_index=True)[
        ["model", "term", "coef", "ci_low", "ci_high", "odds_ratio", "n"]
    ]


def headline(study: pd.DataFrame, cells: pd.DataFrame, transfers: pd.DataFrame, passes: int) -> dict:
    """The headline numbers (figures/study_effects.json): accuracy differences as fractions.

    Keys: pretraining_transfer (per task), positive_control (text+label at the top dose),
    text_only (text at the top dose, plus ci_half_width and mde: the minimum detectable
    effect at alpha 0.05, power 0.8, from the two-level standard error); both with per_model
    (the K per-model estimates); models (K); exposures_per_copy (passes over the
    continued-training corpus); top_dose; interval (what the intervals resample).
    """
    pooled = cells[cells["task"] == "all"]
    top = int(pooled["dose"].max())

    def at_top(arm: str) -> tuple[pd.Series, list[dict]]:
        row = pooled[(pooled["arm"] == arm) & (pooled["dose"] == top)].iloc[0]
        models = per_model(crossover(study, arm, top))
        return row, [{"model": str(r.model), "estimate": float(r.estimate)} for r in models.itertuples()]

    (text, text_models), (label, label_models) = at_top("text"), at_top("text+label")
    return {
        "pretraining_transfer": {r.task: {k: float(getattr(r, k)) for k in INTERVAL} for r in transfers.itertuples()},
        "positive_control": {**{k: float(label[k]) for k in INTERVAL}, "n": int(label["n"]), "per_model": label_models},
        "text_only": {**{k: float(text[k]) for k in INTERVAL}, "n": int(text["n"]),
                      "ci_half_width": float(text["ci_high"] - text["ci_low"]) / 2,
                      "mde": minimum_detectable_effect(float(text["se"])), "per_model": text_models},
        "models": int(text["models"]),
        "exposures_per_copy": int(passes),
        "top_dose": top,
        "interval": "two-level bootstrap (the models, then the examples within each model)",
    }


def label_balance(manifest: pd.DataFrame) -> pd.DataFrame:
    """Share of label 1 per (task, arm, dose) of the manifest, next to the task's overall share."""
    out = manifest.groupby(["task", "arm", "dose"])["label"].agg(["size", "mean"]).reset_index()
    overall = manifest.groupby("task")["label"].mean().rename("task_mean")
    return out.merge(overall, on="task").rename(columns={"mean": "share_label1"})


def accuracy_table(records: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Accuracy per (task, model) with bootstrap CIs over examples.

    Args:
        records: one row per (task, id, model) with ``correct`` (seed-averaged or 0/1).
    Returns:
        task, model, n, accuracy, ci_low, ci_high.
    """
    rows = []
    for i, ((task, model), d) in enumerate(records.groupby(["task", "model"], sort=False)):
        r = bootstrap(mean, d["correct"].to_numpy(dtype=float), seed=seed + i)
        rows.append({"task": task, "model": model, "n": r["n"], **interval(r, "accuracy")})
    return pd.DataFrame(rows)


def model_rows(unseen: pd.DataFrame) -> pd.DataFrame:
    """The fine-tuned models' per-example correctness in the baseline table's long form
    (pre-trained: on examples it did not see; random init)."""
    parts = [unseen.assign(model="pre-trained (unseen examples)", correct=unseen["correct_pretrained"])]
    if unseen["correct_random"].notna().any():
        parts.append(unseen.assign(model="random init", correct=unseen["correct_random"]))
    return pd.concat(parts, ignore_index=True)[["task", "id", "label", "model", "correct"]]


def seen_vs_never(study: pd.DataFrame) -> pd.DataFrame:
    """Accuracy by the example's status in the model measuring it: never injected, unseen
    (given to another model) and seen, per arm and dose: the between-example view (study:
    the study frame, whose ``status`` column frames.with_membership derives)."""
    return study.groupby(["arm", "dose", "status"])["correct"].agg(["size", "mean"]).reset_index()
