"""The compendium's pipeline as cached steps: model -> scores -> fine-tuning -> analysis table.

Notebooks call these with the parameters papermill injected (a profile dict, see
notebooks/params/). Every step is cached under a key of what determines it, so rerunning a
notebook is cheap; ``cached_only=True`` (figure notebooks) refuses to recompute and says
which notebook to run first.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from precog import cache, paths
from precog.analysis import seed_average
from precog.errors import PrecogError
from precog.finetune import FinetuneConfig, finetune, load_predictions, run_key
from precog.overlap import mean_log_frequency, overlap, token_counts
from precog.pretrain import PretrainConfig, base_passages, cache_key, pretrain
from precog.scoring import score_to_file
from precog.tasks import get_task


def figures_dir(params: dict) -> Path:
    """Where a profile's artifacts go: figures/ (demo), figures/paper/, build/smoke/figures/."""
    profile = params["profile"]
    folder = {"demo": paths.FIGURES, "paper": paths.FIGURES / "paper"}.get(profile, paths.BUILD / profile / "figures")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _missing(what: str, notebook: str) -> PrecogError:
    return PrecogError(f"{what} is not in the cache yet; run notebooks/{notebook}.ipynb first (or `precog reproduce`)")


def pretrain_config(params: dict) -> PretrainConfig | None:
    return None if params.get("model") else PretrainConfig.from_dict(params["pretrain"])


def model_source(params: dict, cached_only: bool = False, progress: bool = True) -> str:
    """The masked LM to study: the profile's hub id/folder, or the (pre-trained) demo model."""
    if params.get("model"):
        return str(params["model"])
    config = pretrain_config(params)
    folder = cache.entry("pretrain", cache_key(config))
    if cached_only and not cache.is_done(folder):
        raise _missing("the demo model", "00_pretrain_demo_model")
    return str(pretrain(config, progress=progress))


def membership(params: dict) -> pd.DataFrame | None:
    """The demo model's manifest (task, id, dose), or None for a hub model."""
    if params.get("model"):
        return None
    return pd.read_csv(Path(model_source(params, cached_only=True)) / "manifest.csv")


def eval_limit(params: dict, task: str) -> int | None:
    """How many evaluation examples of ``task`` the profile uses (demo: the dosed ones)."""
    config = pretrain_config(params)
    return None if config is None else config.eval_examples[task]


def eval_frame(params: dict, task: str) -> pd.DataFrame:
    """The evaluation examples of ``task`` used by the profile (first N by dataset order)."""
    t = get_task(task)
    df = t.load(t.eval_split).to_pandas()
    n = eval_limit(params, task)
    return df if n is None else df.iloc[:n].reset_index(drop=True)


def scores(params: dict, cached_only: bool = False, progress: bool = True) -> pd.DataFrame:
    """PreCog scores of every evaluation example of every task, with dose where known.

    Returns one row per (task, id): task, id, label, text field(s), n_tokens, n_scored,
    truncated, precog@k..., pll, mean_logprob, min20_logprob, minkpp20 [, dose].
    """
    model = model_source(params, cached_only, progress)
    ident = cache.model_identity(model)
    frames = []
    for task in params["tasks"]:
        key = cache.key_of(
            {
                "model": ident,
                "task": task,
                "n": eval_limit(params, task),
                "k": params["k"],
                "score": params["score"],
                "version": 1,
            }
        )
        out = cache.entry("scores", key) / f"{task}.parquet"
        if not out.is_file():
            if cached_only:
                raise _missing(f"PreCog scores of {task}", "01_score")
            t = get_task(task)
            score_to_file(
                eval_frame(params, task),
                model,
                out,
                text_field=t.text_fields[0],
                text_pair_field=t.text_fields[1] if len(t.text_fields) > 1 else None,
                k=params["k"],
                unit=params["score"]["unit"],
                batch_tokens=params["score"]["batch_tokens"],
                progress=progress,
            )
        frames.append(pd.read_parquet(out).assign(task=task))
    df = pd.concat(frames, ignore_index=True)
    first = ["task", "id", "label"]
    df = df[first + [c for c in df.columns if c not in first]]
    members = membership(params)
    if members is not None:
        df = df.merge(members, on=["task", "id"], how="left", validate="one_to_one")
    return df


