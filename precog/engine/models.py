"""Loading masked language models and their tokenizers, from a folder or the hub.

A model argument may be a local folder (``save_pretrained`` output), a Hugging Face hub id
(``bert-base-uncased``), or an already loaded ``(model, tokenizer)`` pair. Everything
downstream sees the same objects whichever way they came in.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch
from transformers import (
    AutoModelForMaskedLM,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)
from transformers.models.auto.modeling_auto import MODEL_FOR_MASKED_LM_MAPPING_NAMES

from precog.configs import ScoreConfig
from precog.errors import PrecogError
from precog.precision import resolve, torch_dtype

ModelSpec = str | Path | tuple[PreTrainedModel, PreTrainedTokenizerBase]

# Position-embedding tables of these architectures reserve padding_idx + 1 slots.
_OFFSET_POSITIONS = {"roberta", "xlm-roberta", "camembert", "longformer", "data2vec-text"}
_MLM_CLASS_NAMES = set(MODEL_FOR_MASKED_LM_MAPPING_NAMES.values())


def _hub_hint(name: str, err: Exception) -> PrecogError:
    return PrecogError(
        f"cannot load '{name}': it is not a local folder and the Hugging Face hub did not "
        f"provide it ({type(err).__name__}); check the name, go online, or pass a folder "
        "written by save_pretrained (the demo profile builds one offline)"
    )


def load_tokenizer(name: str | Path) -> PreTrainedTokenizerBase:
    """Load a fast tokenizer from a folder or hub id, with a one-line error on failure."""
    try:
        return AutoTokenizer.from_pretrained(str(name))
    except (OSError, ValueError) as err:
        raise _hub_hint(str(name), err) from None


def check_masked_lm(model: Any, tokenizer: Any) -> None:
    """Refuse, with one line, a model without a masked-LM head or a tokenizer without a mask.

    Raises:
        PrecogError: if ``model`` is not one of transformers' ``*ForMaskedLM`` classes or
            ``tokenizer`` has no mask token or is not a fast tokenizer (word units need
            ``word_ids()``).
    """
    if type(model).__name__ not in _MLM_CLASS_NAMES:
        raise PrecogError(
            f"{type(model).__name__} has no masked-LM head; PreCog needs a model that "
            "AutoModelForMaskedLM loads (e.g. BertForMaskedLM), not a fine-tuned classifier"
        )
    if getattr(tokenizer, "mask_token_id", None) is None:
        raise PrecogError(
            f"tokenizer {type(tokenizer).__name__} has no mask token; PreCog masks tokens one at a time and needs one"
        )
    if not getattr(tokenizer, "is_fast", False):
        raise PrecogError("PreCog needs a fast (Rust) tokenizer for word_ids(); load it with use_fast=True")


def load_masked_lm(
    spec: ModelSpec, device: str | torch.device | None = None, precision: str | None = None
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Return ``(model, tokenizer)`` in eval mode on ``device`` (default: CUDA if present).

    ``precision`` ("auto", "fp32", "bf16", "fp16"; :func:`precog.precision.resolve`) casts the
    weights for inference; None keeps a loaded pair as it is and loads a folder or hub id in
    the default :class:`precog.configs.ScoreConfig` precision. A loaded pair that needs another
    device or dtype is copied first, so the caller's model is never changed.

    A checkpoint whose masked-LM head weights are missing (a classifier, a bare encoder)
    is refused rather than scored with a randomly initialised head.
    """
    given = isinstance(spec, tuple)
    if precision is None and not given:
        precision = ScoreConfig().precision
    if precision is not None:  # refused before anything is loaded (fp16 without a GPU, an unknown name)
        resolve(precision, device if device is not None else (spec[0].device if given else None))
    if given:
        model, tokenizer = spec
    else:
        name = str(spec)
        tokenizer = load_tokenizer(name)
        try:
            model, info = AutoModelForMaskedLM.from_pretrained(name, output_loading_info=True)
        except ValueError as err:  # config of an architecture without an MLM class
            raise PrecogError(f"'{name}' has no masked-LM head: {str(err).splitlines()[0]}") from None
        except OSError as err:
            raise _hub_hint(name, err) from None
        head_missing = [k for k in info.get("missing_keys", []) if not k.startswith(model.base_model_prefix + ".")]
        if head_missing:
            raise PrecogError(
                f"'{name}' has no trained masked-LM head (missing {head_missing[0]}, ...); "
                "PreCog needs the pre-trained checkpoint, not a fine-tuned classifier"
            )
    check_masked_lm(model, tokenizer)
    if device is None:
        device = model.device if given else ("cuda" if torch.cuda.is_available() else "cpu")
    dtype = model.dtype if precision is None else torch_dtype(resolve(precision, device))
    target = torch.device(device)
    moved = model.device.type != target.type or (target.index is not None and model.device.index != target.index)
    if given and (model.dtype != dtype or moved or model.training):  # the caller's model stays as it was
        model = copy.deepcopy(model)
    return model.to(device=device, dtype=dtype).eval(), tokenizer


def max_input_length(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase) -> int:
    """Longest input (in tokens, special tokens included) the model accepts, capped at 512."""
    config = model.config
    positions = getattr(config, "max_position_embeddings", 512)
    if config.model_type in _OFFSET_POSITIONS:
        positions -= (config.pad_token_id or 0) + 1
    return int(min(512, positions, tokenizer.model_max_length))


class HiddenGather:
    """Forward hook on the encoder that keeps only some positions' hidden states.

    Set ``index`` to the (M,) flat positions (row * width + column) before a forward pass:
    the model's own head then runs on (1, M, H) instead of (B, L, H), so any
    ``*ForMaskedLM`` class works unchanged and never materialises L x V logits. Used by
    scoring (the masked copies) and by the prompt head of fine-tuning (the mask slot).
    """

    def __init__(self, model):
        self.index: torch.Tensor | None = None
        self.handle = model.base_model.register_forward_hook(self)

    def __call__(self, module, args, output):
        hidden = output[0]
        picked = hidden.reshape(-1, hidden.shape[-1])[self.index].unsqueeze(0)
        if isinstance(output, tuple):
            return (picked,) + tuple(output[1:])
        output.last_hidden_state = picked
        return output

    def remove(self) -> None:
        self.handle.remove()


@contextmanager
def gather_hidden(model) -> Iterator[HiddenGather]:
    """A :class:`HiddenGather` on ``model`` for the duration of a ``with`` block (removed on exit,
    errors included). Set the yielded hook's ``index`` before each forward pass."""
    hook = HiddenGather(model)
    try:
        yield hook
    finally:
        hook.remove()
