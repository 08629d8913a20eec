"""Task registry: GLUE from the hub, the offline demo tasks, and your own files.

Every task loads as a ``datasets.Dataset`` with a stable integer ``id``, its text
field(s) under their own names, and an integer ``label``. ``get_task(name)`` finds one;
``precog tasks`` lists them.

Demo tasks (ours, built offline from data/raw; see data/README.md):

* ``rt-polarity``: Rotten Tomatoes critic snippets, fresh (positive) vs rotten
  (negative), an SST-2 analogue; a seeded 1,000-example validation split.
* ``subjectivity``: Pang & Lee's SUBJ task rebuilt from the same archive: a critic snippet
  (subjective) or a sentence of a film plot summary (objective). Snippets are shared with
  rt-polarity by a hash of their text (75% rt-polarity, 25% subjectivity), plot summaries
  with pre-training (50% / 50%), so no example of either task is pre-training text. The
  validation split takes at most two sentences of a plot, and no plot gives sentences to
  both splits. Every example carries ``source``: the document it comes from.

Demo tasks carry ``label_words``: one single-token word per label, used by the prompt head
of fine-tuning and by the study's text+label injection.
"""

from __future__ import annotations

import hashlib
import os
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import datasets
import pandas as pd

from precog.data import corpus
from precog.data.text import words
from precog.errors import PrecogError

GLUE_HUB_ROOT = "hf://datasets/nyu-mll/glue"
SEED = 1234
NEXT_WORDS = ("random", "next")  # the base corpus's next-sentence words
DEMO_EVAL_SIZE = {"rt-polarity": 1000, "subjectivity": 1000}
SENTENCE_WORDS = (5, 40)  # subjectivity: examples of 5..40 words
PLOT_SENTENCES_EVAL = 2  # subjectivity: at most this many sentences of one plot in the validation split


@dataclass(frozen=True)
class Task:
    """A classification (or regression) task and how to load its splits."""

    name: str
    text_fields: tuple[str, ...]
    label_names: tuple[str, ...]
    metric: str  # "accuracy", "matthews" (CoLA), "f1" (MRPC, QQP: F1 and accuracy), "pearson" (STS-B)
    splits: tuple[str, ...]
    eval_split: str
    loader: Callable[[str], datasets.Dataset] = field(repr=False, compare=False)
    source: str = "demo"  # where the task comes from: demo, glue, file
    label_words: tuple[str, ...] = ()  # one word per label (prompt head, text+label injection)

    @property
    def num_labels(self) -> int:
        return max(1, len(self.label_names))

    @property
    def is_regression(self) -> bool:
        return not self.label_names

    @property
    def train_split(self) -> str:
        return "train"

    def load(self, split: str | None = None) -> datasets.Dataset:
        """Split ``split`` (default: the evaluation split) with columns id, text fields, label."""
        split = split or self.eval_split
        if split not in self.splits:
            raise PrecogError(f"task {self.name} has splits {', '.join(self.splits)}; not '{split}'")
        ds = self.loader(split)
        if "label" in ds.column_names and len(ds) and min(ds["label"]) < 0:
            raise PrecogError(
                f"{self.name}/{split} has no labels (GLUE test splits are unlabelled); use a validation split"
            )
        return ds


# ---------------------------------------------------------------- GLUE (hub or local copy)
GLUE = {  # name: (text fields, label names, metric, evaluation splits)
    "cola": (("sentence",), ("unacceptable", "acceptable"), "matthews", ("validation",)),
    "sst2": (("sentence",), ("negative", "positive"), "accuracy", ("validation",)),
    "mrpc": (("sentence1", "sentence2"), ("not_equivalent", "equivalent"), "f1", ("validation",)),
    "qqp": (("question1", "question2"), ("not_duplicate", "duplicate"), "f1", ("validation",)),
    "stsb": (("sentence1", "sentence2"), (), "pearson", ("validation",)),
    "mnli": (
        ("premise", "hypothesis"),
        ("entailment", "neutral", "contradiction"),
        "accuracy",
        ("validation_matched", "validation_mismatched"),
    ),
    "qnli": (("question", "sentence"), ("entailment", "not_entailment"), "accuracy", ("validation",)),
    "rte": (("sentence1", "sentence2"), ("entailment", "not_entailment"), "accuracy", ("validation",)),
    "wnli": (("sentence1", "sentence2"), ("not_entailment", "entailment"), "accuracy", ("validation",)),
}


