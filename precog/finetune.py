"""Fine-tuning with a per-example record (BERT_FT): who is classified right, and how surely.

``finetune(task, model, seed, config)`` fine-tunes any ``AutoModelForSequenceClassification``
(hub id or folder; e.g. bert-base-uncased or the demo model) on a registered task with
``Trainer``, evaluates after every epoch, and writes to its run folder:

* ``predictions.parquet``: one row per evaluation example: id, label (gold), prediction,
  correct, p_gold (final), p_pred (probability of the predicted class), p_gold_epoch1..E (training dynamics; data-map confidence and
  variability are their mean and standard deviation, Swayamdipta et al. 2020);
* ``metrics.json``: the task metric(s) and the full configuration.

Run folders live in the cache under a key of (task, model files, seed, config); a run
interrupted mid-way resumes from its last epoch checkpoint. ``accelerate launch`` /
``torchrun`` spread a run over processes unchanged (Trainer handles it).
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.special import softmax
from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef
from transformers import (
    AutoModelForSequenceClassification,
    DataCollatorWithPadding,
    Trainer,
    TrainerCallback,
    TrainingArguments,
    set_seed,
)
from transformers.utils import logging as hf_logging

from precog import cache
from precog.errors import PrecogError
from precog.models import load_tokenizer
from precog.progress import quiet
from precog.tasks import Task, get_task

log = logging.getLogger("precog")


@dataclass(frozen=True)
class FinetuneConfig:
    """Fine-tuning recipe; defaults are the standard BERT GLUE recipe (paper profile)."""

    max_length: int = 128
    batch_size: int = 32
    learning_rate: float = 2e-5
    epochs: int = 3
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    max_train_examples: int | None = None
    max_eval_examples: int | None = None

    @classmethod
    def from_dict(cls, values: dict) -> FinetuneConfig:
        return cls(**values)


def task_metrics(task: Task, labels: np.ndarray, predictions: np.ndarray) -> dict[str, float]:
    """The task's metric(s): accuracy always; Matthews correlation (CoLA); F1 (MRPC, QQP).

    Args:
        labels, predictions: (N,) integer class ids.
    """
    out = {"accuracy": float(accuracy_score(labels, predictions))}
    if task.metric == "matthews":
        out["matthews"] = float(matthews_corrcoef(labels, predictions))
    if task.metric == "f1":
        out["f1"] = float(f1_score(labels, predictions))
    return out


def _encode(task: Task, split: str, tokenizer, max_length: int, limit: int | None):
    ds = task.load(split)
    if limit is not None:
        ds = ds.select(range(min(limit, len(ds))))
    fields = task.text_fields

    def tok(batch):
        return tokenizer(*[batch[f] for f in fields], truncation=True, max_length=max_length)

    return ds, ds.map(tok, batched=True, remove_columns=[c for c in ds.column_names if c != "label"])


class _EpochProbs(TrainerCallback):
    """Writes p(gold) of every evaluation example after each epoch's evaluation."""

    def __init__(self, folder: Path, holder: dict):
        self.folder, self.holder = folder, holder

    def on_evaluate(self, args, state, control, **kwargs):
        epoch = int(round(state.epoch))
        np.save(self.folder / f"p_gold_epoch{epoch}.npy", self.holder["p_gold"])


def run_key(task: Task, model: str, seed: int, config: FinetuneConfig) -> str:
    """Cache key of one fine-tuning run."""
    return cache.key_of(
        {"task": task.name, "model": cache.model_identity(model), "seed": seed, "config": asdict(config), "version": 1}
    )


