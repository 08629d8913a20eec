"""Task registry: GLUE from the hub, the offline demo tasks, and your own files.

Every task loads as a ``datasets.Dataset`` with a stable integer ``id``, its text
field(s) under their own names, and an integer ``label``. ``get_task(name)`` finds one;
``precog tasks`` lists them.

Demo tasks (ours, built offline from data/raw; see data/README.md):

* ``rt-polarity``: Rotten Tomatoes critic snippets, fresh (positive) vs rotten
  (negative), an SST-2 analogue; a seeded 800-example validation split.
* ``wiki-next``: sentence pairs from held-out Wikipedia articles; label 1 when sentence B
  directly follows sentence A in the article, 0 when B comes from another held-out
  article (an NSP-style pair task, so pair inputs run end to end).
"""

from __future__ import annotations

import hashlib
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import datasets
import pandas as pd

from precog import corpus
from precog.errors import PrecogError

GLUE_HUB_ROOT = "hf://datasets/nyu-mll/glue"
SEED = 1234
DEMO_EVAL_SIZE = {"rt-polarity": 800, "wiki-next": 400}


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
    """Indices of Wikipedia articles for pre-training, for held-out evaluation, for wiki-next.

    Roughly 70% / 10% / 20% of articles, assigned by a hash of the title (stable when
    articles are added or removed).
    """
    parts: dict[str, list[int]] = {"pretrain": [], "heldout": [], "wiki-next": []}
    for i, (title, _) in enumerate(corpus.wikipedia_articles()):
        bucket = _stable_hash(title) % 10
        parts["heldout" if bucket == 0 else "wiki-next" if bucket in (1, 2) else "pretrain"].append(i)
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


@cache
def _wiki_next() -> dict[str, pd.DataFrame]:
    articles = corpus.wikipedia_articles()
    rng = random.Random(SEED)
    sentences = []  # (article, paragraph, sentence)
    for a in wiki_partition()["wiki-next"]:
        for p, para in enumerate(articles[a][1]):
            sentences += [(a, p, s) for s in corpus.split_sentences(para) if 5 <= len(s.split()) <= 40]
    rows = []
    for i in range(len(sentences) - 1):
        (a, p, s1), (a2, p2, s2) = sentences[i], sentences[i + 1]
        if (a, p) != (a2, p2):
            continue
        if rng.random() < 0.5:
            rows.append((s1, s2, 1))
        else:
            other = rng.choice([s for s in sentences if s[0] != a])
            rows.append((s1, other[2], 0))
    df = pd.DataFrame(
        {
            "id": range(len(rows)),
            "sentence1": [r[0] for r in rows],
            "sentence2": [r[1] for r in rows],
            "label": [r[2] for r in rows],
        }
    )
    return _split_frame(df, DEMO_EVAL_SIZE["wiki-next"], SEED)


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
    ),
    "wiki-next": Task(
        "wiki-next",
        ("sentence1", "sentence2"),
        ("not_next", "next"),
        "accuracy",
        ("train", "validation"),
        "validation",
        _demo_loader(_wiki_next, ("sentence1", "sentence2"), ("not_next", "next")),
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
