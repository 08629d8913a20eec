"""Effects of the controlled study (demo/smoke profiles): does being in the pre-training
corpus change fine-tuned accuracy? All intervals come from :func:`precog.analysis.bootstrap`.

Inputs are the frames of :mod:`precog.pipeline`:

* ``study`` (:func:`precog.pipeline.study_frame`): one row per (task, id, model in A/B)
  with seed-averaged ``correct``, the example's ``arm``/``dose``, ``injected_into`` and
  ``seen`` (injected into this model);
* ``unseen`` (:func:`precog.pipeline.unseen_frame`): one row per (task, id) with
  ``correct_pretrained`` (models that did not see it) and ``correct_random``.

The crossover: an injected example is seen by one model and unseen by the other, both
fine-tuned identically, so its effect is ``correct(seen) - correct(unseen)``, a paired
difference that removes the example's difficulty.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from precog.analysis import bootstrap, logistic_terms, mean, minimum_detectable_effect

INTERVAL = ("estimate", "ci_low", "ci_high")


def _interval(r: dict) -> dict:
    return {k: r[k] for k in INTERVAL}


def crossover(study: pd.DataFrame, arm: str, dose: int) -> pd.DataFrame:
    """Per example of one injected cell: accuracy when seen, when unseen, and the difference.

    Returns:
        task, id, label, seen, unseen, diff (seen - unseen), one row per example.
    """
    part = study[(study["arm"] == arm) & (study["dose"] == dose)]
    wide = part.pivot_table(index=["task", "id", "label"], columns="seen", values="correct").reset_index()
    wide = wide.rename(columns={True: "seen", False: "unseen"})
    wide.columns.name = None
    return wide.assign(diff=wide["seen"] - wide["unseen"])


def cell_effects(study: pd.DataFrame, passes: int, seed: int = 0) -> pd.DataFrame:
    """Seen - unseen accuracy of every injected (arm, dose) cell, per task and pooled.

    Returns:
        arm, dose, exposures, task ("all" = pooled, resampled within tasks), n, acc_seen,
        acc_unseen, estimate, ci_low, ci_high, se.
    """
    rows = []
    cells = study.loc[study["arm"] != "never", ["arm", "dose"]].drop_duplicates().sort_values(["arm", "dose"])
    for i, (arm, dose) in enumerate(cells.itertuples(index=False)):
        diffs = crossover(study, arm, dose)
        parts = [(t, diffs[diffs["task"] == t]) for t in sorted(diffs["task"].unique())] + [("all", diffs)]
        for j, (task, d) in enumerate(parts):
            r = bootstrap(mean, d["diff"].to_numpy(), strata=d["task"].to_numpy(), seed=seed + 10 * i + j)
            rows.append({"arm": arm, "dose": int(dose), "exposures": int(dose) * passes, "task": task, "n": r["n"],
                         "acc_seen": mean(d["seen"].to_numpy()), "acc_unseen": mean(d["unseen"].to_numpy()),
                         **_interval(r), "se": r["se"]})
    return pd.DataFrame(rows)


def transfer(unseen: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Pre-trained minus random-init accuracy on the same (unseen) examples, per task.

    Returns:
        task, n, acc_pretrained, acc_random, estimate, ci_low, ci_high.
    """
    rows = []
    for i, (task, d) in enumerate(unseen.groupby("task", sort=True)):
        a, b = d["correct_pretrained"].to_numpy(), d["correct_random"].to_numpy()
        r = bootstrap(mean, a - b, seed=seed + i)
        rows.append({"task": task, "n": r["n"], "acc_pretrained": mean(a), "acc_random": mean(b), **_interval(r)})
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
    covariates) and unadjusted (no covariate at all); bootstrap over (example, model) rows
    resampled within tasks.

    Returns:
        model ("adjusted"/"unadjusted"), term, coef, ci_low, ci_high, odds_ratio, n.
    """
    data = arm_terms(study)
    terms = [c for c in data.columns if c.startswith("seen ")]
    adjusted = logistic_terms(data, terms, categorical=("label", "task"), strata="task", seed=seed)
    unadjusted = logistic_terms(data, terms, strata="task", seed=seed)
    return pd.concat([adjusted.assign(model="adjusted"), unadjusted.assign(model="unadjusted")], ignore_index=True)[
        ["model", "term", "coef", "ci_low", "ci_high", "odds_ratio", "n"]
    ]


def headline(cells: pd.DataFrame, transfers: pd.DataFrame, passes: int) -> dict:
    """The headline numbers (figures/study_effects.json): accuracy differences as fractions.

    Keys: pretraining_transfer (per task), positive_control (text+label at the top dose),
    text_only (text at the top dose, plus ci_half_width and mde: the minimum detectable
    effect at alpha 0.05, power 0.8), exposures_per_copy (passes over the continued-training corpus), top_dose.
    """
    pooled = cells[cells["task"] == "all"]
    top = int(pooled["dose"].max())

    def at_top(arm: str) -> pd.Series:
        return pooled[(pooled["arm"] == arm) & (pooled["dose"] == top)].iloc[0]

    text, label = at_top("text"), at_top("text+label")
    return {
        "pretraining_transfer": {r.task: {k: float(getattr(r, k)) for k in INTERVAL} for r in transfers.itertuples()},
        "positive_control": {**{k: float(label[k]) for k in INTERVAL}, "n": int(label["n"])},
        "text_only": {**{k: float(text[k]) for k in INTERVAL}, "n": int(text["n"]),
                      "ci_half_width": float(text["ci_high"] - text["ci_low"]) / 2,
                      "mde": minimum_detectable_effect(float(text["se"]))},
        "exposures_per_copy": int(passes),
        "top_dose": top,
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
        rows.append({"task": task, "model": model, "n": r["n"], "accuracy": r["estimate"],
                     "ci_low": r["ci_low"], "ci_high": r["ci_high"]})
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
    (in the other model) and seen, per arm and dose: the between-example view."""
    status = np.where(study["arm"] == "never", "never", np.where(study["seen"], "seen", "unseen (other model)"))
    return study.assign(status=status).groupby(["arm", "dose", "status"])["correct"].agg(["size", "mean"]).reset_index()
