"""Fine-tuning with a per-example record (BERT_FT): who is classified right, and how surely.

``finetune(task, model, seed, config)`` fine-tunes a masked LM or encoder (hub id or folder)
on a registered task with ``Trainer``, evaluates after every epoch, and writes to its run
folder:

* ``predictions.parquet``: one row per evaluation example: id, label (gold), prediction,
  correct, p_gold (final), p_pred (probability of the predicted class), p_gold_epoch1..E
  (training dynamics; data-map confidence and variability are their mean and standard
  deviation, Swayamdipta et al. 2020);
* ``metrics.json``: the task metric(s) and the full configuration.

Two heads (``FinetuneConfig.head``):

* ``cls``: the standard recipe, ``AutoModelForSequenceClassification`` (a new classifier on
  the pooled [CLS] state); the paper profile's.
* ``prompt``: the masked-LM head reads a mask slot appended to the input (after the last
  segment, so it survives truncation); the class logits are its logits for the task's
  label words (prompt-based fine-tuning, Schick & Schütze 2021; Gao et al. 2021). No new
  parameters, so a small pre-trained model's head is used rather than replaced; the demo's.

Run folders live in the cache under a key of (task, model files, seed, config, evaluation
ids, code); a run interrupted mid-way resumes from its last epoch checkpoint.
``accelerate launch`` / ``torchrun`` spread a run over processes unchanged (Trainer does it).
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from scipy.special import softmax
from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef
from transformers import (
    AutoModelForMaskedLM,
    AutoModelForSequenceClassification,
    DataCollatorWithPadding,
    Trainer,
    TrainerCallback,
    TrainingArguments,
    set_seed,
)
from transformers.utils import logging as hf_logging

from precog import cache
from precog.concurrent import side_by_side
from precog.configs import FinetuneConfig
from precog.data.tasks import Task, check_label_words, get_task, training_subset
from precog.engine.callbacks import quiet
from precog.engine.models import gather_hidden, load_tokenizer
from precog.engine.runs import Run, run_key
from precog.errors import PrecogError
from precog.precision import resolve, trainer_args

log = logging.getLogger("precog")


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


def append_mask(enc: dict, mask_id: int) -> dict:
    """Insert the mask slot before each sequence's final special token (token types copied)."""
    out = {k: [] for k in enc}
    for i, ids in enumerate(enc["input_ids"]):
        cut = len(ids) - 1
        for k in enc:
            row = list(enc[k][i])
            fill = mask_id if k == "input_ids" else row[cut - 1] if k == "token_type_ids" else 1
            out[k].append(row[:cut] + [fill] + row[cut:])
    return out


def encode_split(task: Task, split: str, tokenizer, config: FinetuneConfig, rows: Sequence[int] | None = None,
                 ids: Sequence[int] | None = None):
    """(raw split, tokenised split) restricted to ``rows`` (positions) or ``ids`` (example ids)."""
    ds = task.load(split)
    if rows is not None:
        ds = ds.select(rows)
    if ids is not None:
        wanted = set(int(i) for i in ids)
        ds = ds.filter(lambda r: r["id"] in wanted)
        if len(ds) != len(wanted):
            raise PrecogError(f"{task.name}/{split} lacks {len(wanted) - len(ds)} of the requested example ids")
    prompt = config.head == "prompt"
    width = config.max_length - (1 if prompt else 0)

    def tok(batch):
        enc = tokenizer(*[batch[f] for f in task.text_fields], truncation=True, max_length=width)
        return append_mask(dict(enc), tokenizer.mask_token_id) if prompt else enc

    keep = [c for c in ds.column_names if c != "label"]
    return ds, ds.map(tok, batched=True, remove_columns=keep)


