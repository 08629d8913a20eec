"""The demo's pre-trained models: a small BERT trained here, offline, and its study copies.

Recipe (every step cached; see ``models(...)``):

1. **Corpus** (:func:`base_sequences`): Wikipedia prose of the pre-training articles, news,
   Pang & Lee's movie reviews, the pre-training half of the film plot summaries and the text
   of the rt-polarity training split (never its labels), cut into ~``chunk_words``-word chunks;
   two consecutive chunks make one sequence, as two segments (``pair_share`` of the time,
   so segment B is trained the way pair tasks use it) or as one. A sequence that shares a
   sentence or an 8-gram with any study example is dropped.
2. **Tokenizer**: uncased WordPiece (our deterministic trainer, :mod:`precog.study.tokenizer`).
3. **Embeddings**: token embeddings from a PPMI-SVD factorisation of the corpus
   (:mod:`precog.study.embeddings`), kept fixed during pre-training; the MLM decoder is untied.
4. **Base model**: ``BertForMaskedLM`` trained with MLM (``mlm_probability``, 80/10/10) for
   ``steps`` steps; loss and head only at masked positions. No example is injected.
5. **Study models 0..K-1** (:mod:`precog.study.design`): the base model trained on, for one more
   ``passes``, a corpus of its injected copies plus ``base_share`` base sequences per copy.
   They differ in which examples they were given and in their continuation seed.
6. **Random init**: the same architecture and tokenizer with random weights (the control
   that shows whether pre-training transfers).

Folders hold ``save_pretrained`` output, the tokenizer, ``pretrain.json``
(loss curve, sizes), ``quality.json`` (masked-token accuracy on held-out Wikipedia) and,
for a study model, ``manifest.csv`` (the membership manifest of its replicate).
"""

from __future__ import annotations

import json
import logging
import random
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from transformers import (
    BertConfig,
    BertForMaskedLM,
    BertTokenizer,
    DataCollatorForLanguageModeling,
    Trainer,
    TrainingArguments,
)

from precog import cache
from precog.configs import PretrainConfig, StudyConfig
from precog.data.tasks import NEXT_WORDS, check_label_words
from precog.engine.callbacks import quiet
from precog.errors import PrecogError
from precog.precision import autocast, resolve, trainer_args
from precog.study.design import injected_passages, manifest, shared_design
from precog.study.embeddings import ppmi_svd
from precog.study.keys import base_key, random_key, study_key
from precog.study.sequences import (
    Sequence_,
    _tasks,
    clean_base_sequences,
    encode,
    heldout_passages,
    train_tokenizer,
)

log = logging.getLogger("precog")


# ---------------------------------------------------------------- training
class MaskedOnlyTrainer(Trainer):
    """Trainer whose MLM loss runs the head only on the masked positions (labels != -100), under
    ``precision`` (a resolved precision: the submodules are called directly, so Trainer's own
    autocast of ``model.forward`` does not reach them)."""

    def __init__(self, *args, precision: str = "fp32", **kwargs):
        super().__init__(*args, **kwargs)
        self.precision = precision

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        labels = inputs.pop("labels")
        picked = labels != -100
        with autocast(self.precision, model.device):
            hidden = model.bert(**inputs).last_hidden_state
            logits = model.cls(hidden[picked])
        loss = F.cross_entropy(logits.float(), labels[picked])
        return (loss, {"logits": logits}) if return_outputs else loss


def new_model(config: PretrainConfig, tokenizer, embeddings: np.ndarray | None) -> BertForMaskedLM:
    """A BERT of the configured size (no dropout while pre-training, untied decoder); with
    ``embeddings`` (V, hidden) the token embeddings are set to them and frozen."""
    torch.manual_seed(config.seed)
    model = BertForMaskedLM(
        BertConfig(
            vocab_size=len(tokenizer),
            hidden_size=config.hidden,
            num_hidden_layers=config.layers,
            num_attention_heads=config.heads,
            intermediate_size=config.intermediate,
            max_position_embeddings=max(config.max_length, 64),
            pad_token_id=tokenizer.pad_token_id,
            hidden_dropout_prob=0.0,
            attention_probs_dropout_prob=0.0,
            tie_word_embeddings=False,
        )
    )
    if embeddings is not None:
        weight = model.bert.embeddings.word_embeddings.weight
        with torch.no_grad():
            weight.copy_(torch.from_numpy(embeddings))
        weight.requires_grad_(False)
    return model


