"""The configuration of every step, as frozen dataclasses (light: no torch import).

Defaults are the demo profile's values; notebooks/params/*.yaml override them per profile
(see :mod:`precog.compendium.profiles`). Every field enters the cache key of the step it configures.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from precog.errors import PrecogError
from precog.precision import PRECISIONS, resolve

PRECOG_K = (1, 50)  # PreCog@1 and PreCog@50: our reconstruction's k (the abstract names none)
ARMS = ("never", "text", "text+label")
HEADS = ("cls", "prompt")
OPTIMIZERS = ("adamw_torch_fused", "adamw_torch")
DEFAULT_PRECISION = "auto"  # every step's: bf16 where the hardware has it (README "Precision": the rule it passed)
PRECISION_HELP = ("\"auto\" (bf16 where the hardware has it natively: a CPU with AMX or AVX512-BF16, a CUDA GPU "
                  "with bf16; fp16 on an older GPU; fp32 elsewhere), \"fp32\", \"bf16\" or \"fp16\" (a CUDA GPU; "
                  "training adds loss scaling). Training keeps fp32 master weights. See precog.precision.")


def option(default, help: str, choices: tuple | None = None):
    """A dataclass field with a default, a help text and optionally its allowed values (the
    CLI's flags are made from them, :func:`precog.cli.add_config_flags`)."""
    return field(default=default, metadata={"help": help, "choices": choices})


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

    Each field's help text is in its metadata (``precog <step> --help`` shows it).
    """

    vocab_size: int = option(8000, "WordPiece vocabulary size (the tasks' label words are always whole tokens).")
    layers: int = option(4, "transformer layers.")
    hidden: int = option(128, "hidden size (also the PPMI-SVD embedding dimension).")
    heads: int = option(2, "attention heads.")
    intermediate: int = option(512, "feed-forward size.")
    max_length: int = option(64, "tokens per pre-training sequence.")
    batch_size: int = option(32, "sequences per optimisation step.")
    learning_rate: float = option(1e-3, "peak (then constant) learning rate.")
    warmup_steps: int = option(200, "linear warm-up of the base model.")
    steps: int = option(2000, "optimisation steps of the base model.")
    mlm_probability: float = option(0.25, "share of tokens masked (80/10/10).")
    embeddings: str = option("ppmi-svd", "\"ppmi-svd\" (fixed token embeddings from corpus co-occurrence) or \"random\".", ("ppmi-svd", "random"))
    svd_window: int = option(4, "co-occurrence window of the PPMI-SVD embeddings, in tokens.")
    chunk_words: int = option(20, "words per chunk (two chunks make a sequence).")
    pair_share: float = option(0.5, "share of sequences fed as two segments.")
    next_sentence: bool = option(True, "next-sentence objective written as a masked word ('next' / 'random').")
    wiki_articles: int | None = option(None, "pre-training Wikipedia articles to use (None: all).")
    reviews: int | None = option(None, "movie reviews to use (None: all of them).")
    news: bool = option(True, "include the news corpus.")
    plots: bool = option(True, "include the pre-training half of the film plot summaries (the other half gives the subjectivity task its objective sentences and is never pre-training text).")
    task_train_text: bool = option(True, "include the text (never the labels) of rt-polarity's training split.")
    heldout_chunks: int = option(100, "held-out Wikipedia passages for the quality check.")
    seed: int = option(0, "seed of the corpus order, masking and initialisation.")
    precision: str = option(DEFAULT_PRECISION, PRECISION_HELP, PRECISIONS)

    @classmethod
    def from_dict(cls, values: dict) -> PretrainConfig:
        return build(cls, values)


@dataclass(frozen=True)
class StudyConfig:
    """How many evaluation examples of each task go to each arm and dose, and to how many models.

    Each field's help text is in its metadata (``precog <step> --help`` shows it).
    """

    never: int = option(128, "examples per task in no corpus (dose 0).")
    injected: dict[str, dict[int, int]] = field(default_factory=lambda: {"text": {2: 128, 8: 128, 32: 128, 128: 128},
                                                                         "text+label": {128: 64}},
                                            metadata={"help": "arm -> {dose (copies in a model's corpus): examples per task, all models together (a multiple of ``models``: each model is given 1/models of every cell)}."})
    models: int = option(4, "K, the continuation models of the crossover; each example of an injected cell is seen by exactly one of them and unseen by the other K - 1.")
    passes: int = option(1, "passes over each model's continued-training corpus (exposures = dose x passes).")
    base_share: float = option(0.5, "base-corpus sequences mixed into that corpus, per injected copy.")
    seed: int = option(0, "the seed of the choice of study examples (the base model's corpus excludes them).")
    replicate: int = option(0, "redraws the assignment of the chosen examples to arms and models and the continuation seeds; the base model (and the set of study examples) stays the same.")

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
        if "text" not in doses or not set(doses.get("text+label", [])) <= set(doses["text"]):
            raise PrecogError(f"the positive control (text+label) needs the text arm at each of its doses: {doses}")
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

    Each field's help text is in its metadata (``precog <step> --help`` shows it).
    """

    head: str = option("prompt", "\"prompt\" (label words read by the masked-LM head) or \"cls\" (a new classifier).", HEADS)
    max_length: int = 64
    batch_size: int = 32
    learning_rate: float = 1e-4
    epochs: int = option(6, "passes over the training subset (the demo's study models gain under a point on average after 6).")
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    train_examples: int | None = option(500, "a seeded subset of the training split of this size (None: all of it).")
    precision: str = option(DEFAULT_PRECISION, PRECISION_HELP, PRECISIONS)
    optimizer: str = option("adamw_torch_fused", "\"adamw_torch_fused\" (one fused kernel per step; Trainer's own default with torch >= 2.8) or \"adamw_torch\".", OPTIMIZERS)

    @classmethod
    def from_dict(cls, values: dict) -> FinetuneConfig:
        return build(cls, values)

    def validate(self, task) -> None:
        """One clear line for a recipe that cannot run on ``task`` (a :class:`precog.data.tasks.Task`)."""
        if self.head not in HEADS:
            raise PrecogError(f"finetune.head must be one of {HEADS}, got {self.head!r}")
        if self.head == "prompt" and len(task.label_words) != task.num_labels:
            raise PrecogError(f"the prompt head needs one label word per label of {task.name}; use head 'cls'")
        if self.precision not in PRECISIONS:
            raise PrecogError(f"finetune.precision must be one of {PRECISIONS}, got {self.precision!r}")
        resolve(self.precision)  # one line if this device cannot run it (fp16 without a GPU)
        if self.optimizer not in OPTIMIZERS:
            raise PrecogError(f"finetune.optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")


@dataclass(frozen=True)
class ScoreConfig:
    """How PreCog is computed.

    Each field's help text is in its metadata (``precog <step> --help`` shows it).
    """

    unit: str = option("token", "\"token\" (every WordPiece scored) or \"word\" (a word is recovered when all of its pieces are; see :mod:`precog.engine.scoring`).", ("token", "word"))
    batch_tokens: int = option(8192, "padded tokens per forward pass (memory, not results).")
    precision: str = option(DEFAULT_PRECISION, PRECISION_HELP, PRECISIONS)

    @classmethod
    def from_dict(cls, values: dict) -> ScoreConfig:
        return build(cls, values)