class PromptTrainer(Trainer):
    """Trainer whose class logits are the masked-LM logits of the label words at the mask slot."""

    def __init__(self, *args, label_ids: list[int], mask_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.label_ids, self.mask_id = torch.tensor(label_ids), mask_id

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        labels = inputs.pop("labels")
        ids = inputs["input_ids"]
        slot = ids.shape[1] - 1 - (ids.flip(1) == self.mask_id).int().argmax(1)  # last mask of each row
        with gather_hidden(model) as hook:
            hook.index = torch.arange(len(ids), device=ids.device) * ids.shape[1] + slot
            logits = model(**inputs).logits[0][:, self.label_ids.to(ids.device)]
        loss = F.cross_entropy(logits.float(), labels)
        return (loss, {"logits": logits}) if return_outputs else loss


class _EpochProbs(TrainerCallback):
    """Writes p(gold) of every evaluation example after each epoch's evaluation, and the
    latest epoch's class probabilities (the final record is the last epoch's)."""

    def __init__(self, folder: Path, holder: dict):
        self.folder, self.holder = folder, holder

    def on_evaluate(self, args, state, control, **kwargs):
        epoch = int(round(state.epoch))
        np.save(self.folder / f"p_gold_epoch{epoch}.npy", self.holder["p_gold"])
        np.save(self.folder / "probs_last_epoch.npy", self.holder["probs"])  # written before the epoch's checkpoint


def load_classifier(model: str, task: Task, config: FinetuneConfig):
    """The model to fine-tune: an MLM (prompt head) or a sequence classifier (cls head)."""
    labels = dict(enumerate(task.label_names))
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # "newly initialized classifier" / unused pooler are expected here
    try:
        if config.head == "prompt":
            return AutoModelForMaskedLM.from_pretrained(model)
        return AutoModelForSequenceClassification.from_pretrained(
            model, num_labels=task.num_labels, id2label=labels, label2id={v: k for k, v in labels.items()}
        )
    except OSError as err:
        raise PrecogError(
            f"cannot load '{model}' for fine-tuning ({type(err).__name__}); offline, use the demo profile or a local folder"
        ) from None
    finally:
        hf_logging.set_verbosity(verbosity)


def finetune(
    task: str | Task,
    model: str,
    seed: int = 0,
    config: FinetuneConfig | None = None,
    eval_ids: Sequence[int] | None = None,
    folder: Path | None = None,
    progress: bool = True,
    callbacks: tuple[TrainerCallback, ...] = (),
) -> Path:
    """Fine-tune ``model`` on ``task`` with ``seed``; return the run folder (see module doc).

    ``eval_ids``: evaluate only these examples of the evaluation split (default: all).
    A finished run in ``folder`` (default: the cache entry of this run) is returned as is.
    """
    task = get_task(task) if isinstance(task, str) else task
    config = config or FinetuneConfig()
    if task.is_regression:
        raise PrecogError(f"{task.name} is a regression task; fine-tuning here covers classification tasks only")
    config.validate(task)
    model = str(model)
    folder = Path(folder) if folder else cache.entry("finetune", run_key(task, model, seed, config, eval_ids))
    if config.head == "prompt" and not cache.is_done(folder):  # before any folder is made
        check_label_words({task.name: task}, load_tokenizer(model))
    with cache.making(folder, resume=True) as e:
        if e.done:
            log.info("fine-tuning %s seed %d from cache: %s", task.name, seed, folder)
        else:
            _fine_tune(task, model, seed, config, eval_ids, folder, progress, callbacks)
    return folder


def _fine_tune(task: Task, model: str, seed: int, config: FinetuneConfig, eval_ids: Sequence[int] | None,
               folder: Path, progress: bool, callbacks: tuple[TrainerCallback, ...]) -> None:
    """The body of :func:`finetune`: train, evaluate after every epoch, write the record."""
    tokenizer = load_tokenizer(model)
    n_train = task.load(task.train_split).num_rows
    _, train = encode_split(task, task.train_split, tokenizer, config, rows=training_subset(n_train, config.train_examples))
    eval_raw, evaluation = encode_split(task, task.eval_split, tokenizer, config, ids=eval_ids)
    order = np.argsort([len(ids) for ids in evaluation["input_ids"]], kind="stable")  # less padding
    evaluation = evaluation.select(order)
    set_seed(seed)  # a new classifier head is drawn from the global generator
    clf = load_classifier(model, task, config)
    holder: dict = {}

    def compute_metrics(pred):
        probs = softmax(np.asarray(pred.predictions, dtype=np.float64), axis=1)
        gold = pred.label_ids
        holder["p_gold"], holder["probs"] = probs[np.arange(len(gold)), gold], probs
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
        label_names=["labels"],
        optim=config.optimizer,
        **trainer_args(resolve(config.precision)),
    )
    kwargs = dict(
        model=clf,
        args=args,
        train_dataset=train,
        eval_dataset=evaluation,
        data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=compute_metrics,
        callbacks=[_EpochProbs(folder, holder), *callbacks],
    )
    if config.head == "prompt":
        label_ids = tokenizer.convert_tokens_to_ids([w.lower() for w in task.label_words])
        trainer = PromptTrainer(**kwargs, label_ids=label_ids, mask_id=tokenizer.mask_token_id)
    else:
        trainer = Trainer(**kwargs)
    quiet(trainer, f"fine-tuning {task.name} (seed {seed})", progress)
    resume = any((folder / "checkpoints").glob("checkpoint-*"))
    if resume:
        log.info("resuming %s seed %d from its last checkpoint", task.name, seed)
    trainer.train(resume_from_checkpoint=True if resume else None)
    unsort = np.argsort(order)  # evaluation ran shortest first; records are in the split's order
    probs = np.load(folder / "probs_last_epoch.npy")[unsort]  # the final model's evaluation (no second pass)
    gold = np.asarray(eval_raw["label"])
    record = pd.DataFrame({"id": eval_raw["id"], "label": gold, "prediction": probs.argmax(1)})
    record["correct"] = record["label"] == record["prediction"]
    record["p_gold"] = probs[np.arange(len(gold)), gold]
    record["p_pred"] = probs.max(axis=1)
    for e in range(1, config.epochs + 1):
        record[f"p_gold_epoch{e}"] = np.load(folder / f"p_gold_epoch{e}.npy")[unsort]
    record.to_parquet(folder / "predictions.parquet", index=False)
    metrics = {
        "task": task.name,
        "model": model,
        "seed": seed,
        "split": task.eval_split,
        "n_eval": len(record),
        "n_train": len(train),
        "precision": resolve(config.precision),
        **task_metrics(task, gold, record["prediction"].to_numpy()),
        "config": asdict(config),
    }
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    shutil.rmtree(folder / "checkpoints", ignore_errors=True)
    for f in [*folder.glob("p_gold_epoch*.npy"), folder / "probs_last_epoch.npy"]:
        f.unlink()


