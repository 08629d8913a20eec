"""Progress bars a person can follow: in a notebook run by hand they appear in the
notebook; under ``precog reproduce``, which sets ``PRECOG_PROGRESS`` to a log file that it
echoes to its terminal, they go there, and executed notebooks stay free of them.
Light (no torch or transformers): the Trainer's loss bar is :mod:`precog.engine.callbacks`.
"""

from __future__ import annotations

import os
import sys

ENV = "PRECOG_PROGRESS"


_HANDLES: dict[str, object] = {}


def _log_file():
    """The progress log named by ``PRECOG_PROGRESS`` (one append handle per path and
    process, line-buffered), or None."""
    path = os.environ.get(ENV)
    if not path:
        return None
    if path not in _HANDLES or _HANDLES[path].closed:
        _HANDLES[path] = open(path, "a", buffering=1)  # noqa: SIM115 (shared by every bar of this process)
    return _HANDLES[path]


def bar(**kwargs):
    """A tqdm bar: plain text into the progress log under reproduce, else tqdm.auto
    (widgets in JupyterLab, text in a terminal)."""
    log = _log_file()
    if log is not None:
        from tqdm import tqdm

        return tqdm(file=log, mininterval=2.0, **kwargs)
    from tqdm.auto import tqdm

    return tqdm(**kwargs)


QUIET = {  # weight-loading and map/filter bars, and transformers' notices
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # transformers' bars follow the hub's
    "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
}


def quiet_hugging_face() -> None:
    """Silence Hugging Face's progress bars ("Loading weights", "Writing model shards",
    map/filter) and notices in this process: through :data:`QUIET` (read when those libraries
    are imported) and, for any of them imported already, through their own switches. Called by
    every notebook's setup cell and by every side-by-side worker as it starts."""
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


def say(message: str) -> None:
    """One progress line (e.g. 'fine-tuning run 3 of 18') where the bars go."""
    log = _log_file()
    if log is None:
        print(message, file=sys.stdout, flush=True)
    else:
        log.write(message + "\n")