def load_glue_split(config: str, split: str, root: str = GLUE_HUB_ROOT) -> datasets.Dataset:
    """One GLUE split from the hub's parquet files, or from a local folder laid out the same way.

    ``root`` is ``hf://datasets/nyu-mll/glue`` or a folder holding ``<config>/<split>-*.parquet``.
    Columns come back as on the hub plus ``id`` (= GLUE's ``idx``).
    """
    pattern = f"{root}/{config}/{split}-*.parquet"
    try:
        ds = datasets.load_dataset("parquet", data_files={split: pattern}, split=split)
    except Exception as err:  # offline, missing files, hub errors: all end the same way
        raise PrecogError(
            f"cannot load GLUE {config}/{split} from {root} ({type(err).__name__}); offline, use the demo profile "
            "(--profile demo) or a local copy in GLUE's layout (PRECOG_GLUE_DIR) or your own file (precog.data.tasks.file_task)"
        ) from None
    return ds.rename_column("idx", "id") if "idx" in ds.column_names else ds


def _glue_task(name: str, root: str | None = None) -> Task:
    text_fields, labels, metric, evals = GLUE[name]
    root = root or os.environ.get("PRECOG_GLUE_DIR", GLUE_HUB_ROOT)
    splits = ("train", *evals, *(s.replace("validation", "test") for s in evals))
    return Task(
        name,
        text_fields,
        labels,
        metric,
        splits,
        evals[0],
        lambda split: load_glue_split(name, split, root),
        source="glue",
    )


# ---------------------------------------------------------------- demo tasks
def _stable_hash(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16)


@lru_cache(maxsize=1)
def wiki_partition() -> dict[str, tuple[int, ...]]:
    """Indices of Wikipedia articles for pre-training and for held-out evaluation.

    Roughly 80% / 20% of articles, assigned by a hash of the title (stable when articles
    are added or removed); the held-out articles measure the demo model's masked-token
    accuracy on text it never saw.
    """
    parts: dict[str, list[int]] = {"pretrain": [], "heldout": []}
    for i, (title, _) in enumerate(corpus.wikipedia_articles()):
        parts["heldout" if _stable_hash(title) % 5 == 0 else "pretrain"].append(i)
    return {k: tuple(v) for k, v in parts.items()}


@lru_cache(maxsize=1)
def plot_partition() -> dict[str, tuple[int, ...]]:
    """Indices of film plot summaries for pre-training (~50%) and for the subjectivity
    task's objective sentences (~50%), by a hash of the summary's text."""
    parts: dict[str, list[int]] = {"pretrain": [], "subjectivity": []}
    for i, plot in enumerate(corpus.rotten_plots()):
        parts["subjectivity" if _stable_hash(plot) % 2 == 0 else "pretrain"].append(i)
    return {k: tuple(v) for k, v in parts.items()}


@lru_cache(maxsize=1)
def snippet_partition() -> dict[str, tuple[int, ...]]:
    """Indices of critic snippets for rt-polarity (~75%) and for the subjectivity task's
    subjective examples (~25%), by a hash of the snippet's text."""
    parts: dict[str, list[int]] = {"rt-polarity": [], "subjectivity": []}
    for i, (text, _) in enumerate(corpus.rotten_tomatoes()):
        parts["subjectivity" if _stable_hash(text) % 4 == 0 else "rt-polarity"].append(i)
    return {k: tuple(v) for k, v in parts.items()}


