"""Where the demo's models live in the cache, without torch: the keys of the base model,
the study models and the random-init control.

:mod:`precog.study.pretrain` trains the models under these keys; code that only reads
finished models (the artifact notebooks, through :func:`precog.compendium.pipeline.models`)
finds their folders here without importing torch or transformers. Every key covers the code
of :mod:`precog.study.pretrain` and what it imports.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from precog import cache
from precog.configs import PretrainConfig, StudyConfig
from precog.data.sources import SOURCES
from precog.precision import in_key
from precog.study.design import shared_design

MAKER = "precog.study.pretrain"  # the module whose code the keys cover


def data_checksums() -> dict[str, str]:
    """sha256 of every raw source, by name."""
    return {name: s.sha256 for name, s in SOURCES.items()}


def base_key(config: PretrainConfig, study: StudyConfig, tasks: tuple[str, ...]) -> str:
    """Cache key of the base model (the corpus depends on the study examples it excludes,
    not on the replicate)."""
    return cache.key_of(
        {
            "config": in_key(asdict(config)),
            "study": asdict(shared_design(study)),
            "tasks": sorted(tasks),
            "data": data_checksums(),
            "code": cache.code_digest(MAKER),
        }
    )


def study_key(base: Path, study: StudyConfig, which: str) -> str:
    """Cache key of study model ``which``: its base model, its name and the whole design."""
    return cache.key_of({"base": Path(base).name, "model": which, "study": asdict(study)})


def random_key(base: Path) -> str:
    """Cache key of the random-init control (same architecture and tokenizer as ``base``)."""
    return cache.key_of({"base": Path(base).name, "model": "random"})


def folders(config: PretrainConfig, study: StudyConfig, tasks: tuple[str, ...]) -> dict[str, Path]:
    """Cache folders of every model, made or not: {"base", "0".."K-1", "random"}."""
    base = cache.entry("pretrain", base_key(config, study, tasks))
    out = {"base": base, **{w: cache.entry("pretrain", study_key(base, study, w)) for w in study.model_names}}
    out["random"] = cache.entry("pretrain", random_key(base))
    return out
