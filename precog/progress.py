"""Progress bars a person can follow: in a notebook run by hand they appear in the
notebook; under ``precog reproduce``, which sets ``PRECOG_PROGRESS`` to a log file that it
echoes to its terminal, they go there, and executed notebooks stay free of them.
"""

from __future__ import annotations

import os
import sys

from transformers import PrinterCallback, ProgressCallback, Trainer, TrainerCallback

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


def say(message: str) -> None:
    """One progress line (e.g. 'fine-tuning run 3 of 18') where the bars go."""
    log = _log_file()
    if log is None:
        print(message, file=sys.stdout, flush=True)
    else:
        log.write(message + "\n")


class LossBar(TrainerCallback):
    """Bar over optimisation steps showing the most recent logged loss (and time left)."""

    def __init__(self, desc: str, enabled: bool = True):
        self.desc, self.enabled, self.bar = desc, enabled, None

    def on_train_begin(self, args, state, control, **kwargs):
        self.bar = bar(total=state.max_steps, initial=state.global_step, desc=self.desc, disable=not self.enabled)

    def on_step_end(self, args, state, control, **kwargs):
        self.bar.update(state.global_step - self.bar.n)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and "loss" in logs:
            self.bar.set_postfix(loss=f"{float(logs['loss']):.3f}")

    def on_train_end(self, args, state, control, **kwargs):
        self.bar.close()


def quiet(trainer: Trainer, desc: str, enabled: bool = True) -> Trainer:
    """Replace the Trainer's printing callbacks by a single :class:`LossBar`."""
    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    trainer.add_callback(LossBar(desc, enabled))
    return trainer
