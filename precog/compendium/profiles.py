"""Run profiles (smoke, demo, paper): one YAML file each in notebooks/params/, loaded into
one frozen, typed :class:`Profile`.

A notebook's parameter cell is just ``profile = "demo"``; papermill injects another name
(``profile = "smoke"``) and the setup cell calls :func:`load_profile`. The CLI reads the
same files, so a profile is defined in exactly one place.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path

import yaml

from precog import paths
from precog.configs import PRECOG_K, FinetuneConfig, PretrainConfig, ScoreConfig, StudyConfig, option
from precog.errors import PrecogError

PROFILES = ("smoke", "demo", "paper")  # one YAML file each in notebooks/params/
LESSON = "lesson"  # notebooks/params/lesson.yaml too: the lesson's own tiny models (`precog lesson` only)
DEMO_TASKS = ("rt-polarity", "subjectivity")


@dataclass(frozen=True)
class Profile:
    """Everything a run of the notebooks depends on. The defaults of every field, here and
    in :mod:`precog.configs`, are the demo profile's; a YAML file holds only what differs."""

    name: str = field(metadata={"help": "smoke, demo or paper (also picks the output folder, see figures_dir)"})
    tasks: tuple[str, ...] = option(DEMO_TASKS, "registered task names (`precog tasks`)")
    model: str | None = option(None, "a hub id or folder of a masked LM; None: the demo's own pre-trained models "
                                     "(pretrain and study then say how they are made)")
    k: tuple[int, ...] = option(PRECOG_K, "the k of each PreCog@k")
    seeds: tuple[int, ...] = option((0, 1), "fine-tuning seeds (of random init; a study model has one run per task)")
    pretrain: PretrainConfig | None = option(None, "the demo models' pre-training (None for a hub model)")
    study: StudyConfig | None = option(None, "the controlled study's design (None for a hub model)")
    finetune: FinetuneConfig = field(default_factory=FinetuneConfig, metadata={"help": "the fine-tuning recipe"})
    score: ScoreConfig = field(default_factory=ScoreConfig, metadata={"help": "how PreCog is computed"})
    replicates: tuple[tuple[int, int], ...] = option(
        tuple((n, n) for n in range(1, 8)), "the replicates `make replicate` makes, as (replicate number, pre-training seed): "
        "a seed other than the main run's (pretrain.seed) pre-trains another base model with its own random init "
        "(the demo: 7, one base model each, so that the main run and they make the 8 base models of study v2)")
    concurrent_runs: int | str = option("auto", "jobs (study models, scoring, fine-tuning runs) at once, or 'auto' "
                                        "(one per CPU core; by GPU memory on CUDA); --concurrent-runs overrides it")

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
    plain = {k: values[k] for k in ("model", "concurrent_runs") if k in values}
    plain.update({k: tuple(int(x) for x in values[k]) for k in ("k", "seeds") if k in values})
    if "tasks" in values:
        plain["tasks"] = tuple(values["tasks"])
    if "replicates" in values:
        plain["replicates"] = tuple((int(n), int(seed)) for n, seed in values["replicates"])
    return Profile(
        name=str(values["name"]),
        **plain,
        pretrain=PretrainConfig.from_dict(values.get("pretrain") or {}) if own else None,
        study=StudyConfig.from_dict(values.get("study") or {}) if own else None,
        finetune=FinetuneConfig.from_dict(values.get("finetune") or {}),
        score=ScoreConfig.from_dict(values.get("score") or {}),
    )


def default(name: str):
    """The default of :class:`Profile` field ``name`` (the CLI's flags take theirs from here)."""
    f = next(f for f in fields(Profile) if f.name == name)
    return f.default_factory() if f.default_factory is not MISSING else f.default


def load_profile(name: str | Profile) -> Profile:
    """The profile ``name`` from notebooks/params/<name>.yaml (a Profile is returned as is)."""
    if isinstance(name, Profile):
        return name
    path = paths.PARAMS / f"{name}.yaml"
    if not path.is_file():
        raise PrecogError(f"unknown profile '{name}'; choose one of {', '.join((*PROFILES, LESSON))}")
    return profile_from_dict(yaml.safe_load(path.read_text()))


def figures_dir(profile: Profile | str) -> Path:
    """Where a profile's artifacts go: figures/ (demo), figures/paper/, build/<profile>/figures/."""
    profile = load_profile(profile)
    folder = {"demo": paths.FIGURES, "paper": paths.FIGURES / "paper"}.get(
        profile.name, paths.BUILD / profile.name / "figures"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder
