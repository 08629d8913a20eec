"""A deterministic WordPiece vocabulary trainer (BPE-style merges, ties broken by string).

The ``tokenizers`` trainer breaks ties between equally frequent merges in hash-map order,
so two runs on the same corpus can give different vocabularies, and the demo model's
weights would not be reproducible. This trainer is small, pure Python and deterministic:
words are split into a first character and ``##``-prefixed continuation characters, and
the most frequent adjacent pair (then the lexicographically smallest) is merged until
the vocabulary is full. The result is an ordinary BERT ``vocab`` (special tokens first).
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable

from tokenizers import normalizers, pre_tokenizers

SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def count_words(texts: Iterable[str]) -> Counter:
    """Word counts after BERT's uncased normalisation and pre-tokenisation."""
    norm = normalizers.BertNormalizer(lowercase=True)
    pre = pre_tokenizers.BertPreTokenizer()
    counts: Counter = Counter()
    for text in texts:
        counts.update(w for w, _ in pre.pre_tokenize_str(norm.normalize_str(text)))
    return counts


def _symbols(word: str) -> list[str]:
    return [word[0], *(f"##{c}" for c in word[1:])]


def _join(a: str, b: str) -> str:
    return a + b[2:]


def train_vocab(
    words: Counter, vocab_size: int, min_char_count: int = 2, required: tuple[str, ...] = ()
) -> list[str]:
    """Vocabulary (list of pieces, index = id) learned from word counts.

    Args:
        words: word -> count.
        vocab_size: total size including the special tokens.
        min_char_count: characters rarer than this are left out (words using them map to [UNK]).
        required: whole words that must be single tokens (placed right after the specials).
    """
    chars: Counter = Counter()
    for w, c in words.items():
        for s in _symbols(w):
            chars[s] += c
    vocab = list(SPECIALS) + list(dict.fromkeys(required))
    vocab += sorted(s for s, c in chars.items() if c >= min_char_count and s not in vocab)
    known = set(vocab)
    seqs = {w: _symbols(w) for w in words if all(s in known for s in _symbols(w))}
    pairs: Counter = Counter()
    where: dict[tuple[str, str], set[str]] = defaultdict(set)
    for w, s in seqs.items():
        for p in zip(s, s[1:], strict=False):
            pairs[p] += words[w]
            where[p].add(w)
    heap = [(-c, a, b) for (a, b), c in pairs.items()]
    heapq.heapify(heap)
    while len(vocab) < vocab_size and heap:
        neg, a, b = heapq.heappop(heap)
        if pairs.get((a, b), 0) != -neg or neg >= 0:
            continue  # stale entry
        new = _join(a, b)
        if new not in known:
            vocab.append(new)
            known.add(new)
        touched = set()
        for w in sorted(where.pop((a, b))):
            s, c = seqs[w], words[w]
            for p in zip(s, s[1:], strict=False):
                pairs[p] -= c
                touched.add(p)
            out, i = [], 0
            while i < len(s):
                if i + 1 < len(s) and s[i] == a and s[i + 1] == b:
                    out.append(new)
                    i += 2
                else:
                    out.append(s[i])
                    i += 1
            seqs[w] = out
            for p in zip(out, out[1:], strict=False):
                pairs[p] += c
                where[p].add(w)
                touched.add(p)
        pairs.pop((a, b), None)
        for p in sorted(touched):
            if pairs.get(p, 0) > 0:
                heapq.heappush(heap, (-pairs[p], *p))
            else:
                pairs.pop(p, None)
    return vocab
