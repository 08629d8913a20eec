"""PreCog's encoding: each example as the classifier sees it, and its masked copies in batches.

See :mod:`precog.engine.scoring` for the definition. :func:`encode` finds an example's
scored units (tokens, or words), :func:`masked_copies` lists one copy per unit,
:func:`plan_batches` packs the copies, sorted by length, into batches of at most
``batch_tokens`` padded tokens, and :func:`build_batch` makes one batch's tensors.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from precog.engine.models import max_input_length
from precog.errors import PrecogError

UNITS = ("token", "word")


@dataclass(frozen=True)
class Encoded:
    """One example as the classifier sees it, with the positions of its scored units.

    input_ids / token_type_ids: (L,) token ids including special tokens.
    units: one tuple of positions per scored unit (a single position for token units).
    """

    input_ids: tuple[int, ...]
    token_type_ids: tuple[int, ...] | None
    units: tuple[tuple[int, ...], ...]
    truncated: bool
    n_unk: int = 0

    @property
    def n_tokens(self) -> int:
        return sum(len(u) for u in self.units)


def unit_positions(
    special_mask: Sequence[int], word_ids: Sequence[int | None], unit: str
) -> tuple[tuple[int, ...], ...]:
    """Group the positions that are not skipped into scored units.

    Args:
        special_mask: (L,) 1 for positions never scored ([CLS], [SEP], [UNK], ...), else 0.
        word_ids: (L,) the tokenizer's ``word_ids()``; None for special tokens.
        unit: "token" (one unit per position) or "word" (runs of equal word id).
    """
    keep = [i for i, s in enumerate(special_mask) if not s]
    if unit == "token":
        return tuple((i,) for i in keep)
    units: list[list[int]] = []
    for i in keep:
        if units and units[-1][-1] == i - 1 and word_ids[i] == word_ids[i - 1]:
            units[-1].append(i)
        else:
            units.append([i])
    return tuple(tuple(u) for u in units)


def _clean(text: object) -> str:
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    if not isinstance(text, str):
        raise PrecogError(f"texts must be strings, got {type(text).__name__}")
    return text


def encode(tokenizer, text: str, text_pair: str | None, max_length: int, unit: str) -> Encoded:
    """Encode one example like the downstream classifier and find its scored units."""
    args = (text,) if text_pair is None else (text, text_pair)
    enc = tokenizer(*args, truncation=True, max_length=max_length, return_special_tokens_mask=True)
    full = tokenizer(*args, truncation=False, verbose=False)["input_ids"]
    ids = enc["input_ids"]
    special = set(tokenizer.all_special_ids)
    skip = [int(m or i in special) for m, i in zip(enc["special_tokens_mask"], ids, strict=True)]
    n_unk = sum(1 for m, i in zip(enc["special_tokens_mask"], ids, strict=True) if not m and i in special)
    # Whitespace-only inputs still carry [CLS]/[SEP]; they simply have no unit to score.
    units = unit_positions(skip, enc.word_ids(), unit)
    tt = enc.get("token_type_ids")
    return Encoded(
        input_ids=tuple(ids),
        token_type_ids=None if tt is None else tuple(tt),
        units=units,
        truncated=len(full) > len(ids),
        n_unk=n_unk,
    )


def plan_batches(lengths: Sequence[int], batch_tokens: int) -> list[list[int]]:
    """Pack items into batches of at most ``batch_tokens`` padded tokens.

    Items are taken in order of (length, index); a batch costs len(batch) * its longest
    item. An item longer than the budget gets a batch of its own.

    Args:
        lengths: (N,) sequence length of each item, in tokens.
    Returns:
        Lists of item indices; every index appears exactly once.
    """
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    batches: list[list[int]] = []
    for i in order:
        if batches and (len(batches[-1]) + 1) * lengths[i] <= batch_tokens:
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches


@dataclass
class Batch:
    """Masked copies packed into one forward pass.

    inputs: model inputs, each (B, W) with W the longest copy in the batch.
    flat: (M,) index of each masked position in the flattened (B * W) batch.
    true: (M,) original token id at each masked position.
    owner: (M,) which unit (global index) each masked position belongs to.
    """

    inputs: dict[str, torch.Tensor]
    flat: torch.Tensor
    true: torch.Tensor
    owner: np.ndarray


def masked_copies(encoded: Sequence[Encoded]) -> list[tuple[int, int]]:
    """(example, unit) of every masked copy, in (example, unit) order."""
    return [(e, u) for e, ex in enumerate(encoded) for u in range(len(ex.units))]


def build_batch(encoded: Sequence[Encoded], copies, members: Sequence[int], tokenizer, device) -> Batch:
    """Pad the copies ``members`` (indices into ``copies``) and mask each one's unit."""
    mask_id, pad_id = tokenizer.mask_token_id, tokenizer.pad_token_id or 0
    use_tt = encoded[0].token_type_ids is not None
    width = max(len(encoded[copies[c][0]].input_ids) for c in members)
    ids = np.full((len(members), width), pad_id, np.int64)
    att = np.zeros((len(members), width), np.int64)
    tts = np.zeros((len(members), width), np.int64)
    flat, true, owner = [], [], []
    for row, c in enumerate(members):
        e, u = copies[c]
        ex = encoded[e]
        n = len(ex.input_ids)
        ids[row, :n] = ex.input_ids
        att[row, :n] = 1
        if use_tt:
            tts[row, :n] = ex.token_type_ids
        for p in ex.units[u]:
            ids[row, p] = mask_id
            flat.append(row * width + p)
            true.append(ex.input_ids[p])
            owner.append(c)
    inputs = {"input_ids": torch.as_tensor(ids, device=device), "attention_mask": torch.as_tensor(att, device=device)}
    if use_tt:
        inputs["token_type_ids"] = torch.as_tensor(tts, device=device)
    return Batch(inputs, torch.as_tensor(flat, device=device), torch.as_tensor(true, device=device), np.asarray(owner))


def encode_all(tokenizer, model, texts, text_pairs, unit: str) -> list[Encoded]:
    """Encode every example (see :func:`encode`); text_pairs may be None."""
    texts = list(texts)
    if text_pairs is not None:
        text_pairs = list(text_pairs)
        if len(text_pairs) != len(texts):
            raise PrecogError(f"{len(texts)} texts but {len(text_pairs)} text_pairs")
    max_len = max_input_length(model, tokenizer)
    return [
        encode(tokenizer, _clean(t), None if text_pairs is None else _clean(text_pairs[i]), max_len, unit)
        for i, t in enumerate(texts)
    ]
