"""What every notebook's setup cell does: load the profile, set the figure style, say what runs."""

from __future__ import annotations

from pathlib import Path

from precog.compendium.profiles import Profile, figures_dir, load_profile

QUIET = {  # weight-loading and map/filter bars, and transformers' notices, would clutter executed copies
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # transformers' bars follow the hub's
    "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
}


def setup(name: str) -> tuple[Profile, Path]:
    """Load profile ``name``, apply the figure style, print one line saying what runs and
    where its parameters are; return (profile, the folder its artifacts go to).

    Quiets Hugging Face's progress bars and notices through :data:`QUIET` (read when those
    libraries are imported), so that a notebook which only reads cached results does not
    import them.
    """
    import os
    import sys

    from precog.compendium import plotting

    os.environ.update(QUIET)
    if "huggingface_hub" in sys.modules:  # imported already (datasets brings it): the variables came too late
        from huggingface_hub.utils import disable_progress_bars

        disable_progress_bars()
    if "transformers" in sys.modules:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    if "datasets" in sys.modules:
        import datasets

        datasets.disable_progress_bars()
    profile = load_profile(name)
    plotting.use_style()
    print(summary(profile))
    return profile, figures_dir(profile)


def summary(profile: Profile) -> str:
    """One line: profile, model, tasks, k, seeds, and where the full parameters are."""
    model = profile.model or "its own pre-trained models"
    return (f"profile {profile.name}: {model}; tasks {', '.join(profile.tasks)}; k {list(profile.k)}; "
            f"seeds {list(profile.seeds)} (all parameters: notebooks/params/{profile.name}.yaml)")
