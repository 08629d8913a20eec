"""Lexical baselines: how much of an example is already in the fine-tuning training split,
and how frequent its tokens are in the pre-training corpus.

These are the controls of the logistic regression in :mod:`precog.analysis`: PreCog
should explain correctness beyond "the words were seen in training" and "the words are
common".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    """Lower-cased word tokens (runs of letters, digits and underscores)."""
    return _WORD.findall(text.lower())


def ngrams(tokens: Sequence[str], n: int) -> list[tuple[str, ...]]:
    """Consecutive n-grams of a token list."""
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def ngram_vocabulary(texts: Iterable[str], n: int) -> set[tuple[str, ...]]:
    """Every word n-gram occurring in ``texts``."""
    return {g for t in texts for g in ngrams(words(t), n)}


def overlap(texts: Sequence[str], train_texts: Iterable[str], n: int) -> np.ndarray:
    """Share of each text's word n-grams that occur in ``train_texts``: (N,), NaN if it has none."""
    vocab = ngram_vocabulary(train_texts, n)
    out = np.full(len(texts), np.nan)
    for i, t in enumerate(texts):
        grams = ngrams(words(t), n)
        if grams:
            out[i] = sum(g in vocab for g in grams) / len(grams)
    return out


def token_counts(token_ids: Iterable[Sequence[int]]) -> Counter:
    """Corpus frequency of every token id."""
    counts: Counter = Counter()
    for ids in token_ids:
        counts.update(ids)
    return counts


def mean_log_frequency(token_ids: Sequence[Sequence[int]], counts: Counter) -> np.ndarray:
    """Mean log(1 + corpus count) of each example's tokens: (N,), NaN for an empty example."""
    return np.array([np.mean([np.log1p(counts.get(t, 0)) for t in ids]) if len(ids) else np.nan for ids in token_ids])
