"""Task registry: GLUE from the hub, the offline demo tasks, and your own files.

Every task loads as a ``datasets.Dataset`` with a stable integer ``id``, its text
field(s) under their own names, and an integer ``label``. ``get_task(name)`` finds one;
``precog tasks`` lists them.

Demo tasks (ours, built offline from data/raw; see data/README.md):

* ``rt-polarity``: Rotten Tomatoes critic snippets, fresh (positive) vs rotten
  (negative), an SST-2 analogue; a seeded 1,000-example validation split.
* ``review-next``: sentence pairs from the movie reviews held out of pre-training; label 1
  when sentence B directly follows sentence A in the review, 0 when B is a sentence of a
  film's plot summary held out of pre-training (BERT's next-sentence task, whose
  negatives come from elsewhere in the corpus). Every sentence occurs in at most one
  example, across splits. Negatives drawn from other reviews made a task that no model
  here learned (all, TF-IDF included, at 0.49..0.52); see README.

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

from precog import corpus
from precog.errors import PrecogError
from precog.overlap import words

GLUE_HUB_ROOT = "hf://datasets/nyu-mll/glue"
SEED = 1234
NEXT_WORDS = ("random", "next")  # review-next's label words; also the base corpus's next-sentence words
DEMO_EVAL_SIZE = {"rt-polarity": 1000, "review-next": 1000}
PAIR_SENTENCE_WORDS = (5, 40)  # review-next: sentences of 5..40 words


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
    source: str = "demo"
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
            "(--profile demo) or a local copy in GLUE's layout (PRECOG_GLUE_DIR) or your own file (precog.tasks.file_task)"
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
    """Indices of film plot summaries for pre-training (~50%) and for review-next's
    negatives (~50%), by a hash of the summary's text."""
    parts: dict[str, list[int]] = {"pretrain": [], "review-next": []}
    for i, plot in enumerate(corpus.rotten_plots()):
        parts["review-next" if _stable_hash(plot) % 2 == 0 else "pretrain"].append(i)
    return {k: tuple(v) for k, v in parts.items()}


@lru_cache(maxsize=1)
def review_partition() -> dict[str, tuple[int, ...]]:
    """Indices of movie reviews for pre-training (~75%) and for the review-next task (~25%),
    by a hash of the review's text."""
    parts: dict[str, list[int]] = {"pretrain": [], "review-next": []}
    for i, sentences in enumerate(corpus.movie_reviews()):
        parts["review-next" if _stable_hash(" ".join(sentences)) % 4 == 0 else "pretrain"].append(i)
    return {k: tuple(v) for k, v in parts.items()}


def _features(text_fields: tuple[str, ...], labels: tuple[str, ...]) -> datasets.Features:
    feats = {"id": datasets.Value("int64")}
    feats.update({f: datasets.Value("string") for f in text_fields})
    feats["label"] = datasets.ClassLabel(names=list(labels))
    return datasets.Features(feats)


def _split_frame(df: pd.DataFrame, n_eval: int, seed: int) -> dict[str, pd.DataFrame]:
    order = list(range(len(df)))
    random.Random(seed).shuffle(order)
    return {"validation": df.iloc[sorted(order[:n_eval])], "train": df.iloc[sorted(order[n_eval:])]}


@cache
def _rt_polarity() -> dict[str, pd.DataFrame]:
    rows = corpus.rotten_tomatoes()
    df = pd.DataFrame(
        {
            "id": range(len(rows)),
            "sentence": [t for t, _ in rows],
            "label": [1 if lab == "fresh" else 0 for _, lab in rows],
        }
    )
    return _split_frame(df, DEMO_EVAL_SIZE["rt-polarity"], SEED)


def sentence_pairs(documents: list[tuple[str, ...]], strangers: list[tuple[str, ...]], seed: int) -> pd.DataFrame:
    """Next-sentence pairs in which every sentence occurs at most once.

    Each document is read as non-overlapping pairs of consecutive sentences (both within
    PAIR_SENTENCE_WORDS words, neither occurring twice in ``documents`` or ``strangers``).
    A seeded coin makes a pair negative: its B is replaced by the next unused sentence of
    ``strangers`` (documents of another kind, read in a seeded order); negatives are dropped
    once those run out.

    Returns:
        sentence1, sentence2, label (1 = B follows A), document (index into ``documents``).
    """
    lo, hi = PAIR_SENTENCE_WORDS
    counts = Counter(" ".join(words(s)) for doc in (*documents, *strangers) for s in doc)  # normalised

    def usable(sentence: str) -> bool:
        return counts[" ".join(words(sentence))] == 1 and lo <= len(sentence.split()) <= hi

    rng = random.Random(seed)
    pool = [s for doc in strangers for s in doc if usable(s)]
    rng.shuffle(pool)
    rows = []
    for d, doc in enumerate(documents):
        i = 0
        while i + 1 < len(doc):
            if usable(doc[i]) and usable(doc[i + 1]):
                if rng.random() < 0.5:
                    rows.append((doc[i], doc[i + 1], 1, d))
                elif pool:
                    rows.append((doc[i], pool.pop(), 0, d))
                i += 2
            else:
                i += 1
    return pd.DataFrame(rows, columns=["sentence1", "sentence2", "label", "document"])


@cache
def _review_next() -> dict[str, pd.DataFrame]:
    reviews, plots = corpus.movie_reviews(), corpus.rotten_plots()
    strangers = [tuple(corpus.split_sentences(plots[p])) for p in plot_partition()["review-next"]]
    pairs = sentence_pairs([reviews[r] for r in review_partition()["review-next"]], strangers, SEED)
    df = pairs.drop(columns="document").reset_index(drop=True)
    df.insert(0, "id", range(len(df)))
    return _split_frame(df, DEMO_EVAL_SIZE["review-next"], SEED)


def _demo_loader(build: Callable[[], dict[str, pd.DataFrame]], text_fields, labels):
    def load(split: str) -> datasets.Dataset:
        return datasets.Dataset.from_pandas(
            build()[split], features=_features(text_fields, labels), preserve_index=False
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
    "review-next": Task(
        "review-next",
        ("sentence1", "sentence2"),
        ("not_next", "next"),
        "accuracy",
        ("train", "validation"),
        "validation",
        _demo_loader(_review_next, ("sentence1", "sentence2"), ("not_next", "next")),
        label_words=NEXT_WORDS,
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