def _features(text_fields: tuple[str, ...], labels: tuple[str, ...], source: bool = False) -> datasets.Features:
    feats = {"id": datasets.Value("int64")}
    feats.update({f: datasets.Value("string") for f in text_fields})
    feats["label"] = datasets.ClassLabel(names=list(labels))
    if source:
        feats["source"] = datasets.Value("string")
    return datasets.Features(feats)


def _split_frame(df: pd.DataFrame, n_eval: int, seed: int) -> dict[str, pd.DataFrame]:
    order = list(range(len(df)))
    random.Random(seed).shuffle(order)
    return {"validation": df.iloc[sorted(order[:n_eval])], "train": df.iloc[sorted(order[n_eval:])]}


@cache
def _rt_polarity() -> dict[str, pd.DataFrame]:
    rows = corpus.rotten_tomatoes()
    keep = snippet_partition()["rt-polarity"]
    df = pd.DataFrame(
        {
            "id": range(len(keep)),
            "sentence": [rows[i][0] for i in keep],
            "label": [1 if rows[i][1] == "fresh" else 0 for i in keep],
            "source": [f"snippet {i}" for i in keep],
        }
    )
    return _split_frame(df, DEMO_EVAL_SIZE["rt-polarity"], SEED)


def subjectivity_split(plots: list[tuple[str, tuple[str, ...]]], snippets: list[tuple[str, str]], n_eval: int,
                       seed: int) -> dict[str, pd.DataFrame]:
    """The subjectivity task from (source, sentences) plot summaries and (source, text) snippets.

    Usable examples have SENTENCE_WORDS words and occur once (normalised) among all of them.
    Plots are read in a seeded order: the validation split takes up to PLOT_SENTENCES_EVAL
    sentences of each until it holds ``n_eval // 2`` objective examples; later plots go to
    train whole. Snippets are shuffled: ``n_eval - n_eval // 2`` to validation, and as many
    as train has objective sentences to train (balanced labels).

    Returns:
        {"validation", "train"}: sentence, label (1 = subjective), source.
    """
    lo, hi = SENTENCE_WORDS
    counts = Counter(" ".join(words(t)) for _, doc in plots for t in doc)
    counts.update(" ".join(words(t)) for _, t in snippets)

    def usable(text: str) -> bool:
        return counts[" ".join(words(text))] == 1 and lo <= len(text.split()) <= hi

    rng = random.Random(seed)
    order = list(range(len(plots)))
    rng.shuffle(order)
    split = {"validation": [], "train": []}
    for p in order:
        source, sentences = plots[p]
        good = [t for t in sentences if usable(t)]
        if len(split["validation"]) < n_eval // 2:
            split["validation"] += [(t, 0, source) for t in good[:PLOT_SENTENCES_EVAL]]
        else:
            split["train"] += [(t, 0, source) for t in good]
    del split["validation"][n_eval // 2:]
    subjective = [(t, 1, source) for source, t in snippets if usable(t)]
    rng.shuffle(subjective)
    n_sub = n_eval - len(split["validation"])
    split["validation"] += subjective[:n_sub]
    split["train"] += subjective[n_sub: n_sub + len(split["train"])]
    return {k: pd.DataFrame(v, columns=["sentence", "label", "source"]) for k, v in split.items()}


@cache
def _subjectivity() -> dict[str, pd.DataFrame]:
    plots, rows = corpus.rotten_plots(), corpus.rotten_tomatoes()
    parts = subjectivity_split(
        [(f"plot {i}", tuple(corpus.split_sentences(plots[i]))) for i in plot_partition()["subjectivity"]],
        [(f"snippet {i}", rows[i][0]) for i in snippet_partition()["subjectivity"]],
        DEMO_EVAL_SIZE["subjectivity"],
        SEED,
    )
    out, start = {}, 0
    for split in ("validation", "train"):  # ids run over both splits
        df = parts[split]
        df.insert(0, "id", range(start, start + len(df)))
        out[split], start = df, start + len(df)
    return out


def _demo_loader(build: Callable[[], dict[str, pd.DataFrame]], text_fields, labels):
    def load(split: str) -> datasets.Dataset:
        return datasets.Dataset.from_pandas(
            build()[split], features=_features(text_fields, labels, source=True), preserve_index=False
        )

    return load


DEMO = {
    "rt-polarity": Task(
        "rt-polarity",
        ("sentence",),
        ("negative", "positive"),
        "accuracy",
        ("train", "validation"),
        "validation",
        _demo_loader(_rt_polarity, ("sentence",), ("negative", "positive")),
        label_words=("negative", "positive"),
    ),
    "subjectivity": Task(
        "subjectivity",
        ("sentence",),
        ("objective", "subjective"),
        "accuracy",
        ("train", "validation"),
        "validation",
        _demo_loader(_subjectivity, ("sentence",), ("objective", "subjective")),
        label_words=("plot", "opinion"),
    ),
}


# ---------------------------------------------------------------- your own files
_FILES: dict[str, Task] = {}


def file_task(
    name: str,
    files: dict[str, str | Path],
    text_fields: tuple[str, ...] | list[str],
    label_field: str = "label",
    eval_split: str = "validation",
) -> Task:
    """Register a task read from local .jsonl/.csv/.parquet files, one per split.

    Labels may be ints or strings (strings are numbered in sorted order). Rows get
    ``id`` = their row number unless the file has an ``id`` column.
    """
    from precog.tables import read_table

    frames = {split: read_table(path) for split, path in files.items()}
    for split, df in frames.items():
        missing = [f for f in (*text_fields, label_field) if f not in df.columns]
        if missing:
            raise PrecogError(f"{files[split]}: missing field(s) {missing}; it has {list(df.columns)}")
    values = sorted({v for df in frames.values() for v in df[label_field]}, key=str)
    labels = tuple(map(str, values))
    index = {v: i for i, v in enumerate(values)}

    def load(split: str) -> datasets.Dataset:
        df = frames[split]
        out = pd.DataFrame({"id": df["id"] if "id" in df.columns else range(len(df))})
        for f in text_fields:
            out[f] = df[f].astype(str).values
        out["label"] = [index[v] for v in df[label_field]]
        return datasets.Dataset.from_pandas(out, features=_features(tuple(text_fields), labels), preserve_index=False)

    task = Task(name, tuple(text_fields), labels, "accuracy", tuple(frames), eval_split, load, source="file")
    _FILES[name] = task
    return task


def task_names() -> list[str]:
    """Every registered task name: demo tasks, GLUE tasks, registered files."""
    return [*DEMO, *GLUE, *_FILES]


def get_task(name: str) -> Task:
    """The task called ``name`` (one-line error listing the names otherwise)."""
    if name in DEMO:
        return DEMO[name]
    if name in _FILES:
        return _FILES[name]
    if name in GLUE:
        return _glue_task(name)
    raise PrecogError(f"unknown task '{name}'; known: {', '.join(task_names())} (or register a file with file_task)")


def check_label_words(tasks: dict[str, Task], tokenizer) -> None:
    """Every label word of every task must be one token of ``tokenizer`` (one clear line otherwise)."""
    for name, task in sorted(tasks.items()):
        if len(task.label_words) != task.num_labels:
            raise PrecogError(f"task {name} needs one label word per label {task.label_names}, has {task.label_words}")
        for w in task.label_words:
            pieces = tokenizer.tokenize(w)
            if len(pieces) != 1 or tokenizer.convert_tokens_to_ids(pieces[0]) == tokenizer.unk_token_id:
                raise PrecogError(f"label word '{w}' of task {name} is not a single token of the vocabulary ({pieces})")


def training_subset(n_rows: int, n: int | None) -> list[int]:
    """Row indices of the fine-tuning subset: the first ``n`` of a fixed seeded shuffle
    (the same for every model and seed, so comparisons are on the same examples)."""
    order = list(range(n_rows))
    random.Random(SEED).shuffle(order)
    return sorted(order[:n]) if n is not None else order
