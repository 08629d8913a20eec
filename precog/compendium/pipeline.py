"""The compendium's pipeline as cached steps: models -> scores -> fine-tuning (the frames the
notebooks analyse are built from them by :mod:`precog.compendium.frames`).

Notebooks call these with the profile papermill names (``profile = "demo"``; see
:mod:`precog.compendium.profiles`). Every step is cached under a key of what determines it, code
included (:func:`precog.cache.code_digest`), so rerunning a notebook is cheap and a code
change recomputes what it affects; ``cached_only=True`` (artifact notebooks) refuses to
recompute and says which notebook to run first.

Model names used throughout (column ``model`` of scores and fine-tuning records):

* demo/smoke (controlled study): ``0``..``K-1`` (pre-trained here, each with its 1/K of
  the injected examples; fine-tuned once per task, seed = model index) and ``random`` (same
  architecture and tokenizer, random weights; fine-tuned with every seed of the profile);
* paper: ``pretrained`` (the hub model).
"""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from precog import cache
from precog.compendium.profiles import Profile, load_profile
from precog.data.tasks import get_task
from precog.errors import PrecogError
from precog.precision import in_key, resolve
from precog.progress import say

RANDOM = "random"
HUB = "pretrained"


def concurrent_runs(profile: Profile) -> int:
    """Jobs at once for ``profile``: ``$PRECOG_CONCURRENT_RUNS`` (``--concurrent-runs``) if
    set, else the profile's ``concurrent_runs`` (see :func:`precog.concurrent.resolve_runs`)."""
    from precog.concurrent import ENV, resolve_runs

    return resolve_runs(os.environ.get(ENV) or profile.concurrent_runs)


def _missing(what: str, notebook: str) -> PrecogError:
    return PrecogError(f"{what} is not in the cache yet; run notebooks/{notebook}.ipynb first (or `precog reproduce`)")


def models(profile: Profile | str, cached_only: bool = False, progress: bool = True) -> dict[str, str]:
    """Model name -> hub id or folder: {0..K-1, random} (controlled study) or {pretrained} (hub).

    ``cached_only``: the folders of models already made (no torch import), or an error naming
    the notebook that makes them.
    """
    profile = load_profile(profile)
    if not profile.controlled:
        return {HUB: str(profile.model)}
    args = (profile.pretrain, profile.study, profile.tasks)
    if cached_only:
        from precog.study.keys import folders

        made = folders(*args)
        if not all(cache.is_done(made[m]) for m in (*profile.study.model_names, RANDOM)):
            raise _missing("the demo models", "00_pretrain_demo_model")
        return {m: str(made[m]) for m in (*profile.study.model_names, RANDOM)}
    from precog.study import pretrain

    out = {m: str(f) for m, f in pretrain.study_models(*args, runs=concurrent_runs(profile), progress=progress).items()}
    out[RANDOM] = str(pretrain.random_model(*args, progress=progress))
    return out


def model_info(profile: Profile | str) -> dict:
    """What pre-training wrote about the controlled study's models: {"base": the base model's
    pretrain.json, "models": {name: pretrain.json}, "quality": {name: quality.json}}."""
    import json

    from precog.study.keys import folders as model_folders

    profile = load_profile(profile)
    folders = models(profile, cached_only=True)
    base = model_folders(profile.pretrain, profile.study, profile.tasks)["base"]
    if not cache.is_done(base):
        raise _missing("the base model", "00_pretrain_demo_model")

    def read(folder, name: str) -> dict:
        return json.loads((Path(folder) / name).read_text())

    names = pretrained_names(profile)
    return {"base": read(base, "pretrain.json"), "models": {m: read(folders[m], "pretrain.json") for m in names},
            "quality": {m: read(folders[m], "quality.json") for m in names}}


def pretrained_names(profile: Profile | str) -> tuple[str, ...]:
    """The pre-trained models of a profile (scored and compared with random init)."""
    profile = load_profile(profile)
    return profile.study.model_names if profile.controlled else (HUB,)


def finetune_seeds(profile: Profile | str, model: str) -> tuple[int, ...]:
    """Fine-tuning seeds of one model: its index for a study model (one run per task: the
    spread over seeds is small next to that over models), the profile's seeds otherwise."""
    profile = load_profile(profile)
    if profile.controlled and model in profile.study.model_names:
        return (int(model),)
    return profile.seeds


def manifest(profile: Profile | str) -> pd.DataFrame | None:
    """The membership manifest (task, id, label, arm, dose, exposures, model, source), or None for a hub model."""
    from precog.study.design import read_manifest

    profile = load_profile(profile)
    if not profile.controlled:
        return None
    first = profile.study.model_names[0]
    return read_manifest(Path(models(profile, cached_only=True)[first]) / "manifest.csv")


def eval_ids(profile: Profile | str, task: str) -> list[int] | None:
    """Ids of the evaluation examples of ``task`` the profile uses (study examples; None = all)."""
    members = manifest(profile)
    if members is None:
        return None
    return sorted(int(i) for i in members.loc[members["task"] == task, "id"])


def eval_frame(profile: Profile | str, task: str) -> pd.DataFrame:
    """The evaluation examples of ``task`` used by the profile, in id order."""
    t = get_task(task)
    df = t.load(t.eval_split).to_pandas()
    ids = eval_ids(profile, task)
    if ids is not None:
        df = df[df["id"].isin(ids)]
    return df.sort_values("id").reset_index(drop=True)


