"""Tiny random masked LMs of five architectures, saved and loaded back by path.

The same code path a hub model takes (``from_pretrained(folder)``), at a size that runs in
milliseconds. Tokenizers are built from a small word list so that words split into
several pieces (for word units) and long texts get truncated.
"""

from __future__ import annotations

import json
from pathlib import Path

from tokenizers import Tokenizer, models, pre_tokenizers, trainers
from transformers import (
    AlbertConfig,
    AlbertForMaskedLM,
    AlbertTokenizer,
    BertConfig,
    BertForMaskedLM,
    BertTokenizer,
    DistilBertConfig,
    DistilBertForMaskedLM,
    DistilBertTokenizer,
    ElectraConfig,
    ElectraForMaskedLM,
    RobertaConfig,
    RobertaForMaskedLM,
    RobertaTokenizer,
    set_seed,
)

ARCHS = ("bert", "roberta", "distilbert", "albert", "electra")

WORDS = (
    "the a film movie is was not very good bad great plot actor story funny boring "
    "and but of to in it this that with for on as by an be are at his her they".split()
)
CORPUS = [
    "the movie was very good and the plot was funny",
    "this film is not good but the actor is great",
    "a boring story with a bad plot",
    "unbelievably, the screenwriters overcomplicated everything!",
]
BERT_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def _wordpiece_vocab() -> dict[str, int]:
    pieces = list(BERT_SPECIALS) + list(WORDS)
    pieces += list("abcdefghijklmnopqrstuvwxyz,.!'?") + ["##" + c for c in "abcdefghijklmnopqrstuvwxyz"]
    pieces += ["##ing", "##ed", "##s", "##ly"]
    return {p: i for i, p in enumerate(dict.fromkeys(pieces))}


def _bpe(vocab_size: int = 300) -> tuple[dict[str, int], list[tuple[str, str]]]:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(CORPUS * 5 + [" ".join(WORDS)], trainer)
    merges = [tuple(m) for m in json.loads(tok.to_str())["model"]["merges"]]
    return tok.get_vocab(), merges


def make_tokenizer(arch: str):
    if arch in ("bert", "electra"):
        return BertTokenizer(vocab=_wordpiece_vocab())
    if arch == "distilbert":
        return DistilBertTokenizer(vocab=_wordpiece_vocab())
    if arch == "roberta":
        vocab, merges = _bpe()
        return RobertaTokenizer(vocab=vocab, merges=merges)
    if arch == "albert":
        pieces = [("<pad>", 0.0), ("<unk>", 0.0), ("[CLS]", 0.0), ("[SEP]", 0.0), ("[MASK]", 0.0)]
        pieces += [("\u2581" + w, -2.0) for w in WORDS] + [("\u2581", -3.0)]
        pieces += [(c, -5.0) for c in "abcdefghijklmnopqrstuvwxyz,.!'?"]
        return AlbertTokenizer(vocab=pieces)
    raise ValueError(arch)


def make_model(arch: str, vocab_size: int, seed: int = 0):
    set_seed(seed)
    small = dict(vocab_size=vocab_size, max_position_embeddings=64)
    if arch == "bert":
        cfg = BertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, **small)
        return BertForMaskedLM(cfg)
    if arch == "electra":
        cfg = ElectraConfig(
            embedding_size=16, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, **small
        )
        return ElectraForMaskedLM(cfg)
    if arch == "distilbert":
        cfg = DistilBertConfig(dim=32, n_layers=2, n_heads=2, hidden_dim=64, **small)
        return DistilBertForMaskedLM(cfg)
    if arch == "roberta":
        cfg = RobertaConfig(
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            pad_token_id=1,
            bos_token_id=0,
            eos_token_id=2,
            vocab_size=vocab_size,
            max_position_embeddings=66,
        )
        return RobertaForMaskedLM(cfg)
    if arch == "albert":
        cfg = AlbertConfig(
            embedding_size=16,
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            pad_token_id=0,
            **small,
        )
        return AlbertForMaskedLM(cfg)
    raise ValueError(arch)


def save_tiny(arch: str, folder: Path, seed: int = 0) -> Path:
    """Build, save and return the folder of a tiny random masked LM of ``arch``."""
    tok = make_tokenizer(arch)
    tok.model_max_length = 64
    model = make_model(arch, len(tok), seed)
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder
