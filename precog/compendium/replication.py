"""Runs of one design: making a replicate, writing a run's files, reading the committed runs
back and pooling them into one answer.

A *run* is one pass of the controlled study: a base model (its pre-training seed), K study
models continued from it with one assignment of the study examples to arms and models, their
fine-tuning, and random init. The main run is ``replicate 0`` of the profile; replicate N
redraws the assignment and the continuation seeds and, where the profile's plan says so
(:attr:`precog.compendium.profiles.Profile.replicates`), pre-trains another base model.

Each run leaves, in its folder (``figures/`` for the main run, ``figures/replicate<N>/`` for
replicate N), ``study_effects.json`` (its own headline effects, its design key and the run's
description: replicate number, pre-training seed, the base model's checksum, the machine) and
``study_rows.csv`` (one row per example and model, what pooling needs). :func:`pool` reads
every run of the main run's design and combines them (:mod:`precog.stats.pooling`).
"""

from __future__ import annotations

import json
import platform
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from precog import cache
from precog.compendium import pipeline, plotting
from precog.compendium.frames import Run
from precog.compendium.profiles import Profile, figures_dir, load_profile
from precog.errors import PrecogError
from precog.stats import pooling

EFFECTS, ROWS, POOLED = "study_effects", "study_rows", "study_effects_pooled"
ROW_COLUMNS = ["task", "id", "label", "model", "correct", "margin", "precog@1", "arm", "dose", "injected_into", "seen"]


def replicate_profile(profile: Profile | str, replicate: int, pretrain_seed: int | None = None) -> Profile:
    """The profile with another study replicate: a new assignment of the same study examples
    to arms and models and new continuation seeds; with ``pretrain_seed``, also another base
    model (and its own random init)."""
    profile = load_profile(profile)
    if not profile.controlled:
        raise PrecogError(f"profile {profile.name} studies a hub model: there is no study to replicate")
    out = replace(profile, study=replace(profile.study, replicate=int(replicate)))
    if pretrain_seed is not None:
        out = replace(out, pretrain=replace(out.pretrain, seed=int(pretrain_seed)))
    return out


def machine() -> str:
    """The machine a run was made on, in words: CPU model and cores ('AMD EPYC 7B13, 2 cores')."""
    from precog.concurrent import cores

    name = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{name}, {cores()} cores"


def base_checksum(profile: Profile) -> str:
    """sha256 of the run's base model weights (its folder's fingerprint if there is no weights file)."""
    from precog.study.keys import folders

    base = folders(profile.pretrain, profile.study, profile.tasks)["base"]
    weights = base / "model.safetensors"
    return cache.sha256_file(weights) if weights.is_file() else cache.path_fingerprint(base)


def describe(profile: Profile) -> dict:
    """The run's description in its JSON: replicate, pretrain_seed, base_model (checksum), machine,
    and the precision each step ran in on it (:func:`precog.precision.resolve`)."""
    from precog.precision import resolve

    used = {"pretrain": resolve(profile.pretrain.precision), "score": resolve(profile.score.precision),
            "finetune": resolve(profile.finetune.precision)}
    return {"replicate": int(profile.study.replicate), "pretrain_seed": int(profile.pretrain.seed),
            "base_model": base_checksum(profile), "machine": machine(), "precision": used}


def run_rows(run: Run) -> pd.DataFrame:
    """One row per (task, id, model) of a run, random init included (model 'random', with its
    seed-averaged correctness): the columns of :data:`ROW_COLUMNS`."""
    study = run.study
    random = run.unseen[["task", "id", "label", "correct_random"]].rename(columns={"correct_random": "correct"})
    members = study.drop_duplicates(["task", "id"])[["task", "id", "arm", "dose", "injected_into"]]
    random = random.merge(members, on=["task", "id"], how="left", validate="one_to_one")
    random = random.assign(model="random", seen=False, **{"precog@1": np.nan, "margin": np.nan})  # margin: study models only
    out = pd.concat([study[[c for c in ROW_COLUMNS if c in study]], random[ROW_COLUMNS]], ignore_index=True)
    return out.sort_values(["task", "id", "model"], ignore_index=True)[ROW_COLUMNS]


def rows_record(rows_file: Path) -> dict:
    """What a run's JSON records of its rows file: name, row count (header excluded) and sha256."""
    with open(rows_file, "rb") as fh:
        count = sum(1 for _ in fh) - 1
    return {"name": rows_file.name, "rows": count, "sha256": cache.sha256_file(rows_file)}