def scores(profile: Profile | str, cached_only: bool = False, progress: bool = True) -> pd.DataFrame:
    """PreCog scores of every evaluation example under every pre-trained model.

    Jobs not yet in the cache run side by side (:func:`precog.concurrent.side_by_side`).
    Returns one row per (task, id, model): task, id, label, model, text field(s), n_tokens,
    n_scored, n_unk, truncated, precog@k..., pll, mean_logprob, min20_logprob, minkpp20.
    """
    from precog.concurrent import side_by_side

    profile = load_profile(profile)
    folders = models(profile, cached_only, progress)
    outputs, todo, names = {}, [], []
    ids = {task: eval_ids(profile, task) for task in profile.tasks}  # the manifest read once per task, not per model
    for name in pretrained_names(profile):
        for task in profile.tasks:
            key = cache.key_of(
                {
                    "model": cache.model_identity(folders[name]),
                    "task": task,
                    "ids": ids[task],
                    "k": list(profile.k),
                    "score": in_key(asdict(profile.score)),
                    "code": cache.code_digest("engine.score_files"),
                }
            )
            outputs[name, task] = cache.entry("scores", key) / f"{task}.parquet"
            if not cache.is_done(outputs[name, task].parent):
                if cached_only:
                    raise _missing(f"PreCog scores of {task} under model {name}", "01_score")
                todo.append({"frame": eval_frame(profile, task), "model": folders[name], "task": task, "key": key,
                             "k": profile.k, "score": profile.score})
                names.append(name)
    if todo:
        n = concurrent_runs(profile)

        def started(i: int) -> None:
            if progress:
                say(f"scoring {todo[i]['task']} under model {names[i]} ({i + 1} of {len(todo)})")

        side_by_side(_score_job, [dict(job, progress=progress and n <= 1) for job in todo], n, on_start=started)
    frames = [pd.read_parquet(out).assign(task=task, model=name) for (name, task), out in outputs.items()]
    df = pd.concat(frames, ignore_index=True)
    first = ["task", "id", "label", "model"]
    return df[first + [c for c in df.columns if c not in first]]


def _score_job(frame: pd.DataFrame, model: str, task: str, key: str, k, score, progress: bool) -> None:
    """One cached scoring job of :func:`scores` (resumes from its finished chunks)."""
    from precog.engine.score_files import score_to_file

    t = get_task(task)
    with cache.cached("scores", key, resume=True) as e:
        if not e.done:
            score_to_file(frame, model, e.folder / f"{task}.parquet", text_field=t.text_fields[0],
                          text_pair_field=t.text_fields[1] if len(t.text_fields) > 1 else None, k=k, unit=score.unit,
                          batch_tokens=score.batch_tokens, precision=score.precision, progress=progress)


def predictions(profile: Profile | str, cached_only: bool = False, progress: bool = True,
                at_once: int | str | None = None) -> pd.DataFrame:
    """Per-example fine-tuning records: one row per (model, task, seed, id).

    Every model of :func:`models` is fine-tuned with the profile's recipe and training
    examples, with the seeds of :func:`finetune_seeds`, and evaluated on the same examples.
    Runs not yet in the cache are made ``at_once`` at a time (default:
    :func:`concurrent_runs`; see :mod:`precog.concurrent`); each gives what it gives alone.
    """
    from precog.concurrent import resolve_runs
    from precog.engine.runs import Run, load_predictions, run_key

    profile = load_profile(profile)
    folders = models(profile, cached_only, progress)
    runs = {}
    ids_of = {task: eval_ids(profile, task) for task in profile.tasks}  # the manifest read once per task
    for name in folders:
        for task in profile.tasks:
            for seed in finetune_seeds(profile, name):
                ids = ids_of[task]
                folder = cache.entry("finetune", run_key(get_task(task), folders[name], seed, profile.finetune, ids))
                runs[name, task, seed] = Run(task, folders[name], seed, profile.finetune,
                                             None if ids is None else tuple(ids), folder)
    todo = [(k, r) for k, r in runs.items() if not cache.is_done(r.folder)]
    if todo and cached_only:
        (name, task, seed), _ = todo[0]
        raise _missing(f"fine-tuning {task} seed {seed} of model {name}", "02_finetune")
    if todo:
        n = resolve_runs(at_once) if at_once is not None else concurrent_runs(profile)

        def started(i: int, run: Run) -> None:
            (name, task, seed), _ = todo[i]
            say(f"fine-tuning run {i + 1} of {len(todo)}{f' ({n} at a time)' if n > 1 else ''}: model {name}, {task}, seed {seed}")

        from precog.engine.finetune import run_all  # torch and transformers: only when something is to be made

        run_all([r for _, r in todo], n, progress=progress, on_start=started if progress else None)
    frames = [load_predictions(run.folder).assign(model=name) for (name, _, _), run in runs.items()]
    return pd.concat(frames, ignore_index=True)


def design_key(profile: Profile | str) -> str:
    """What a run and its replicates share: the pre-training recipe, the study's examples and
    cells, the tasks, the fine-tuning recipe and seeds (not the replicate number, the
    pre-training seed, the code or the machine). Runs are pooled only when their keys agree."""
    from dataclasses import replace

    profile = load_profile(profile)
    pretrain = asdict(replace(profile.pretrain, seed=0))
    used = {"pretrain": resolve(pretrain.pop("precision")), "score": resolve(profile.score.precision)}
    key = {"pretrain": pretrain, "study": asdict(replace(profile.study, replicate=0)), "tasks": list(profile.tasks),
           "finetune": in_key(asdict(profile.finetune)), "seeds": list(profile.seeds)}
    if set(used.values()) != {"fp32"}:  # an fp32 run keeps the key it had before precision was a field
        key["precision"] = used
    return cache.key_of(key)
