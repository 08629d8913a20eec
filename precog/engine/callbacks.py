"""Trainer callbacks: one loss bar in place of the Trainer's own printing (:func:`quiet`)."""

from __future__ import annotations

from transformers import PrinterCallback, ProgressCallback, Trainer, TrainerCallback

from precog.progress import bar


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
