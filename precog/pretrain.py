"""The controlled pre-training study: a small BERT that has seen a known, dosed set of examples.

Recipe (``pretrain(config)``):

1. Membership manifest: every used validation example of every demo task gets, by a
   seeded balanced draw, a dose d in ``config.doses`` (d = 0: never seen).
2. Corpus: Wikipedia prose of the pre-training articles (cut into ~``chunk_words``-word
   passages) + news documents + d copies of each dosed example's text (never its label;
   a pair as one passage "A B"), shuffled with the seed.
3. WordPiece tokenizer (uncased, BERT special tokens; our deterministic trainer in
   :mod:`precog.wordpiece`) trained on the corpus *before* injection, so the vocabulary
   does not depend on the doses.
4. ``BertForMaskedLM`` trained with the standard MLM objective (15% of tokens, 80/10/10
   mask/random/keep) through ``Trainer``; the loss and the MLM head are computed only at
   the masked positions (the head over all positions would dominate the cost).
5. Saved with ``save_pretrained`` (+ tokenizer, manifest.csv, pretrain.json with the
   loss curve, quality.json with held-out masked-token accuracy) in a cache folder keyed
   by (config, data checksums, seed); a second call loads instead of training.
"""

from __future__ import annotations

import json
import logging
import random
import shutil
import time
from dataclasses import asdict, dataclass, field
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

from precog import cache, corpus
from precog.data import SOURCES
from precog.progress import quiet
from precog.tasks import DEMO, wiki_partition
from precog.wordpiece import count_words, train_vocab

log = logging.getLogger("precog")


@dataclass(frozen=True)
class PretrainConfig:
    """Everything that determines the demo model (all of it enters the cache key)."""

    vocab_size: int = 8000
    layers: int = 2
    hidden: int = 128
    heads: int = 2
    intermediate: int = 512
    max_length: int = 64
    batch_size: int = 32
    learning_rate: float = 7e-4
    warmup_steps: int = 200
    steps: int = 7000
    weight_decay: float = 0.01
    mlm_probability: float = 0.15
    chunk_words: int = 40
    doses: tuple[int, ...] = (0, 1, 4, 16)
    eval_examples: dict[str, int] = field(default_factory=lambda: {"rt-polarity": 800, "wiki-next": 400})
    wiki_articles: int | None = None  # None: every pre-training article; smoke: a few
    news: bool = True
    heldout_chunks: int = 300
    seed: int = 0

    @classmethod
    def from_dict(cls, values: dict) -> PretrainConfig:
        values = dict(values)
        if "doses" in values:
            values["doses"] = tuple(values["doses"])
        return cls(**values)


def manifest(config: PretrainConfig) -> pd.DataFrame:
    """Membership manifest: one row (task, id, dose) per used validation example.

    The first ``eval_examples[task]`` validation examples (by id) of each demo task are
    shuffled with the seed and dealt doses in turn, so every dose gets an equal share.
    """
    rows = []
    for t, (name, n) in enumerate(sorted(config.eval_examples.items())):
        ids = sorted(DEMO[name].load("validation")["id"])[:n]
        order = ids[:]
        random.Random(config.seed * 1000 + t).shuffle(order)
        rows += [(name, i, config.doses[j % len(config.doses)]) for j, i in enumerate(order)]
    df = pd.DataFrame(rows, columns=["task", "id", "dose"])
    return df.sort_values(["task", "id"], ignore_index=True)


def example_texts(task: str, ids) -> dict[int, str]:
    """The text of each validation example as one passage (pairs joined by a space)."""
    ds = DEMO[task].load("validation")
    fields = DEMO[task].text_fields
    wanted = set(ids)
    return {r["id"]: " ".join(r[f] for f in fields) for r in ds if r["id"] in wanted}


def base_passages(config: PretrainConfig) -> list[str]:
    """Pre-training text before injection: Wikipedia passages, then news documents."""
    articles = corpus.wikipedia_articles()
    keep = wiki_partition()["pretrain"]
    if config.wiki_articles is not None:
        keep = keep[: config.wiki_articles]
    out = [c for a in keep for para in articles[a][1] for c in corpus.chunk_words(para, config.chunk_words)]
    if config.news:
        out += [c for doc in corpus.news_documents() for c in corpus.chunk_words(doc, config.chunk_words)]
    return out


def injected_passages(members: pd.DataFrame) -> list[str]:
    """``dose`` copies of every manifest example's text."""
    out = []
    for task, rows in members.groupby("task", sort=True):
        texts = example_texts(task, rows["id"])
        for i, dose in zip(rows["id"], rows["dose"], strict=True):
            out += [texts[i]] * int(dose)
    return out


