"""The configuration of every step, as frozen dataclasses (light: no torch import).

Defaults are the demo profile's values; notebooks/params/*.yaml override them per profile
(see :mod:`precog.profiles`). Every field enters the cache key of the step it configures.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from precog.errors import PrecogError

ARMS = ("never", "text", "text+label")
HEADS = ("cls", "prompt")
PRECISIONS = ("fp32", "tf32", "bf16", "fp16")
OPTIMIZERS = ("adamw_torch_fused", "adamw_torch")


def build(cls, values: dict | None):
    """``cls(**values)`` with one clear line for an unknown key."""
    values = dict(values or {})
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise PrecogError(f"{cls.__name__} has no field(s) {unknown}; known: {sorted(known)}")
    return cls(**values)


@dataclass(frozen=True)
class PretrainConfig:
    """Everything that determines the demo's models (all of it enters the cache keys).

    Defaults are the demo profile's values.

    vocab_size: WordPiece vocabulary size (the tasks' label words are always whole tokens).
    layers: transformer layers.
    hidden: hidden size (also the PPMI-SVD embedding dimension).
    heads: attention heads.
    intermediate: feed-forward size.
    max_length: tokens per pre-training sequence.
    batch_size: sequences per optimisation step.
    learning_rate: peak (then constant) learning rate.
    warmup_steps: linear warm-up of the base model.
    steps: optimisation steps of the base model.
    mlm_probability: share of tokens masked (80/10/10).
    embeddings: "ppmi-svd" (fixed token embeddings from corpus co-occurrence) or "random".
    svd_window: co-occurrence window of the PPMI-SVD embeddings, in tokens.
    chunk_words: words per chunk (two chunks make a sequence).
    pair_share: share of sequences fed as two segments.
    next_sentence: next-sentence objective written as a masked word ('next' / 'random').
    wiki_articles: pre-training Wikipedia articles to use (None: all).
    reviews: movie reviews to use (None: all of them).
    news: include the news corpus.
    plots: include the pre-training half of the film plot summaries (the other half gives
        the subjectivity task its objective sentences and is never pre-training text).
    task_train_text: include the text (never the labels) of rt-polarity's training split.
    heldout_chunks: held-out Wikipedia passages for the quality check.
    seed: seed of the corpus order, masking and initialisation.
    """

    vocab_size: int = 8000
    layers: int = 4
    hidden: int = 128
    heads: int = 2
    intermediate: int = 512
    max_length: int = 64
    batch_size: int = 32
    learning_rate: float = 1e-3
    warmup_steps: int = 200
    steps: int = 2000
    mlm_probability: float = 0.25
    embeddings: str = "ppmi-svd"
    svd_window: int = 4
    chunk_words: int = 20
    pair_share: float = 0.5
    next_sentence: bool = True
    wiki_articles: int | None = None  # None: every pre-training article; the smoke profile takes a few
    reviews: int | None = None  # likewise for the pre-training reviews
    news: bool = True
    plots: bool = True
    task_train_text: bool = True
    heldout_chunks: int = 300
    seed: int = 0

    @classmethod
    def from_dict(cls, values: dict) -> PretrainConfig:
        return build(cls, values)



@dataclass(frozen=True)
class StudyConfig:
    """How many evaluation examples of each task go to each arm and dose, and to how many models.

    never: examples per task in no corpus (dose 0).
    injected: arm -> {dose (copies in a model's corpus): examples per task, all models
        together (a multiple of ``models``: each model is given 1/models of every cell)}.
    models: K, the continuation models of the crossover; each example of an injected cell
        is seen by exactly one of them and unseen by the other K - 1.
    passes: passes over each model's continued-training corpus (exposures = dose x passes).
    base_share: base-corpus sequences mixed into that corpus, per injected copy.
    seed: the seed of the choice of study examples (the base model's corpus excludes them).
    replicate: redraws the assignment of the chosen examples to arms and models and the
        continuation seeds; the base model (and the set of study examples) stays the same.
    """

    never: int = 200
    injected: dict[str, dict[int, int]] = field(
        default_factory=lambda: {"text": {128: 360}, "text+label": {128: 112}}
    )
    models: int = 8
    passes: int = 1
    base_share: float = 0.5
    seed: int = 0
    replicate: int = 0

    @property
    def model_names(self) -> tuple[str, ...]:
        """Names of the continuation models: "0", "1", ..., str(models - 1)."""
        return tuple(str(m) for m in range(self.models))

    def __hash__(self) -> int:  # the dict field is not hashable; its repr is canonical enough
        return hash(repr(self))

    @property
    def doses(self) -> tuple[int, ...]:
        """Every dose of the design, 0 (never) first."""
        return (0, *sorted({d for cells in self.injected.values() for d in cells}))

    @property
    def top_dose(self) -> int:
        return self.doses[-1]

    def size(self) -> int:
        """Study examples per task."""
        return self.never + sum(n for cells in self.injected.values() for n in cells.values())

    def validate(self) -> None:
        """One clear line for a design that cannot work (before any training)."""
        if self.never < 1:
            raise PrecogError("the study needs never-injected examples (dose 0): set study.never > 0")
        if self.models < 2:
            raise PrecogError(f"study.models must be >= 2 (an example seen by one model is unseen by the others), got {self.models}")
        if set(self.injected) - set(ARMS[1:]) or not self.injected:
            raise PrecogError(f"study.injected arms must be among {ARMS[1:]}, got {sorted(self.injected)}")
        doses = {a: sorted(c) for a, c in self.injected.items()}
        if len({tuple(d) for d in doses.values()}) > 1:
            raise PrecogError(f"every injected arm needs the same doses (the positive control mirrors text): {doses}")
        for arm, cells in self.injected.items():
            for dose, n in cells.items():
                if int(dose) < 1:
                    raise PrecogError(f"study.injected.{arm}: dose {dose} is not a positive number of copies (dose 0 is study.never)")
                if n < self.models or n % self.models:
                    raise PrecogError(f"study.injected.{arm}.{dose}: {n} examples; need a multiple of study.models "
                                      f"({self.models}: each model is given an equal share)")
        if self.passes < 1 or self.base_share < 0:
            raise PrecogError("study.passes must be >= 1 and study.base_share >= 0")

    @classmethod
    def from_dict(cls, values: dict) -> StudyConfig:
        values = dict(values)
        if "injected" in values:
            values["injected"] = {a: {int(d): int(n) for d, n in c.items()} for a, c in values["injected"].items()}
        return build(cls, values)



@dataclass(frozen=True)
class FinetuneConfig:
    """Fine-tuning recipe; defaults are the demo profile's.

    head: "prompt" (label words read by the masked-LM head) or "cls" (a new classifier).
    train_examples: a seeded subset of the training split of this size (None: all of it).
    precision: "fp32" (exact), "tf32" (fp32 with TF32 matrix products; Ampere or newer GPU),
        "bf16" or "fp16" (mixed-precision autocast; fp16 needs a GPU). Changes results slightly.
    optimizer: "adamw_torch_fused" (one fused kernel per step; Trainer's own default with torch >= 2.8) or "adamw_torch".
    """

    head: str = "prompt"
    max_length: int = 64
    batch_size: int = 32
    learning_rate: float = 1e-4
    epochs: int = 10
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    train_examples: int | None = 500
    precision: str = "fp32"
    optimizer: str = "adamw_torch_fused"

    @classmethod
    def from_dict(cls, values: dict) -> FinetuneConfig:
        return build(cls, values)

    def validate(self, task) -> None:
        """One clear line for a recipe that cannot run on ``task`` (a :class:`precog.tasks.Task`)."""
        if self.head not in HEADS:
            raise PrecogError(f"finetune.head must be one of {HEADS}, got {self.head!r}")
        if self.head == "prompt" and len(task.label_words) != task.num_labels:
            raise PrecogError(f"the prompt head needs one label word per label of {task.name}; use head 'cls'")
        if self.precision not in PRECISIONS:
            raise PrecogError(f"finetune.precision must be one of {PRECISIONS}, got {self.precision!r}")
        if self.optimizer not in OPTIMIZERS:
            raise PrecogError(f"finetune.optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")



@dataclass(frozen=True)
class ScoreConfig:
    """How PreCog is computed.

    unit: "token" (every WordPiece scored) or "word" (a word is recovered when all of its
        pieces are; see :mod:`precog.scoring`).
    batch_tokens: padded tokens per forward pass (memory, not results).
    dtype: "auto" (fp32 on CPU, fp16 on CUDA), "fp32", "fp16" or "bf16".
    """

    unit: str = "token"
    batch_tokens: int = 8192
    dtype: str = "auto"

    @classmethod
    def from_dict(cls, values: dict) -> ScoreConfig:
        return build(cls, values)