def finetune(
    task: str | Task,
    model: str,
    seed: int = 0,
    config: FinetuneConfig = FinetuneConfig(),
    folder: Path | None = None,
    progress: bool = True,
    callbacks: tuple[TrainerCallback, ...] = (),
) -> Path:
    """Fine-tune ``model`` on ``task`` with ``seed``; return the run folder (see module doc).

    A finished run in ``folder`` (default: the cache entry of this run) is returned as is.
    """
    task = get_task(task) if isinstance(task, str) else task
    if task.is_regression:
        raise PrecogError(f"{task.name} is a regression task; fine-tuning here covers classification tasks only")
    model = str(model)
    folder = Path(folder) if folder else cache.entry("finetune", run_key(task, model, seed, config))
    if cache.is_done(folder):
        log.info("fine-tuning %s seed %d from cache: %s", task.name, seed, folder)
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = load_tokenizer(model)
    train_raw, train = _encode(task, task.train_split, tokenizer, config.max_length, config.max_train_examples)
    eval_raw, evaluation = _encode(task, task.eval_split, tokenizer, config.max_length, config.max_eval_examples)
    labels = dict(enumerate(task.label_names))
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # "newly initialized classifier" is expected here
    set_seed(seed)  # the new classifier head is drawn from the global generator
    try:
        clf = AutoModelForSequenceClassification.from_pretrained(
            model, num_labels=task.num_labels, id2label=labels, label2id={v: k for k, v in labels.items()}
        )
    except OSError as err:
        raise PrecogError(
            f"cannot load '{model}' for fine-tuning ({type(err).__name__}); "
            "offline, use the demo profile or a local folder"
        ) from None
    finally:
        hf_logging.set_verbosity(verbosity)
    holder: dict = {}

    def compute_metrics(pred):
        probs = softmax(pred.predictions.astype(np.float64), axis=1)
        gold = pred.label_ids
        holder["p_gold"] = probs[np.arange(len(gold)), gold]
        return task_metrics(task, gold, probs.argmax(1))

    args = TrainingArguments(
        output_dir=str(folder / "checkpoints"),
        num_train_epochs=config.epochs,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=max(64, config.batch_size),
        learning_rate=config.learning_rate,
        warmup_steps=float(config.warmup_ratio),
        weight_decay=config.weight_decay,
        lr_scheduler_type="linear",
        eval_strategy="epoch",
        save_strategy="epoch",
        save_total_limit=1,
        logging_strategy="epoch",
        report_to=[],
        seed=seed,
        data_seed=seed,
        disable_tqdm=True,
        dataloader_pin_memory=torch.cuda.is_available(),
        save_only_model=False,
    )
    trainer = Trainer(
        model=clf,
        args=args,
        train_dataset=train,
        eval_dataset=evaluation,
        data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=compute_metrics,
        callbacks=[_EpochProbs(folder, holder), *callbacks],
    )
    quiet(trainer, f"fine-tuning {task.name} (seed {seed})", progress)
    resume = any((folder / "checkpoints").glob("checkpoint-*"))
    if resume:
        log.info("resuming %s seed %d from its last checkpoint", task.name, seed)
    trainer.train(resume_from_checkpoint=True if resume else None)
    out = trainer.predict(evaluation)
    probs = softmax(out.predictions.astype(np.float64), axis=1)
    gold = np.asarray(eval_raw["label"])
    record = pd.DataFrame({"id": eval_raw["id"], "label": gold, "prediction": probs.argmax(1)})
    record["correct"] = record["label"] == record["prediction"]
    record["p_gold"] = probs[np.arange(len(gold)), gold]
    record["p_pred"] = probs.max(axis=1)
    for e in range(1, config.epochs + 1):
        record[f"p_gold_epoch{e}"] = np.load(folder / f"p_gold_epoch{e}.npy")
    record.to_parquet(folder / "predictions.parquet", index=False)
    metrics = {
        "task": task.name,
        "model": model,
        "seed": seed,
        "split": task.eval_split,
        "n_eval": len(record),
        "n_train": len(train),
        **task_metrics(task, gold, record["prediction"].to_numpy()),
        "config": asdict(config),
    }
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    shutil.rmtree(folder / "checkpoints", ignore_errors=True)
    for f in folder.glob("p_gold_epoch*.npy"):
        f.unlink()
    cache.mark_done(folder, {"key": folder.name})
    return folder


def load_predictions(folder: Path) -> pd.DataFrame:
    """The per-example record of a run, with its task, seed and model as columns."""
    meta = json.loads((Path(folder) / "metrics.json").read_text())
    df = pd.read_parquet(Path(folder) / "predictions.parquet")
    return df.assign(task=meta["task"], seed=meta["seed"], model=meta["model"])
