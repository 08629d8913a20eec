"""What every notebook's setup cell does: load the profile, set the figure style, say what runs."""

from __future__ import annotations

from pathlib import Path

from precog.compendium.profiles import Profile, figures_dir, load_profile


def setup(name: str, figures: str | None = None) -> tuple[Profile, Path]:
    """Load profile ``name``, apply the figure style, print one line saying what runs and
    where its parameters are; return (profile, the folder its artifacts go to: ``figures``
    if given, as ``precog lesson`` gives it, else the profile's).

    Quiets Hugging Face's progress bars and notices (:func:`precog.progress.quiet_hugging_face`,
    through environment variables, so that a notebook which only reads cached results does not
    import those libraries).
    """
    from precog.compendium import plotting
    from precog.progress import quiet_hugging_face

    quiet_hugging_face()
    profile = load_profile(name)
    plotting.use_style()
    print(summary(profile))
    if figures is None:
        return profile, figures_dir(profile)
    folder = Path(figures)
    folder.mkdir(parents=True, exist_ok=True)
    return profile, folder


def summary(profile: Profile) -> str:
    """One line: profile, model, tasks, k, seeds, and where the full parameters are."""
    model = profile.model or "its own pre-trained models"
    return (f"profile {profile.name}: {model}; tasks {', '.join(profile.tasks)}; k {list(profile.k)}; "
            f"seeds {list(profile.seeds)} (all parameters: notebooks/params/{profile.name}.yaml)")