def train_mlm(model, tokenizer, dataset: list[dict], config: PretrainConfig, folder: Path, desc: str, progress: bool,
              steps: int, warmup_steps: int = 0, seed: int | None = None) -> list[tuple[int, float]]:
    """``steps`` steps of MLM training at a constant learning rate (after warm-up); returns
    the (step, loss) curve. ``seed`` (default ``config.seed``) sets data order and masking."""
    seed = config.seed if seed is None else seed
    used = resolve(config.precision)
    args = TrainingArguments(
        output_dir=str(folder / "trainer"),
        max_steps=steps,
        per_device_train_batch_size=config.batch_size,
        learning_rate=config.learning_rate,
        warmup_steps=warmup_steps,
        lr_scheduler_type="constant_with_warmup",
        weight_decay=0.01,
        adam_beta2=0.98,
        logging_steps=max(1, min(50, steps // 20)),
        save_strategy="no",
        report_to=[],
        seed=seed,
        data_seed=seed,
        dataloader_num_workers=0,
        disable_tqdm=True,
        remove_unused_columns=False,
        dataloader_pin_memory=torch.cuda.is_available(),
        **trainer_args(used),
    )
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=config.mlm_probability)
    trainer = MaskedOnlyTrainer(model=model, args=args, train_dataset=dataset, data_collator=collator, precision=used)
    quiet(trainer, desc, progress)
    trainer.train()
    shutil.rmtree(folder / "trainer", ignore_errors=True)
    return [(h["step"], round(h["loss"], 4)) for h in trainer.state.log_history if "loss" in h]


def save_model(model, tokenizer, folder: Path, info: dict, members: pd.DataFrame | None, config: PretrainConfig) -> None:
    """save_pretrained (dropout 0.1 in the saved config, for fine-tuning), tokenizer, manifest
    (study models), pretrain.json, quality.json."""
    model.config.hidden_dropout_prob = model.config.attention_probs_dropout_prob = 0.1
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    if members is not None:
        members.to_csv(folder / "manifest.csv", index=False)
    (folder / "pretrain.json").write_text(json.dumps(info, indent=1) + "\n")
    (folder / "quality.json").write_text(json.dumps(heldout_quality(folder, config), indent=1) + "\n")


def heldout_quality(folder: Path, config: PretrainConfig) -> dict:
    """Masked-token top-1 / top-50 accuracy on held-out Wikipedia (one token masked at a time)."""
    from precog.engine.scoring import score

    texts = heldout_passages(config)
    s = score(texts, folder, k=(1, 50), precision=config.precision, progress=False)
    n = s["n_scored"].to_numpy()
    return {
        "heldout_passages": len(texts),
        "heldout_tokens": int(n.sum()),
        "top1_accuracy": float(np.sum(s["precog@1"].fillna(0) * n) / n.sum()),
        "top50_accuracy": float(np.sum(s["precog@50"].fillna(0) * n) / n.sum()),
    }


# ---------------------------------------------------------------- cached models
def base_model(config: PretrainConfig, study: StudyConfig, tasks: tuple[str, ...], progress: bool = True) -> Path:
    """Train (or load from the cache) the base model (no example injected), on every CPU core."""
    study = shared_design(study)
    with cache.cached("pretrain", base_key(config, study, tasks)) as e:
        if not e.done:
            study.validate()
            _train_base(config, study, tasks, e.folder, progress)
    return e.folder


def _train_base(config: PretrainConfig, study: StudyConfig, tasks: tuple[str, ...], folder: Path, progress: bool) -> None:
    registry = _tasks(tasks)
    start = time.perf_counter()
    sequences = clean_base_sequences(config, study, tasks)
    slot_words = [w for t in registry.values() for w in t.label_words] + list(NEXT_WORDS if config.next_sentence else ())
    words = tuple(dict.fromkeys(w.lower() for w in slot_words))  # whole tokens, in first-seen order
    tokenizer = train_tokenizer([s for seq in sequences for s in seq if s], config.vocab_size, words)
    check_label_words(registry, tokenizer)
    encoded = encode(tokenizer, sequences, config.max_length)
    embeddings = None
    if config.embeddings == "ppmi-svd":
        ids = [[t for t in e["input_ids"] if t not in tokenizer.all_special_ids] for e in encoded]
        embeddings = ppmi_svd(ids, len(tokenizer), config.hidden, config.svd_window, seed=config.seed)
    model = new_model(config, tokenizer, embeddings)
    curve = train_mlm(model, tokenizer, encoded, config, folder, "pre-training the base model (MLM)", progress,
                      steps=config.steps, warmup_steps=config.warmup_steps)
    info = {
        "phase": "base",
        "precision": resolve(config.precision),
        "sequences": len(sequences),
        "tokens": int(sum(len(e["input_ids"]) for e in encoded)),
        "passes": round(config.steps * config.batch_size / len(encoded), 3),
        "train_seconds": round(time.perf_counter() - start, 1),
        "loss_curve": curve,
    }
    save_model(model, tokenizer, folder, info, None, config)
    log.info("base model trained in %.0f s: %s", info["train_seconds"], folder)


def continuation_seed(config: PretrainConfig, study: StudyConfig, which: str) -> int:
    """The training seed (data order, masking) of study model ``which`` in its replicate."""
    return int(cache.key_of({"seed": config.seed, "replicate": study.replicate, "model": which}, 8), 16)


def study_models(config: PretrainConfig, study: StudyConfig, tasks: tuple[str, ...], names: tuple[str, ...] | None = None,
                 runs: int = 1, progress: bool = True) -> dict[str, Path]:
    """Study models ``names`` (default: all of ``study.model_names``), trained (those not in
    the cache) ``runs`` at a time (:func:`precog.concurrent.side_by_side`, one CPU thread
    each); name -> folder.

    Each is the base model trained on its injected copies plus ``base_share`` base
    sequences per copy, for ``study.passes`` passes.
    """
    from precog.concurrent import side_by_side
    from precog.progress import say

    names = study.model_names if names is None else tuple(names)
    unknown = [w for w in names if w not in study.model_names]
    if unknown:
        raise PrecogError(f"study model(s) {unknown} are not among {study.model_names}")
    base = base_model(config, study, tasks, progress)
    folders = {w: cache.entry("pretrain", study_key(base, study, w)) for w in names}
    todo = [w for w in names if not cache.is_done(folders[w])]
    if todo:
        registry = _tasks(tasks)
        members = manifest(registry, study)
        pool = clean_base_sequences(config, shared_design(study), tasks)
        jobs = []
        for which in todo:
            injected = injected_passages(registry, members, which)
            rng = random.Random(f"{study.seed}:{study.replicate}:{which}")
            extra = rng.sample(pool, min(len(pool), round(study.base_share * len(injected))))
            jobs.append({"config": config, "study": study, "which": which, "base": str(base), "injected": injected,
                         "extra": extra, "members": members, "progress": progress and runs <= 1})
        at_once = f" ({runs} at a time)" if runs > 1 and len(todo) > 1 else ""

        def started(i: int) -> None:
            if progress:
                say(f"pre-training study model {todo[i]} ({i + 1} of {len(todo)} to train{at_once})")

        side_by_side(train_study_model, jobs, runs, on_start=started)
    return folders


def study_model(config: PretrainConfig, study: StudyConfig, tasks: tuple[str, ...], which: str,
                progress: bool = True) -> Path:
    """Study model ``which`` alone (see :func:`study_models`)."""
    return study_models(config, study, tasks, (which,), progress=progress)[which]


def train_study_model(config: PretrainConfig, study: StudyConfig, which: str, base: str, injected: list[Sequence_],
                      extra: list[Sequence_], members: pd.DataFrame, progress: bool = False) -> str:
    """Continue base model ``base`` on ``injected`` + ``extra`` sequences into study model
    ``which`` (cached; a job of :func:`study_models`); its folder."""
    base = Path(base)
    with cache.cached("pretrain", study_key(base, study, which)) as e:
        if not e.done:
            start = time.perf_counter()
            tokenizer = BertTokenizer.from_pretrained(base)
            model = BertForMaskedLM.from_pretrained(base)
            model.config.hidden_dropout_prob = model.config.attention_probs_dropout_prob = 0.0
            model = BertForMaskedLM.from_pretrained(base, config=model.config)
            model.bert.embeddings.word_embeddings.weight.requires_grad_(config.embeddings != "ppmi-svd")
            sequences = injected + extra
            steps = study.passes * -(-len(sequences) // config.batch_size)
            curve = train_mlm(model, tokenizer, encode(tokenizer, sequences, config.max_length), config, e.folder,
                              f"pre-training study model {which} of {study.models} (injected copies)", progress,
                              steps=steps, seed=continuation_seed(config, study, which))
            info = {
                "phase": f"model {which}",
                "precision": resolve(config.precision),
                "base": base.name,
                "replicate": study.replicate,
                "injected_sequences": len(injected),
                "base_sequences": len(extra),
                "passes": study.passes,
                "train_seconds": round(time.perf_counter() - start, 1),
                "loss_curve": curve,
            }
            save_model(model, tokenizer, e.folder, info, members, config)
            log.info("model %s trained in %.0f s: %s", which, info["train_seconds"], e.folder)
    return str(e.folder)


def random_model(config: PretrainConfig, study: StudyConfig, tasks: tuple[str, ...], progress: bool = True) -> Path:
    """The control: the same architecture and tokenizer, random weights (no pre-training)."""
    base = base_model(config, study, tasks, progress)
    with cache.cached("pretrain", random_key(base)) as e:
        if not e.done:
            tokenizer = BertTokenizer.from_pretrained(base)
            model = new_model(config, tokenizer, None)
            model.config.hidden_dropout_prob = model.config.attention_probs_dropout_prob = 0.1
            model.save_pretrained(e.folder)
            tokenizer.save_pretrained(e.folder)
    return e.folder
