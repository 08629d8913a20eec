"""The demo's pre-training text: documents -> chunks -> sequences, tokenizer, encoding.

Recipe steps 1-2 of :mod:`precog.study.pretrain`: Wikipedia prose of the pre-training
articles, news, Pang & Lee's movie reviews, the pre-training half of the film plot summaries
and the text of the rt-polarity training split (never its labels), cut into
~``chunk_words``-word chunks; two consecutive chunks make one sequence, as two segments
(``pair_share`` of the time) or as one. A sequence that shares a sentence or an 8-gram with
any study example is dropped. Tokenizer: uncased WordPiece (:mod:`precog.study.tokenizer`).
"""

from __future__ import annotations

import functools
import random

from transformers import BertTokenizer

from precog.configs import PretrainConfig, StudyConfig
from precog.data import corpus
from precog.data.tasks import DEMO, NEXT_WORDS, Task, plot_partition, wiki_partition
from precog.errors import PrecogError
from precog.study.design import fingerprints, manifest, shared_design, study_texts
from precog.study.tokenizer import count_words, train_vocab

Sequence_ = tuple[str, str | None, str | None]  # (segment A, segment B or None, slot word or None)


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