def finetune_config(params: dict, task: str) -> FinetuneConfig:
    return FinetuneConfig.from_dict({**params["finetune"], "max_eval_examples": eval_limit(params, task)})


def predictions(params: dict, cached_only: bool = False, progress: bool = True) -> pd.DataFrame:
    """Per-example fine-tuning records of every task and seed (one row per task, seed, id)."""
    model = model_source(params, cached_only, progress)
    frames = []
    for task in params["tasks"]:
        config = finetune_config(params, task)
        for seed in params["seeds"]:
            folder = cache.entry("finetune", run_key(get_task(task), model, seed, config))
            if cached_only and not cache.is_done(folder):
                raise _missing(f"fine-tuning {task} seed {seed}", "02_finetune")
            frames.append(load_predictions(finetune(task, model, seed, config, folder=folder, progress=progress)))
    return pd.concat(frames, ignore_index=True)


def controls(params: dict, scored: pd.DataFrame) -> pd.DataFrame:
    """Per (task, id): unigram/bigram overlap with the task's training split, and (demo) the
    mean log pre-training-corpus frequency of the example's tokens (corpus before injection).
    Cached under a key of the model and the scored examples."""
    model = model_source(params, cached_only=True)
    ident = cache.model_identity(model)
    key = cache.key_of({"model": ident, "examples": scored[["task", "id"]].to_numpy().tolist(), "version": 1})
    path = cache.entry("controls", key) / "controls.parquet"
    if path.is_file():
        return pd.read_parquet(path)
    df = _controls(params, scored)
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_parquet(path, index=False)
    return df


def _controls(params: dict, scored: pd.DataFrame) -> pd.DataFrame:
    parts = []
    config = pretrain_config(params)
    counts = tokenizer = None
    if config is not None:
        from precog.models import load_tokenizer

        tokenizer = load_tokenizer(model_source(params, cached_only=True))
        counts = token_counts(tokenizer(base_passages(config), add_special_tokens=False)["input_ids"])
    for task in params["tasks"]:
        t = get_task(task)
        rows = scored[scored["task"] == task]
        texts = rows[list(t.text_fields)].astype(str).agg(" ".join, axis=1).tolist()
        train = t.load("train").to_pandas()[list(t.text_fields)].astype(str).agg(" ".join, axis=1).tolist()
        part = pd.DataFrame(
            {
                "task": task,
                "id": rows["id"].to_numpy(),
                "overlap_unigram": overlap(texts, train, 1),
                "overlap_bigram": overlap(texts, train, 2),
            }
        )
        if counts is not None:
            part["corpus_log_frequency"] = mean_log_frequency(
                tokenizer(texts, add_special_tokens=False)["input_ids"], counts
            )
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def analysis_frame(params: dict) -> pd.DataFrame:
    """One row per evaluation example: scores, seed-averaged correctness, controls (cache only)."""
    scored = scores(params, cached_only=True)
    averaged = seed_average(predictions(params, cached_only=True))
    df = scored.merge(averaged, on=["task", "id"], how="inner", validate="one_to_one")
    df = df.merge(controls(params, scored), on=["task", "id"], how="left", validate="one_to_one")
    if len(df) != len(scored):
        raise PrecogError("scores and fine-tuning records cover different examples; rerun 01_score and 02_finetune")
    return df


def control_columns(df: pd.DataFrame) -> list[str]:
    """The controls available in an analysis frame (length, overlaps, corpus frequency)."""
    cols = ["n_tokens", "overlap_unigram", "overlap_bigram", "corpus_log_frequency"]
    return [c for c in cols if c in df.columns and df[c].notna().any() and np.ptp(df[c].dropna()) > 0]