def save_run(run: Run, folder: Path) -> dict:
    """Write a run's ``study_rows.csv`` and then its ``study_effects.json`` (its headline, design
    key, description and the rows file's record, :func:`rows_record`) to ``folder``; returns
    the JSON's content."""
    folder.mkdir(parents=True, exist_ok=True)
    plotting.save_table(run_rows(run), folder, ROWS)
    effects = {**run.effects["headline"], "run": describe(run.profile),
               "rows_file": rows_record(folder / f"{ROWS}.csv")}
    return plotting.save_numbers(effects, folder, EFFECTS)


def replicate(profile: Profile | str, number: int = 1, pretrain_seed: int | None = None, progress: bool = True) -> Path:
    """Run study replicate ``number`` (trains its models, scores and fine-tunes them; with
    ``pretrain_seed``, on a base model of its own) and write its files to
    ``<figures>/replicate<number>/``; returns that folder."""
    rep = replicate_profile(profile, number, pretrain_seed)
    pipeline.models(rep, progress=progress)
    pipeline.scores(rep, progress=progress)
    pipeline.predictions(rep, progress=progress)
    out = figures_dir(rep) / f"replicate{int(number)}"
    save_run(Run(rep), out)
    return out


# ---------------------------------------------------------------- reading runs back
def read_run(folder: Path) -> tuple[dict, pd.DataFrame]:
    """A run's ``study_effects.json`` and ``study_rows.csv``; a missing or unreadable file is
    refused with one line naming it."""
    name = folder / f"{EFFECTS}.json"
    try:
        effects = json.loads(name.read_text())
        if not isinstance(effects, dict) or not isinstance(effects.get("text_only"), dict) \
                or not isinstance(effects.get("run"), dict) or not {"replicate", "pretrain_seed", "base_model"} <= set(effects["run"]):
            raise ValueError("no text_only entry, or a run entry without replicate, pretrain_seed and base_model")
    except (OSError, ValueError) as e:
        raise PrecogError(f"{_shown(name)} is missing or corrupt ({type(e).__name__}); remake it with `make replicate`") from None
    rows_file = folder / f"{ROWS}.csv"
    check_rows_file(rows_file, effects.get("rows_file"), name)
    try:
        rows = pd.read_csv(rows_file, dtype={"model": str, "injected_into": str})
        absent = sorted(set(ROW_COLUMNS) - set(rows.columns))
        if absent:
            raise ValueError(f"columns {absent} absent")
        study = rows[rows["model"] != "random"]
        models = [str(m["model"]) for m in effects["text_only"].get("per_model", [])]
        if study.empty or (rows["model"] == "random").sum() == 0:
            raise ValueError("no study-model or no random-init rows")
        if models and sorted(set(study["model"])) != sorted(models):
            raise ValueError(f"models {sorted(set(study['model']))}, its JSON names {sorted(models)}")
        if study[["correct", "precog@1"]].isna().any().any():
            raise ValueError("a study row without correctness or PreCog@1")
    except (OSError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise PrecogError(f"{_shown(rows_file)} is missing or corrupt ({e}); remake it with `make replicate`") from None
    return effects, rows


def check_rows_file(rows_file: Path, recorded: dict | None, effects_file: Path) -> None:
    """Refuse, in one line naming the file and the fix, a rows file that its run's JSON does not
    vouch for: no record, missing, another row count (truncated or extended) or another sha256 (edited)."""
    fix = "restore it (`git checkout -- figures/`) or remake the run (`make replicate`; the main run: `make reproduce`)"
    if not recorded:
        raise PrecogError(f"{_shown(effects_file)} records no rows file (made before records were kept); {fix}")
    if not isinstance(recorded, dict) or not {"rows", "sha256"} <= set(recorded):
        raise PrecogError(f"{_shown(effects_file)} has an incomplete rows-file record (rows and sha256 needed); {fix}")
    if not rows_file.is_file():
        raise PrecogError(f"{_shown(rows_file)} is missing; {fix}")
    found = rows_record(rows_file)
    if found["rows"] != recorded["rows"]:
        raise PrecogError(f"{_shown(rows_file)} has {found['rows']} rows where its {effects_file.name} records "
                          f"{recorded['rows']} (truncated or extended); {fix}")
    if found["sha256"] != recorded["sha256"]:
        raise PrecogError(f"{_shown(rows_file)} differs from what its {effects_file.name} records (sha256 "
                          f"{found['sha256'][:12]}, recorded {recorded['sha256'][:12]}: edited); {fix}")


def _shown(path: Path) -> str:
    """A path as a reader sees it: relative to the repository where it lies inside it."""
    from precog import paths

    try:
        return str(Path(path).resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(path)


def replicate_folders(figures: Path) -> list[Path]:
    """The committed replicates' folders, ``figures/replicate<N>/``, in replicate order."""
    found = [f for f in Path(figures).glob("replicate*") if f.is_dir() and f.name[len("replicate"):].isdigit()]
    return sorted(found, key=lambda f: int(f.name[len("replicate"):]))


def read_replicate(folder: Path) -> tuple[dict, pd.DataFrame]:
    """One committed replicate (:func:`read_run`), checked to be the replicate its folder names."""
    effects, rows = read_run(folder)
    number = int(folder.name[len("replicate"):])
    if int(effects["run"]["replicate"]) != number:
        raise PrecogError(f"{_shown(folder / (EFFECTS + '.json'))} holds replicate {effects['run']['replicate']}, "
                          f"not {number}; remake it with `make replicate`")
    return effects, rows


def read_replicates(figures: Path) -> list[tuple[dict, pd.DataFrame]]:
    """Every committed replicate (:func:`read_replicate`), in replicate order."""
    return [read_replicate(folder) for folder in replicate_folders(figures)]


def run_name(effects: dict) -> str:
    """'main run' or 'replicate N'."""
    n = int(effects["run"]["replicate"])
    return "main run" if n == 0 else f"replicate {n}"


def gather(main: tuple[dict, pd.DataFrame], replicates: list[tuple[dict, pd.DataFrame]]):
    """The runs to pool (the main run and every replicate of its design) and those left out.

    Returns:
        (pooled rows frame with run and base columns, [effects of each pooled run],
        [{"run", "design"} of each replicate of another design]).
    """
    design = main[0].get("design")
    pooled, left = [], []
    for effects, rows in [main, *replicates]:
        if effects.get("design") != design:
            left.append({"run": run_name(effects), "design": effects.get("design")})
        else:
            pooled.append((effects, rows))
    frames = [rows.assign(run=run_name(e), base=str(e["run"]["base_model"])) for e, rows in pooled]  # base models by checksum
    return pd.concat(frames, ignore_index=True), [e for e, _ in pooled], left


def pooled_effects(rows: pd.DataFrame, runs: list[dict], left: list[dict], top_dose: int, seed: int = 0) -> dict:
    """The pooled answer (figures/study_effects_pooled.json): every estimand that
    docs/preregistration.json registers, with its t-interval over base models and its verdicts
    (:func:`precog.stats.registered.analyse`: estimands, confirmatory, dose_response,
    manipulation_check; text_only and positive_control at the top dose, with their
    heterogeneity), plus pretraining_transfer per task (exploratory, nested bootstrap), the
    runs' own estimates, the runs pooled and those left out."""
    from precog.compendium import preregistration as reg
    from precog.stats.registered import analyse

    doses = sorted(int(d) for d in rows.loc[rows["arm"] == "text", "dose"].unique())
    out = analyse(rows, reg.margin_points(), reg.per(), reg.confirmatory(doses), reg.manipulation_targets())
    if int(out["top_dose"]) != int(top_dose):
        raise PrecogError(f"the pooled rows' top text dose is {out['top_dose']}, the main run's JSON says {top_dose}")
    transfer = pooling.pooled_transfer(rows, seed=seed + 10)
    out["pretraining_transfer"] = {r["task"]: {k: r[k] for k in ("estimate", "ci_low", "ci_high", "se", "runs",
                                                                  "base_models")} for r in transfer.to_dict("records")}
    out["runs"] = [{"run": run_name(r), **r["run"], **{k: {x: r[k][x] for x in ("estimate", "ci_low", "ci_high")}
                    for k in ("text_only", "positive_control")},
                    "pretraining_transfer": r["pretraining_transfer"]} for r in runs]
    out["not_pooled"] = left
    out["base_models"] = out["text_only"]["base_models"]
    out["models"] = out["text_only"]["models"]
    out["preregistration"] = {"file": "docs/preregistration.json", "commit": reg.COMMIT}
    out["interval"] = "t over base-model means (each run's mean; runs on one base model averaged first), 95%; TOST at 90%"
    return out


def pool(figures: Path, main: Run) -> tuple[dict, pd.DataFrame]:
    """Write the main run's files to ``figures``, pool it with every committed replicate of its
    design into ``figures/study_effects_pooled.json``; returns (that dict, the pooled rows)."""
    save_run(main, figures)
    saved, main_rows = read_run(figures)  # the rows as written (6 decimals): what `precog verify` recomputes from
    replicates = read_replicates(figures)
    rows, runs, left = gather((saved, main_rows), replicates)
    pooled = pooled_effects(rows, runs, left, int(saved["top_dose"]))
    return plotting.save_numbers(pooled, figures, POOLED), rows