# ---------------------------------------------------------------- many runs
def _wall_clock(folder: Path):
    """A Trainer callback that writes training's wall-clock start and end (epoch seconds) to folder/clock.json."""
    import time

    from transformers import TrainerCallback

    class WallClock(TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            self.start = time.time()

        def on_train_end(self, args, state, control, **kwargs):
            import torch

            if torch.cuda.is_available():
                torch.cuda.synchronize()
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "clock.json").write_text(json.dumps({"start": self.start, "end": time.time()}))

    return WallClock()


def finetune_run(run: Run, progress: bool = False) -> str:
    """Fine-tune one :class:`Run`; its folder."""
    callbacks = (_wall_clock(run.folder),) if run.clock else ()
    return str(finetune(run.task, run.model, run.seed, run.config, eval_ids=run.eval_ids, folder=run.folder,
                        progress=progress, callbacks=callbacks))


def run_all(runs: Sequence[Run], n: int = 1, progress: bool = False, on_start=None, on_done=None) -> list[Path]:
    """Fine-tune every run, ``n`` at a time (:func:`side_by_side`); their folders, in the order
    of ``runs``. ``progress``: each run's loss bar when they run one at a time.
    ``on_start(i, run)`` / ``on_done(i, run)`` as in :func:`side_by_side`."""
    runs = list(runs)
    jobs = [{"run": r, "progress": progress and n <= 1} for r in runs]
    started = (lambda i: on_start(i, runs[i])) if on_start else None
    done = (lambda i: on_done(i, runs[i])) if on_done else None
    return [Path(p) for p in side_by_side(finetune_run, jobs, n, started, done)]
