"""Numerical precision, chosen once for the whole project: ``fp32``, ``bf16``, ``fp16`` or ``auto``.

Every step that runs a model (pre-training, scoring, fine-tuning) has a ``precision`` field
(:mod:`precog.configs`) that :func:`resolve` turns into the precision actually used on this
device. ``auto`` is bfloat16 where the hardware computes it natively (a CPU with AMX or
AVX512-BF16, a CUDA GPU with bf16), fp16 on a CUDA GPU without bf16, and fp32 elsewhere. The
resolved precision, never ``auto``, is what enters cache keys and run records, so a cached
result is reused only at the precision that made it.

Training keeps fp32 master weights and runs its forward pass under :func:`autocast` (fp16
adds loss scaling, which ``Trainer`` does); scoring casts the model (see
:func:`precog.engine.models.load_masked_lm`). Light: torch is imported only to look at a GPU.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import warnings
from functools import cache
from pathlib import Path

from precog.errors import PrecogError

PRECISIONS = ("auto", "fp32", "bf16", "fp16")  # what a config may name
RESOLVED = ("fp32", "bf16", "fp16")  # what runs
BF16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")  # /proc/cpuinfo flags of native bfloat16 matrix units

log = logging.getLogger("precog")


@cache
def cpu_flags() -> frozenset[str]:
    """The flags of this machine's first CPU in /proc/cpuinfo (empty where there is none: not Linux)."""
    info = Path("/proc/cpuinfo")
    if not info.is_file():
        return frozenset()
    for line in info.read_text(errors="replace").splitlines():
        if line.startswith("flags"):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


def device_kind(device=None) -> str:
    """"cuda" or "cpu" for a torch device (or its name); None: CUDA when available (asked of torch
    when it is loaded; otherwise of the NVIDIA driver's file, so that reading keys needs no torch)."""
    if device is None:
        torch = sys.modules.get("torch")
        if torch is not None:
            return "cuda" if torch.cuda.is_available() else "cpu"
        return "cuda" if Path("/proc/driver/nvidia/version").is_file() else "cpu"
    return "cuda" if str(getattr(device, "type", device)).startswith("cuda") else "cpu"


@cache
def native_bf16(kind: str) -> bool:
    """True when the device kind ("cpu" or "cuda") computes bfloat16 natively (detected once per process)."""
    if kind == "cuda":
        import torch

        return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())
    return any(flag in cpu_flags() for flag in BF16_CPU_FLAGS)


@cache
def _warn_slow_bf16() -> None:
    warnings.warn("precision bf16 on a CPU without native bfloat16 (no AMX or AVX512-BF16): it runs, but "
                  "slower than fp32; use precision fp32 or auto", RuntimeWarning, stacklevel=3)


def resolve(precision: str, device=None) -> str:
    """The precision that runs: "fp32", "bf16" or "fp16" for a config's ``precision`` on ``device``.

    Raises:
        PrecogError: an unknown name, or fp16 on a CPU (one line naming the fix).
    """
    if precision not in PRECISIONS:
        raise PrecogError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}")
    kind = device_kind(device)
    if precision == "auto":
        if native_bf16(kind):
            return "bf16"
        return "fp16" if kind == "cuda" else "fp32"
    if precision == "fp16" and kind != "cuda":
        raise PrecogError("precision fp16 needs a CUDA GPU; on a CPU use fp32, bf16 or auto")
    if precision == "bf16" and not native_bf16(kind):
        if kind == "cuda":
            raise PrecogError("this GPU has no bf16; use precision fp16, fp32 or auto")
        _warn_slow_bf16()
    return precision


def torch_dtype(resolved: str):
    """The torch dtype of a resolved precision (fp32 -> torch.float32, ...)."""
    import torch

    return {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[resolved]


def autocast(resolved: str, device=None):
    """A ``with`` block running in ``resolved`` precision (torch.autocast); fp32: nothing."""
    if resolved == "fp32":
        return contextlib.nullcontext()
    import torch

    return torch.autocast(device_kind(device), dtype=torch_dtype(resolved))


def trainer_args(resolved: str, device=None) -> dict:
    """TrainingArguments for a resolved precision: Trainer's bf16 autocast (fp32 master weights)
    or fp16 with loss scaling; fp32 sets neither."""
    args = {"bf16": resolved == "bf16", "fp16": resolved == "fp16"}
    if resolved == "bf16" and device_kind(device) == "cpu":
        args["use_cpu"] = True  # Trainer's bf16 autocast on a CPU is asked for this way
    return args


def in_key(values: dict, device=None) -> dict:
    """A config's ``asdict`` with its ``precision`` resolved for ``device`` (what cache keys hold)."""
    if "precision" not in values:
        return values
    return {**values, "precision": resolve(values["precision"], device)}
