"""The demo's pre-trained models: a small BERT trained here, offline, and its study copies.

Recipe (every step cached; see ``models(...)``):

1. **Corpus** (:func:`base_sequences`): Wikipedia prose of the pre-training articles, news,
   Pang & Lee's movie reviews, the pre-training half of the film plot summaries and the text
   of the rt-polarity training split (never its labels), cut into ~``chunk_words``-word chunks;
   two consecutive chunks make one sequence, as two segments (``pair_share`` of the time,
   so segment B is trained the way pair tasks use it) or as one. A sequence that shares a
   sentence or an 8-gram with any study example is dropped.
2. **Tokenizer**: uncased WordPiece (our deterministic trainer, :mod:`precog.wordpiece`).
3. **Embeddings**: token embeddings from a PPMI-SVD factorisation of the corpus
   (:mod:`precog.cooccurrence`), kept fixed during pre-training; the MLM decoder is untied.
4. **Base model**: ``BertForMaskedLM`` trained with MLM (``mlm_probability``, 80/10/10) for
   ``steps`` steps; loss and head only at masked positions. No example is injected.
5. **Study models 0..K-1** (:mod:`precog.study`): the base model trained on, for one more
   ``passes``, a corpus of its injected copies plus ``base_share`` base sequences per copy.
   They differ in which examples they were given and in their continuation seed.
6. **Random init**: the same architecture and tokenizer with random weights (the control
   that shows whether pre-training transfers).

Folders hold ``save_pretrained`` output, the tokenizer, ``pretrain.json``
(loss curve, sizes), ``quality.json`` (masked-token accuracy on held-out Wikipedia) and,
for a study model, ``manifest.csv`` (the membership manifest of its replicate).
"""

from __future__ import annotations

import functools
import json
import logging
import random
import shutil
import time
from dataclasses import asdict, replace
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
from precog.configs import PretrainConfig, StudyConfig
from precog.cooccurrence import ppmi_svd
from precog.data import SOURCES
from precog.errors import PrecogError
from precog.progress import quiet
from precog.study import fingerprints, injected_passages, manifest, study_texts
from precog.tasks import DEMO, NEXT_WORDS, Task, check_label_words, plot_partition, wiki_partition
from precog.wordpiece import count_words, train_vocab

log = logging.getLogger("precog")

Sequence_ = tuple[str, str | None, str | None]  # (segment A, segment B or None, slot word or None)


# ---------------------------------------------------------------- corpus
def documents(config: PretrainConfig) -> list[tuple[str, ...]]:
    """Pre-training documents as tuples of sentences, before chunking and injection."""
    articles = corpus.wikipedia_articles()
    keep = wiki_partition()["pretrain"][: config.wiki_articles]
    docs = [tuple(corpus.split_sentences(p)) for a in keep for p in articles[a][1]]
    if config.news:
        docs += [tuple(corpus.split_sentences(d)) for d in corpus.news_documents()]
    reviews = corpus.movie_reviews()
    docs += list(reviews[: config.reviews])
    if config.plots:
        plots = corpus.rotten_plots()
        docs += [tuple(corpus.split_sentences(plots[p])) for p in plot_partition()["pretrain"]]
    if config.task_train_text:
        docs += [(s,) for s in DEMO["rt-polarity"].load("train")["sentence"]]
    return [d for d in docs if d]


def base_sequences(config: PretrainConfig, exclude: set) -> list[Sequence_]:
    """Training sequences of the base corpus: pairs of consecutive chunks, as two segments
    (``pair_share`` of them, seeded) or joined; sequences overlapping ``exclude`` (fingerprints
    of the study examples) are dropped.

    With ``next_sentence``, BERT's next-sentence objective is written into the text: a
    pair's slot word (see :func:`encode`) is "next", or, half of the time, segment B is
    replaced by a chunk of another document and the word is "random"
    (:data:`precog.tasks.NEXT_WORDS`); the word is masked and predicted like any other.
    """
    rng = random.Random(config.seed)
    chunked = [corpus.chunk_words(doc, config.chunk_words) for doc in documents(config)]
    out: list[Sequence_] = []
    for d, chunks in enumerate(chunked):
        for i in range(0, len(chunks), 2):
            a, b = chunks[i], chunks[i + 1] if i + 1 < len(chunks) else None
            pair = b is not None and rng.random() < config.pair_share
            word = None
            if pair and config.next_sentence:
                if rng.random() < 0.5:
                    word = NEXT_WORDS[1]
                else:
                    other = rng.randrange(len(chunked) - 1)
                    other += other >= d  # another document
                    b, word = rng.choice(chunked[other] or [b]), NEXT_WORDS[0]
            seq = (a, b, word) if pair else (a if b is None else f"{a} {b}", None, None)
            if fingerprints(" ".join(s for s in seq if s)).isdisjoint(exclude):
                out.append(seq)
    return out


def heldout_passages(config: PretrainConfig) -> list[str]:
    """Wikipedia passages of the held-out articles (never in any corpus), for quality checks."""
    articles = corpus.wikipedia_articles()
    chunks = [
        c for a in wiki_partition()["heldout"] for p in articles[a][1] for c in corpus.chunk_words(p, 2 * config.chunk_words)
    ]
    return chunks[: config.heldout_chunks]