def heldout_passages(config: PretrainConfig) -> list[str]:
    """Wikipedia passages of the held-out articles (never in the corpus), for quality checks."""
    articles = corpus.wikipedia_articles()
    chunks = [
        c
        for a in wiki_partition()["heldout"]
        for p in articles[a][1]
        for c in corpus.chunk_words(p, config.chunk_words)
    ]
    return chunks[: config.heldout_chunks]


def train_tokenizer(passages: list[str], vocab_size: int) -> BertTokenizer:
    """An uncased WordPiece tokenizer with BERT's special tokens (deterministic, see wordpiece)."""
    pieces = train_vocab(count_words(passages), vocab_size)
    return BertTokenizer(vocab={p: i for i, p in enumerate(pieces)}, do_lower_case=True, model_max_length=512)


class MaskedOnlyTrainer(Trainer):
    """Trainer whose MLM loss runs the head only on the masked positions (labels != -100)."""

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        labels = inputs.pop("labels")
        hidden = model.bert(**inputs).last_hidden_state
        picked = labels != -100
        logits = model.cls(hidden[picked])
        loss = F.cross_entropy(logits.float(), labels[picked])
        return (loss, {"logits": logits}) if return_outputs else loss


def data_checksums() -> dict[str, str]:
    return {name: s.sha256 for name, s in SOURCES.items()}


def cache_key(config: PretrainConfig) -> str:
    return cache.key_of({"config": asdict(config), "data": data_checksums(), "version": 1})


def pretrain(config: PretrainConfig, force: bool = False, progress: bool = True) -> Path:
    """Train (or load from the cache) the demo model; return its folder."""
    folder = cache.entry("pretrain", cache_key(config))
    if cache.is_done(folder) and not force:
        log.info("demo model from cache: %s", folder)
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    start = time.perf_counter()
    members = manifest(config)
    base = base_passages(config)
    passages = base + injected_passages(members)
    random.Random(config.seed).shuffle(passages)
    tokenizer = train_tokenizer(base, config.vocab_size)
    encoded = tokenizer(passages, truncation=True, max_length=config.max_length)["input_ids"]
    dataset = [{"input_ids": ids} for ids in encoded]
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
        )
    )
    args = TrainingArguments(
        output_dir=str(folder / "trainer"),
        max_steps=config.steps,
        per_device_train_batch_size=config.batch_size,
        learning_rate=config.learning_rate,
        warmup_steps=config.warmup_steps,
        lr_scheduler_type="constant_with_warmup",
        weight_decay=config.weight_decay,
        logging_steps=max(1, config.steps // 50),
        save_strategy="no",
        report_to=[],
        seed=config.seed,
        data_seed=config.seed,
        dataloader_num_workers=0,
        disable_tqdm=True,
        remove_unused_columns=False,
        dataloader_pin_memory=torch.cuda.is_available(),
    )
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=config.mlm_probability)
    trainer = MaskedOnlyTrainer(model=model, args=args, train_dataset=dataset, data_collator=collator)
    quiet(trainer, "pre-training (MLM)", progress)
    trainer.train()
    seconds = time.perf_counter() - start
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    members.to_csv(folder / "manifest.csv", index=False)
    losses = [(h["step"], h["loss"]) for h in trainer.state.log_history if "loss" in h]
    shutil.rmtree(folder / "trainer", ignore_errors=True)
    info = {
        "config": asdict(config),
        "data": data_checksums(),
        "passages": len(passages),
        "base_passages": len(base),
        "injected_passages": len(passages) - len(base),
        "sequences_seen": config.steps * config.batch_size,
        "train_seconds": round(seconds, 1),
        "loss_curve": losses,
        "first_loss": losses[0][1] if losses else None,
        "final_loss": losses[-1][1] if losses else None,
    }
    (folder / "pretrain.json").write_text(json.dumps(info, indent=1) + "\n")
    (folder / "quality.json").write_text(json.dumps(heldout_quality(folder, config), indent=1) + "\n")
    cache.mark_done(folder, {"key": folder.name})
    log.info("demo model trained in %.0f s: %s", seconds, folder)
    return folder


def heldout_quality(folder: Path, config: PretrainConfig) -> dict:
    """Masked-token top-1 / top-50 accuracy on held-out Wikipedia (one token masked at a time)."""
    from precog.scoring import score

    texts = heldout_passages(config)
    s = score(texts, folder, k=(1, 50), progress=False)
    n = s["n_scored"].to_numpy()
    return {
        "heldout_passages": len(texts),
        "heldout_tokens": int(n.sum()),
        "top1_accuracy": float(np.sum(s["precog@1"].fillna(0) * n) / n.sum()),
        "top50_accuracy": float(np.sum(s["precog@50"].fillna(0) * n) / n.sum()),
        "mean_logprob": float(np.sum(s["mean_logprob"].fillna(0) * n) / n.sum()),
    }
