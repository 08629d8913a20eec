"""PreCog: how much of an example a pre-trained masked LM recovers, token by token.

Definition (our reconstruction of Ranaldi et al., RANLP 2023; the paper's text was not
available to us, see README "What is reconstructed"):

* The example is encoded exactly as the downstream classifier sees it:
  ``tokenizer(text, text_pair, truncation=True, max_length=min(model max, 512))``.
  Scored units are the tokens that survive truncation and are not special tokens: [CLS],
  [SEP] and also [UNK] (a word outside the vocabulary is not recovered by predicting
  [UNK]); ``n_unk`` counts the [UNK] positions skipped.
* Token unit: for each scored position i, one copy of the input with position i replaced
  by the mask token, everything else (attention mask included) unchanged.
  ``rank_i = 1 + #{v : logit_v > logit_true}``, ``hit@k_i = rank_i <= k``,
  ``logp_i = log_softmax(logits_i)[true]``.
* Word unit: a run of consecutive tokens with the same ``word_ids()`` value is masked
  together in one copy; the word is a hit@k when every piece ranks <= k (so its rank is
  the largest piece rank) and its logp is the sum over pieces.
* Per example: ``precog@k`` = mean hit@k over units; ``pll`` = sum of logp;
  ``mean_logprob``; ``min20_logprob`` (Min-K% with K = 20%: mean of the lowest
  max(1, floor(0.2 n)) logp); ``minkpp20`` (Min-K%++: per unit (logp - mu) / sigma with mu,
  sigma the mean and standard deviation of log p(v) under the model's own distribution at
  that position, pieces of a word adding their means and variances; then the same
  lowest-20% mean); ``n_scored`` (units), ``n_tokens`` (scored tokens), ``n_unk``
  (skipped [UNK] tokens), ``truncated``.
* Precision: ``precision`` (:mod:`precog.precision`) casts the model's weights for the
  forward pass ("auto": bf16 where the hardware has it natively; docs/performance.md
  measures what it changes); ranks and log-probabilities are always computed from the
  logits in fp32.

Engine: the masked copies of many examples are sorted by length and packed into batches
of at most ``batch_tokens`` padded tokens; the encoder runs on each batch and the MLM head
runs only on the hidden states of the masked positions (M x V logits, never L x V).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from precog.configs import PRECOG_K, ScoreConfig
from precog.engine.encoding import UNITS, Encoded, build_batch, encode_all, masked_copies, plan_batches
from precog.engine.inputs import check_k, check_rows
from precog.engine.models import ModelSpec, gather_hidden, load_masked_lm, load_tokenizer
from precog.errors import PrecogError
from precog.progress import bar as tqdm

log = logging.getLogger("precog")

DEFAULT_K: tuple[int, ...] = PRECOG_K
DEFAULT_BATCH_TOKENS = ScoreConfig().batch_tokens
MIN_K_RATIO = 0.2


def position_stats(logits: torch.Tensor, true_ids: torch.Tensor) -> dict[str, np.ndarray]:
    """Rank, log-probability and the model's own log-prob mean/variance per masked position.

    Args:
        logits: (M, V) MLM logits at M masked positions.
        true_ids: (M,) the original token id at each position.
    Returns:
        rank (M,) int, 1 = top prediction; logp (M,) natural log; mu, var (M,) the mean
        and variance of log p(v) under p at that position (for Min-K%++).
    """
    if logits.dtype in (torch.float16, torch.bfloat16):
        logits = logits.float()
    true_logit = logits.gather(1, true_ids[:, None])
    rank = 1 + (logits > true_logit).sum(dim=1)
    logprobs = torch.log_softmax(logits, dim=1)
    probs = logprobs.exp()
    mu = (probs * logprobs).sum(dim=1)
    var = (probs * (logprobs - mu[:, None]).square()).sum(dim=1)
    return {
        "rank": rank.cpu().numpy().astype(np.int64),
        "logp": logprobs.gather(1, true_ids[:, None])[:, 0].double().cpu().numpy(),
        "mu": mu.double().cpu().numpy(),
        "var": var.clamp_min(0).double().cpu().numpy(),
    }


def score_columns(k: Sequence[int]) -> list[str]:
    """The columns of a score table, in order: counts, one precog@k per ``k``, then the
    log-probability scores."""
    return ["n_tokens", "n_scored", "n_unk", "truncated", *[f"precog@{x}" for x in k],
            "pll", "mean_logprob", "min20_logprob", "minkpp20"]


def lowest_mean(values: np.ndarray, ratio: float = MIN_K_RATIO) -> float:
    """Mean of the lowest max(1, floor(ratio * n)) values; NaN for an empty array."""
    if len(values) == 0:
        return float("nan")
    n = max(1, int(math.floor(ratio * len(values))))
    return float(np.sort(values)[:n].mean())


def example_scores(rank: np.ndarray, logp: np.ndarray, z: np.ndarray, ks: Sequence[int]) -> dict[str, float]:
    """Aggregate one example's units into its scores.

    Args:
        rank: (U,) unit ranks (largest piece rank for words).
        logp: (U,) unit log-probabilities (natural log, summed over pieces).
        z: (U,) Min-K%++ standardised log-probabilities.
        ks: the k of each precog@k column.
    """
    out: dict[str, float] = {}
    empty = len(rank) == 0
    for k in ks:
        out[f"precog@{k}"] = float("nan") if empty else float(np.mean(rank <= k))
    out["pll"] = float("nan") if empty else float(np.sum(logp))
    out["mean_logprob"] = float("nan") if empty else float(np.mean(logp))
    out["min20_logprob"] = lowest_mean(logp)
    out["minkpp20"] = lowest_mean(z)
    return out


def unit_stats(
    model, tokenizer, encoded: Sequence[Encoded], batch_tokens: int = DEFAULT_BATCH_TOKENS, progress: bool = True
) -> dict[str, np.ndarray]:
    """Run every masked copy of ``encoded`` through the model.

    Returns:
        rank (U,), logp (U,), z (U,) for the U units of all examples, in (example, unit)
        order: a word's rank is its largest piece rank, its logp the sum over pieces.
    """
    bar = tqdm(
        total=sum(len(e.units) for e in encoded),
        desc="PreCog (masked copies)",
        unit="copy",
        disable=not progress,
        leave=False,
    )
    try:
        return _unit_stats(model, tokenizer, encoded, batch_tokens, bar)
    finally:
        bar.close()


def _unit_stats(model, tokenizer, encoded: Sequence[Encoded], batch_tokens: int, bar) -> dict[str, np.ndarray]:
    copies = masked_copies(encoded)
    n_units = len(copies)
    rank = np.zeros(n_units, np.int64)
    logp, mu, var = (np.zeros(n_units) for _ in range(3))
    if n_units == 0:
        return {"rank": rank, "logp": logp, "z": logp.copy()}
    with gather_hidden(model) as hook:
        for members in plan_batches([len(encoded[e].input_ids) for e, _ in copies], batch_tokens):
            batch = build_batch(encoded, copies, members, tokenizer, model.device)
            hook.index = batch.flat
            with torch.inference_mode():
                logits = model(**batch.inputs).logits[0]
            stats = position_stats(logits, batch.true)
            np.maximum.at(rank, batch.owner, stats["rank"])
            np.add.at(logp, batch.owner, stats["logp"])
            np.add.at(mu, batch.owner, stats["mu"])
            np.add.at(var, batch.owner, stats["var"])
            bar.update(len(members))
    z = (logp - mu) / np.sqrt(np.maximum(var, 1e-30))
    return {"rank": rank, "logp": logp, "z": z}


def unit_table(encoded: Sequence[Encoded], stats: dict[str, np.ndarray]) -> pd.DataFrame:
    """Per-unit results: example, unit, first position, pieces, rank, logp, z (one row per unit)."""
    ex_idx = [e for e, ex in enumerate(encoded) for _ in ex.units]
    unit_idx = [u for ex in encoded for u in range(len(ex.units))]
    first = [units[0] for ex in encoded for units in ex.units]
    pieces = [len(units) for ex in encoded for units in ex.units]
    return pd.DataFrame(
        {
            "example": ex_idx,
            "unit": unit_idx,
            "position": first,
            "n_pieces": pieces,
            "rank": stats["rank"],
            "logp": stats["logp"],
            "z": stats["z"],
        }
    )


def score_encoded(
    model,
    tokenizer,
    encoded: Sequence[Encoded],
    k: Sequence[int] = DEFAULT_K,
    batch_tokens: int = DEFAULT_BATCH_TOKENS,
    progress: bool = True,
) -> pd.DataFrame:
    """Score already-encoded examples; one row per example, in input order."""
    stats = unit_stats(model, tokenizer, encoded, batch_tokens, progress)
    rows, start = [], 0
    for ex in encoded:
        stop = start + len(ex.units)
        row = {"n_tokens": ex.n_tokens, "n_scored": len(ex.units), "n_unk": ex.n_unk, "truncated": ex.truncated}
        row.update(example_scores(stats["rank"][start:stop], stats["logp"][start:stop], stats["z"][start:stop], k))
        rows.append(row)
        start = stop
    return pd.DataFrame(rows, columns=score_columns(k))


def validate_args(k: Sequence[int], unit: str, batch_tokens: int) -> tuple[int, ...]:
    """Check the scoring options; return k as a sorted tuple of distinct ints."""
    if unit not in UNITS:
        raise PrecogError(f"unit must be one of {UNITS}, got {unit!r}")
    ks = check_k(k)
    if batch_tokens < 1:
        raise PrecogError(f"batch_tokens must be positive, got {batch_tokens}")
    return ks


def checked_texts(texts, text_pairs, skip_bad_rows: bool, source: str = "texts") -> tuple[list, list | None]:
    """``texts`` and ``text_pairs`` as lists, every value a string (:mod:`precog.engine.inputs`):
    a bad one is refused in one line, or with ``skip_bad_rows`` replaced by "" (NaN scores)
    and named in a warning."""
    texts = list(texts)
    columns = {"text": texts}
    if text_pairs is not None:
        columns["text_pair"] = text_pairs = list(text_pairs)
        if len(text_pairs) != len(texts):
            raise PrecogError(f"{len(texts)} texts but {len(text_pairs)} text_pairs")
    bad = check_rows(source, columns, skip=skip_bad_rows)
    if bad:
        log.warning("skipping %d bad rows (NaN scores): %s", len(bad), "; ".join(f"row {r}: '{f}' is {p}" for r, f, p in bad[:5]))
        for row, _, _ in bad:
            for values in columns.values():
                values[row - 1] = ""
    return texts, text_pairs


def score(
    texts: Sequence[str],
    model: ModelSpec,
    *,
    text_pairs: Sequence[str] | None = None,
    k: Sequence[int] = DEFAULT_K,
    unit: str = "token",
    batch_tokens: int = DEFAULT_BATCH_TOKENS,
    device: str | None = None,
    precision: str | None = None,
    progress: bool = True,
    skip_bad_rows: bool = False,
) -> pd.DataFrame:
    """PreCog scores of ``texts`` (optionally paired with ``text_pairs``).

    Args:
        texts: N strings (an empty one gets NaN scores; None, a number or a list is refused in
            one line naming its row, before the model is loaded).
        model: hub id, folder, or a loaded ``(model, tokenizer)`` pair of a masked LM.
        text_pairs: N second segments for pair tasks, or None.
        k: the k of each ``precog@k`` column (our reconstruction uses 1 and 50; the abstract names no k).
        unit: "token" or "word".
        batch_tokens: padded tokens per forward pass; sets peak memory.
        device: torch device; default CUDA when available, else CPU.
        precision: "auto", "fp32", "bf16" or "fp16" (:func:`precog.precision.resolve`); None:
            a loaded pair as it is, a folder or hub id in :class:`ScoreConfig`'s default.
        skip_bad_rows: give rows that cannot be scored NaN scores (and a warning) instead.
    Returns:
        N rows in input order with columns n_tokens, n_scored, n_unk, truncated, precog@k...,
        pll, mean_logprob, min20_logprob, minkpp20 (log-probabilities in nats).
    """
    ks = validate_args(k, unit, batch_tokens)
    texts, text_pairs = checked_texts(texts, text_pairs, skip_bad_rows)
    mdl, tok, encoded = _load_and_encode(texts, model, text_pairs, unit, device, precision, ks)
    out = score_encoded(mdl, tok, encoded, ks, batch_tokens, progress)
    _warn_empty(out)
    return out


def _load_and_encode(texts, model: ModelSpec, text_pairs, unit: str, device: str | None, precision: str | None,
                     ks: Sequence[int] = DEFAULT_K):
    """The model, its tokenizer and the encoded ``texts``: what :func:`score` and
    :func:`score_units` start from (arguments as theirs, already validated; k is checked
    against the vocabulary before the model is loaded)."""
    if not isinstance(model, tuple):
        check_k(ks, len(load_tokenizer(model)))
    mdl, tok = load_masked_lm(model, device, precision)
    check_k(ks, len(tok))
    return mdl, tok, encode_all(tok, mdl, texts, text_pairs, unit)


def _warn_empty(out: pd.DataFrame) -> None:
    empty = int((out["n_scored"] == 0).sum())
    if empty:
        log.warning("%d of %d examples have no scorable token (empty text); their scores are NaN", empty, len(out))


def score_units(
    texts: Sequence[str],
    model: ModelSpec,
    *,
    text_pairs: Sequence[str] | None = None,
    unit: str = "token",
    batch_tokens: int = DEFAULT_BATCH_TOKENS,
    device: str | None = None,
    precision: str | None = None,
    progress: bool = True,
    skip_bad_rows: bool = False,
) -> pd.DataFrame:
    """Per-unit detail behind :func:`score`: one row per scored unit of every example.

    Returns:
        Columns example (input index), unit (index within the example), position (first
        token position), n_pieces, rank (1 = top prediction), logp (nats), z (Min-K%++).
    """
    validate_args(DEFAULT_K, unit, batch_tokens)
    texts, text_pairs = checked_texts(texts, text_pairs, skip_bad_rows)
    mdl, tok, encoded = _load_and_encode(texts, model, text_pairs, unit, device, precision, ks=(1,))  # no k is used
    return unit_table(encoded, unit_stats(mdl, tok, encoded, batch_tokens, progress))


def explain(
    text: str, model: ModelSpec, *, text_pair: str | None = None, top: int = 5, device: str | None = None,
    precision: str | None = None,
) -> pd.DataFrame:
    """One example, token by token: the masked LM's top guesses when each token is masked.

    Uses exactly the engine's encoding, masking and head path (one masked copy per token).

    Returns:
        One row per scored token: position, token, rank (1 = recovered exactly), logp (nats),
        top (the ``top`` most likely tokens at that position, best first).
    """
    checked_texts([text], None if text_pair is None else [text_pair], False, source="text")
    mdl, tok = load_masked_lm(model, device, precision)
    (ex,) = encode_all(tok, mdl, [text], None if text_pair is None else [text_pair], "token")
    copies = masked_copies([ex])
    if not copies:
        return pd.DataFrame(columns=["position", "token", "rank", "logp", "top"])
    batch = build_batch([ex], copies, list(range(len(copies))), tok, mdl.device)
    with gather_hidden(mdl) as hook, torch.inference_mode():
        hook.index = batch.flat
        logits = mdl(**batch.inputs).logits[0]
    stats = position_stats(logits, batch.true)
    guesses = logits.topk(top, dim=1).indices.cpu().tolist()
    positions = [ex.units[u][0] for _, u in copies]
    return pd.DataFrame(
        {
            "position": positions,
            "token": tok.convert_ids_to_tokens([ex.input_ids[p] for p in positions]),
            "rank": stats["rank"],
            "logp": stats["logp"],
            "top": [tok.convert_ids_to_tokens(g) for g in guesses],
        }
    )