def train_tokenizer(texts: list[str], vocab_size: int, required: tuple[str, ...] = ()) -> BertTokenizer:
    """An uncased WordPiece tokenizer with BERT's special tokens (deterministic, see wordpiece);
    ``required`` words (the tasks' label words) are whole tokens."""
    pieces = train_vocab(count_words(texts), vocab_size, required=required)
    return BertTokenizer(vocab={p: i for i, p in enumerate(pieces)}, do_lower_case=True, model_max_length=512)


def encode(tokenizer, sequences: list[Sequence_], max_length: int) -> list[dict]:
    """Token ids and segment ids of each sequence, truncated to ``max_length``.

    A slot word (the next-sentence word, or an injected label word) is inserted after
    truncation, just before the final [SEP], with the last segment's type: the position
    where fine-tuning's prompt head reads its [MASK] (:func:`precog.finetune.append_mask`),
    and one that truncation never cuts.
    """
    out = []
    for a, b, word in sequences:
        enc = tokenizer(a, b, truncation=True, max_length=max_length - (word is not None))
        ids, types = list(enc["input_ids"]), list(enc["token_type_ids"])
        if word is not None:
            pieces = tokenizer.tokenize(word)
            if len(pieces) != 1 or tokenizer.convert_tokens_to_ids(pieces[0]) == tokenizer.unk_token_id:
                raise PrecogError(f"slot word '{word}' is not one token of the vocabulary ({pieces})")
            ids.insert(len(ids) - 1, tokenizer.convert_tokens_to_ids(pieces[0]))
            types.insert(len(types) - 1, types[-1])
        out.append({"input_ids": ids, "token_type_ids": types})
    return out


# ---------------------------------------------------------------- training
class MaskedOnlyTrainer(Trainer):
    """Trainer whose MLM loss runs the head only on the masked positions (labels != -100)."""

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        labels = inputs.pop("labels")
        hidden = model.bert(**inputs).last_hidden_state
        picked = labels != -100
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
    )
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=config.mlm_probability)
    trainer = MaskedOnlyTrainer(model=model, args=args, train_dataset=dataset, data_collator=collator)
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
    from precog.scoring import score

    texts = heldout_passages(config)
    s = score(texts, folder, k=(1, 50), progress=False)
    n = s["n_scored"].to_numpy()
    return {
        "heldout_passages": len(texts),
        "heldout_tokens": int(n.sum()),
        "top1_accuracy": float(np.sum(s["precog@1"].fillna(0) * n) / n.sum()),
        "top50_accuracy": float(np.sum(s["precog@50"].fillna(0) * n) / n.sum()),
    }


# ---------------------------------------------------------------- cached models
def data_checksums() -> dict[str, str]:
    return {name: s.sha256 for name, s in SOURCES.items()}


def shared_design(study: StudyConfig) -> StudyConfig:
    """The part of the study design that the base model depends on: everything but the
    replicate (which only redraws assignments and continuation seeds)."""
    return replace(study, replicate=0)


def base_key(config: PretrainConfig, study: StudyConfig, tasks: tuple[str, ...]) -> str:
    """Cache key of the base model (the corpus depends on the study examples it excludes,
    not on the replicate)."""
    return cache.key_of(
        {
            "config": asdict(config),
            "study": asdict(shared_design(study)),
            "tasks": sorted(tasks),
            "data": data_checksums(),
            "code": cache.code_digest("pretrain"),
        }
    )


@functools.lru_cache(maxsize=2)
def clean_base_sequences(config: PretrainConfig, study: StudyConfig, tasks: tuple[str, ...]) -> list[Sequence_]:
    """The base corpus without any sequence that overlaps a study example (computed once
    per process: the base model and every study model draw on it; call it with
    :func:`shared_design` so that replicates share it)."""
    members = manifest(_tasks(tasks), shared_design(study))
    exclude = set().union(*(fingerprints(t) for t in study_texts(_tasks(tasks), members).values()))
    return base_sequences(config, exclude)


def _tasks(names: tuple[str, ...]) -> dict[str, Task]:
    unknown = [t for t in names if t not in DEMO]
    if unknown:
        raise PrecogError(f"the controlled study runs on the demo tasks ({', '.join(DEMO)}), not {unknown}")
    return {t: DEMO[t] for t in names}


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


def study_key(base: Path, study: StudyConfig, which: str) -> str:
    """Cache key of study model ``which``: its base model, its name and the whole design."""
    return cache.key_of({"base": Path(base).name, "model": which, "study": asdict(study)})


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
    with cache.cached("pretrain", cache.key_of({"base": base.name, "model": "random"})) as e:
        if not e.done:
            tokenizer = BertTokenizer.from_pretrained(base)
            model = new_model(config, tokenizer, None)
            model.config.hidden_dropout_prob = model.config.attention_probs_dropout_prob = 0.1
            model.save_pretrained(e.folder)
            tokenizer.save_pretrained(e.folder)
    return e.folder
