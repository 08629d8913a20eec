"""The frames the notebooks analyse, each built once per :class:`Run` from the cached steps.

``run = Run(profile)`` reads the pipeline's cached results (:mod:`precog.compendium.pipeline`,
``cached_only``: a missing step is one clear error naming the notebook to run) and builds,
on first use, each of:

* ``run.study``: one row per (task, id, pre-trained model) with seed-averaged correctness,
  the PreCog scores under that model and (controlled study) the example's membership in it
  (:func:`with_membership`, the one place where seen / unseen is derived);
* ``run.unseen``: per example, the pre-trained models' accuracy without having seen it,
  next to random init's; ``run.unseen_records``: the per-seed records behind it;
* ``run.natural`` / ``run.natural_records``: the paper's correlational setting, examples in
  no pre-training corpus;
* ``run.effects``: the controlled study's effects (:mod:`precog.stats.effects`).

The builders are pure functions of frames (``study_frame(records, scored, members)``, ...),
so tests call them on small hand-made frames.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from precog.compendium import pipeline
from precog.compendium.profiles import Profile, load_profile
from precog.errors import PrecogError
from precog.stats import effects
from precog.stats.analysis import seed_average

RANDOM = pipeline.RANDOM


def with_membership(df: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``df`` (one per task, id, model) joined with the study manifest: arm, dose,
    exposures, injected_into, source, and the example's membership in the row's model:
    seen (bool), dose_seen (dose if seen else 0), status ('seen', 'unseen' or 'never').
    The one place where seen / unseen is derived."""
    members = members.rename(columns={"model": "injected_into"})
    members = members.drop(columns="label") if "label" in df else members
    df = df.drop(columns=[c for c in members if c in df and c not in ("task", "id")])  # the manifest's copy wins
    df = df.merge(members, on=["task", "id"], how="left", validate="many_to_one")
    df["seen"] = df["injected_into"] == df["model"]
    df["dose_seen"] = np.where(df["seen"], df["dose"], 0)
    df["status"] = np.where(df["arm"] == "never", "never", np.where(df["seen"], "seen", "unseen"))
    return df


def study_frame(records: pd.DataFrame, scored: pd.DataFrame | None, members: pd.DataFrame | None) -> pd.DataFrame:
    """One row per (task, id, pre-trained model) from the fine-tuning ``records`` (seeds
    averaged), the PreCog ``scored`` frame (None: no score columns) and the manifest
    ``members`` (None for a hub model).

    Columns: task, id, label, model, correct, p_gold, p_pred, n_seeds, [precog@k..., n_tokens,]
    and (controlled) arm, dose, exposures, injected_into, source, seen, dose_seen, status.
    """
    df = seed_average(records[records["model"] != RANDOM], keys=("task", "id", "model"))
    if scored is not None:
        df = df.merge(scored, on=["task", "id", "model"], how="inner", validate="one_to_one")
        if len(df) != len(scored):
            raise PrecogError("scores and fine-tuning records cover different examples; rerun 01_score and 02_finetune")
    if members is not None:
        df = with_membership(df, members)
    return df.sort_values(["task", "id", "model"], ignore_index=True)


def unseen_frame(study: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    """One row per (task, id): the pre-trained models' accuracy on the example *without*
    having seen it (mean over the models that were not given it; from the ``study`` frame)
    next to random init's (from the fine-tuning ``records``).

    Columns: task, id, label, [arm,] correct_pretrained, correct_random (NaN for a hub
    profile), precog@k... (mean over those models, when scored).
    """
    df = study[~study["seen"]] if "seen" in study else study
    keep = [c for c in df.columns if c.startswith("precog@")] + ["correct"]
    keys = ["task", "id", "label"] + (["arm"] if "arm" in df else [])
    out = df.groupby(keys, sort=True)[keep].mean().reset_index()
    out = out.rename(columns={"correct": "correct_pretrained"})
    rand = records[records["model"] == RANDOM]
    if len(rand):
        r = seed_average(rand).rename(columns={"correct": "correct_random"})[["task", "id", "correct_random"]]
        out = out.merge(r, on=["task", "id"], how="left", validate="one_to_one")
    else:
        out["correct_random"] = np.nan
    return out


def unseen_records(records: pd.DataFrame, members: pd.DataFrame | None) -> pd.DataFrame:
    """Per-seed fine-tuning records of the pre-trained models on examples they did not see
    in pre-training (all records for a hub profile): one row per (model, task, seed, id)."""
    records = records[records["model"] != RANDOM]
    if members is None:
        return records.reset_index(drop=True)
    owner = members.set_index(["task", "id"])["model"]
    injected_into = owner.reindex(pd.MultiIndex.from_frame(records[["task", "id"]])).to_numpy()
    return records[injected_into != records["model"].to_numpy()].reset_index(drop=True)


def natural_frame(unseen: pd.DataFrame) -> pd.DataFrame:
    """The paper's correlational setting: examples in no pre-training corpus (the never arm
    of the controlled study; every example for a hub model), one row per (task, id) with
    ``correct`` (pre-trained models, seeds averaged) and precog@k."""
    out = unseen[unseen["arm"] == "never"] if "arm" in unseen else unseen
    return out.rename(columns={"correct_pretrained": "correct"}).reset_index(drop=True)


class Run:
    """One profile's cached results; each frame is built on first use and kept (see the
    module doc). ``scored=False`` leaves the PreCog scores out (effects alone need none)."""

    def __init__(self, profile: Profile | str, scored: bool = True):
        self.profile = load_profile(profile)
        self.scored = scored

    @cached_property
    def records(self) -> pd.DataFrame:
        """Per-seed fine-tuning records of every model (:func:`pipeline.predictions`)."""
        return pipeline.predictions(self.profile, cached_only=True)

    @cached_property
    def scores(self) -> pd.DataFrame:
        """PreCog scores under every pre-trained model (:func:`pipeline.scores`)."""
        return pipeline.scores(self.profile, cached_only=True)

    @cached_property
    def manifest(self) -> pd.DataFrame | None:
        """The study's membership manifest (None for a hub model)."""
        return pipeline.manifest(self.profile)

    @cached_property
    def study(self) -> pd.DataFrame:
        return study_frame(self.records, self.scores if self.scored else None, self.manifest)

    @cached_property
    def unseen(self) -> pd.DataFrame:
        return unseen_frame(self.study, self.records)

    @cached_property
    def unseen_records(self) -> pd.DataFrame:
        return unseen_records(self.records, self.manifest)

    @cached_property
    def natural(self) -> pd.DataFrame:
        return natural_frame(self.unseen)

    @cached_property
    def natural_records(self) -> pd.DataFrame:
        """Per-seed records of the pre-trained models on the examples of :attr:`natural`."""
        return self.unseen_records.merge(self.natural[["task", "id"]], on=["task", "id"], how="inner")

    @cached_property
    def effects(self) -> dict:
        """The controlled study's effects: {"study", "cells", "transfers", "quality",
        "headline" (figures/study_effects.json)}."""
        passes = self.profile.study.passes
        cells = effects.cell_effects(self.study, passes)
        transfers = effects.transfer(effects.transfer_rows(self.study, self.unseen))
        headline = {**effects.headline(self.study, cells, transfers, passes), "design": pipeline.design_key(self.profile)}
        return {"study": self.study, "cells": cells, "transfers": transfers,
                "quality": effects.model_quality(self.study), "headline": headline}
