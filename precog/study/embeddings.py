"""Distributional word vectors from co-occurrence counts (PPMI + truncated SVD).

The demo BERT is tiny and pre-trained for minutes on two CPU cores; at that budget masked-LM
training learns syntax long before it learns which words mean similar things. Its token
embeddings therefore start from a factorisation of the corpus's co-occurrence statistics
(Levy & Goldberg 2014; the classic count-based analogue of word2vec), computed in seconds
on the same pre-training text, before any example is injected.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import svds


def cooccurrence(sequences: Sequence[Sequence[int]], vocab_size: int, window: int) -> sp.csr_matrix:
    """Symmetric co-occurrence counts, each pair at distance d weighted 1/d (d <= window): (V, V)."""
    rows, cols, vals = [], [], []
    for seq in sequences:
        s = np.asarray(seq, dtype=np.int64)
        for d in range(1, window + 1):
            if len(s) > d:
                rows.append(s[:-d])
                cols.append(s[d:])
                vals.append(np.full(len(s) - d, 1.0 / d))
    if not rows:
        return sp.csr_matrix((vocab_size, vocab_size))
    r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    return sp.coo_matrix((np.r_[v, v], (np.r_[r, c], np.r_[c, r])), shape=(vocab_size, vocab_size)).tocsr()


def ppmi(counts: sp.csr_matrix, alpha: float = 0.75) -> sp.csr_matrix:
    """Positive pointwise mutual information with context-distribution smoothing ``alpha``: (V, V)."""
    row = np.asarray(counts.sum(axis=1)).ravel()
    context = row**alpha
    coo = counts.tocoo()
    with np.errstate(divide="ignore"):
        pmi = np.log(coo.data * context.sum() / (row[coo.row] * context[coo.col]))
    keep = pmi > 0
    return sp.csr_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape=counts.shape)


def ppmi_svd(
    sequences: Sequence[Sequence[int]], vocab_size: int, dim: int, window: int = 4, scale: float = 0.02, seed: int = 0
) -> np.ndarray:
    """Word vectors U_k sqrt(S_k) of the PPMI matrix, centred and scaled to standard deviation ``scale``.

    Args:
        sequences: token ids of the corpus, one sequence per passage.
        vocab_size: V; ids never seen get the centred zero vector.
        dim: k, the embedding size.
    Returns:
        (V, dim) float32; each column's largest-magnitude entry is positive (a fixed sign).
    """
    matrix = ppmi(cooccurrence(sequences, vocab_size, window))
    rng = np.random.default_rng(seed)
    u, s, _ = svds(matrix, k=dim, v0=rng.standard_normal(vocab_size))
    order = np.argsort(-s)
    vectors = u[:, order] * np.sqrt(s[order])
    vectors *= np.sign(vectors[np.abs(vectors).argmax(axis=0), np.arange(dim)])
    vectors -= vectors.mean(axis=0)
    return (vectors / (vectors.std() + 1e-12) * scale).astype(np.float32)
