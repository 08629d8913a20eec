"""Run profiles (smoke, demo, paper): one YAML file each in notebooks/params/, loaded into
one frozen, typed :class:`Profile`.

A notebook's parameter cell is just ``profile = "demo"``; papermill injects another name
(``profile = "smoke"``) and the setup cell calls :func:`load_profile`. The CLI reads the
same files, so a profile is defined in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import yaml

from precog import paths
from precog.configs import FinetuneConfig, PretrainConfig, ScoreConfig, StudyConfig
from precog.errors import PrecogError

PROFILES = ("smoke", "demo", "paper")


@dataclass(frozen=True)
class Profile:
    """Everything a run of the notebooks depends on.

    name: smoke, demo or paper (also picks the output folder, see pipeline.figures_dir).
    model: a hub id or folder of a masked LM; None = the demo's own pre-trained models
        (``pretrain`` and ``study`` then say how they are made).
    tasks: registered task names (``precog tasks``).
    k: the k of each PreCog@k.
    seeds: fine-tuning seeds.
    concurrent_runs: jobs (study models, scoring, fine-tuning runs) at once, or "auto" (one
        per CPU core; by GPU memory on CUDA); ``--concurrent-runs`` and
        ``$PRECOG_CONCURRENT_RUNS`` override it. The smoke profile's jobs take seconds, less
        than starting a process, so it runs them one at a time.
    """

    name: str
    model: str | None
    tasks: tuple[str, ...]
    k: tuple[int, ...]
    seeds: tuple[int, ...]
    pretrain: PretrainConfig | None
    study: StudyConfig | None
    finetune: FinetuneConfig
    score: ScoreConfig
    concurrent_runs: int | str = "auto"

    @property
    def controlled(self) -> bool:
        """True when the profile pre-trains its own models (the controlled study runs)."""
        return self.model is None


def profile_from_dict(values: dict) -> Profile:
    """A :class:`Profile` from a YAML mapping (sections absent or null take their defaults /
    None; an unknown key is one clear error)."""
    values = dict(values)
    known = {f.name for f in fields(Profile)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise PrecogError(f"profile keys {unknown} are unknown; known: {sorted(known)}")
    own = values.get("model") is None
    return Profile(
        name=str(values["name"]),
        model=values.get("model"),
        tasks=tuple(values["tasks"]),
        k=tuple(int(x) for x in values.get("k", (1, 50))),
        seeds=tuple(int(s) for s in values.get("seeds", (0, 1, 2))),
        pretrain=PretrainConfig.from_dict(values.get("pretrain") or {}) if own else None,
        study=StudyConfig.from_dict(values.get("study") or {}) if own else None,
        finetune=FinetuneConfig.from_dict(values.get("finetune") or {}),
        score=ScoreConfig.from_dict(values.get("score") or {}),
        concurrent_runs=values.get("concurrent_runs", "auto"),
    )


def load_profile(name: str | Profile) -> Profile:
    """The profile ``name`` from notebooks/params/<name>.yaml (a Profile is returned as is)."""
    if isinstance(name, Profile):
        return name
    path = paths.PARAMS / f"{name}.yaml"
    if not path.is_file():
        raise PrecogError(f"unknown profile '{name}'; choose one of {', '.join(PROFILES)}")
    return profile_from_dict(yaml.safe_load(path.read_text()))
