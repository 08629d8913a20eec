"""The controlled memorization study: which evaluation example goes into which pre-trained
model, in what form and how often (the membership manifest), and the checks that keep the
arms clean.

Design (a crossover). For every demo task, evaluation examples are dealt to cells:

* ``never`` (dose 0): in no pre-training corpus;
* ``text`` at dose d: the example exactly as the classifier sees it (one segment, or two
  for a pair task), d copies;
* ``text+label`` at dose d: the same with its label word after the last segment, d
  copies: the positive control, in which memorization *can* be exploited.

Every injected cell is dealt in K equal shares to K continuation models (0..K-1), so each
injected example is measured *seen* (by the one model given it) and *unseen* (by the K - 1
others) — a paired comparison that removes example difficulty — and the models themselves
are replicated, so an interval over models covers the randomness of continued pre-training
and of which examples each model saw.

Examples are dealt within each task and label, so every cell has the label shares of the
whole sample (to rounding), and by *source document*: examples drawn from one document go to
the same cell and model, so an unseen model never saw a sibling sentence, and a never
example never shares a document with an injected one. Candidates are taken in a seeded
order, skipping any that shares a sentence or an 8-gram with one already taken (of any
task), so no two study examples overlap. ``seed`` chooses the examples; ``replicate``
redraws their assignment.
"""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pandas as pd

from precog.configs import ARMS, StudyConfig
from precog.data.tasks import Task
from precog.data.text import ngrams, words
from precog.errors import PrecogError

NGRAM = 8  # contamination: no shared word 8-gram


def example_text(task: Task, row) -> str:
    """An example's text as one string (pair fields joined by a space), for overlap checks."""
    return " ".join(str(row[f]) for f in task.text_fields)


def fingerprints(text: str, n: int = NGRAM) -> set:
    """What two texts must not share: their word n-grams and their normalised sentences."""
    from precog.data.corpus import split_sentences

    out: set = set(ngrams(words(text), n))
    out.update(" ".join(words(s)) for s in split_sentences(text) if words(s))
    return out


def clean_candidates(task: Task, frame: pd.DataFrame, n: int, seed: int, seen: set | None = None) -> pd.DataFrame:
    """``n`` examples of ``frame`` in a seeded order, none sharing a sentence or 8-gram with
    another, nor with ``seen`` (fingerprints of examples already taken, e.g. by another
    task; the set is updated in place).

    Raises:
        PrecogError: if the split has fewer than ``n`` such examples.
    """
    order = list(range(len(frame)))
    random.Random(f"{seed}:{task.name}").shuffle(order)
    taken, seen = [], set() if seen is None else seen
    for i in order:
        keys = fingerprints(example_text(task, frame.iloc[i]))
        if keys and keys.isdisjoint(seen):
            taken.append(i)
            seen |= keys
            if len(taken) == n:
                return frame.iloc[taken].reset_index(drop=True)
    raise PrecogError(
        f"task {task.name} has only {len(taken)} non-overlapping {task.eval_split} examples; the study asks for {n} "
        "(lower study.never / study.injected)"
    )


def cells(config: StudyConfig) -> list[tuple[str, int, str, int]]:
    """(arm, dose, model, examples) of every cell of one task; model '-' for never."""
    out = [("never", 0, "-", config.never)]
    for arm in ARMS[1:]:
        for dose, n in sorted(config.injected.get(arm, {}).items()):
            out += [(arm, dose, m, n // config.models) for m in config.model_names]
    return out


def quotas(labels: np.ndarray, sizes: list[int]) -> np.ndarray:
    """How many examples of each label each cell takes: evenly within every label.

    Examples are ordered by label; slot k of a cell of size s sits at (k + 1/2) / s of the
    way through the list, so each cell draws from every label in proportion.

    Args:
        labels: (N,) label of each example, N = sum(sizes).
        sizes: examples per cell (C cells).
    Returns:
        (C, L) examples of each label (sorted label values) per cell; row c sums to sizes[c].
    """
    slots = sorted(((k + 0.5) / s, c) for c, s in enumerate(sizes) for k in range(s))
    values, counts = np.unique(labels, return_counts=True)
    out = np.zeros((len(sizes), len(values)), dtype=int)
    ends = np.cumsum(counts)
    for position, (_, c) in enumerate(slots):
        out[c, int(np.searchsorted(ends, position, side="right"))] += 1
    return out


def deal(labels: np.ndarray, sizes: list[int], groups: np.ndarray | None = None, seed: object = 0) -> np.ndarray:
    """Assign examples to cells of the given sizes, evenly within every label, whole groups at once.

    The quota of each (cell, label) comes from :func:`quotas`. Groups (source documents) are
    taken largest first (ties in a seeded order); each goes to a cell drawn with probability
    proportional to the room left there for its label (its first example's label; a group is
    one document, one label in the demo tasks), among the cells with room for the whole
    group. That is a seeded shuffle of the examples into the cells' free slots, kept whole
    per document, so every cell gets the same mix of one- and many-sentence documents in
    expectation, whatever its size. Sizes and quotas are met exactly unless a group finds no
    cell with room for all of it (then the roomiest cell takes it and overfills).

    Args:
        labels: (N,) label of each example, N = sum(sizes).
        sizes: examples per cell.
        groups: (N,) group of each example (default: every example its own group).
        seed: seeds the order of groups of equal size and the draws.
    Returns:
        (N,) cell index of each example.
    """
    labels = np.asarray(labels)
    groups = np.arange(len(labels)) if groups is None else np.asarray(groups)
    values = list(np.unique(labels))
    room = quotas(labels, sizes)
    members: dict = {}
    for i, g in enumerate(groups):
        members.setdefault(g, []).append(i)
    order = list(members)
    rng = random.Random(str(seed))
    rng.shuffle(order)
    order.sort(key=lambda g: -len(members[g]))  # stable: the seeded order among equal sizes
    out = np.empty(len(labels), dtype=int)
    for g in order:
        rows = members[g]
        col = values.index(labels[rows[0]])
        fits = [c for c in range(len(sizes)) if room[c, col] >= len(rows)]
        if fits:
            cell = rng.choices(fits, weights=[int(room[c, col]) for c in fits])[0]
        else:
            cell = int(np.argmax(room[:, col]))
        out[rows] = cell
        room[cell, col] -= len(rows)
    return out


def manifest(tasks: dict[str, Task], config: StudyConfig) -> pd.DataFrame:
    """The membership manifest: one row per study example.

    Returns:
        task, id, label, arm, dose (copies), exposures (copies x passes), model ('0'..'K-1' that
        saw it, or '-'), source (the document its text comes from).
    """
    config.validate()
    frames, taken = [], set()  # fingerprints of every task's examples: no overlap across tasks either
    for name in sorted(tasks):
        task = tasks[name]
        frame = task.load(task.eval_split).to_pandas()
        pool = clean_candidates(task, frame, config.size(), config.seed, taken)
        source = pool["source"].astype(str).to_numpy() if "source" in pool else pool["id"].astype(str).to_numpy()
        layout = cells(config)
        which = deal(pool["label"].to_numpy(), [c[3] for c in layout], source, f"{config.seed}:{config.replicate}:{name}")
        got = np.bincount(which, minlength=len(layout))
        if list(got) != [c[3] for c in layout]:
            raise PrecogError(f"{name}: dealing its documents could not give every cell its size ({list(got)}); "
                              "a document has more sentences than a cell holds: lower PLOT_SENTENCES_EVAL or grow the cells")
        frames.append(
            pd.DataFrame(
                {
                    "task": name,
                    "id": pool["id"].to_numpy(),
                    "label": pool["label"].to_numpy(),
                    "arm": [layout[c][0] for c in which],
                    "dose": [layout[c][1] for c in which],
                    "model": [layout[c][2] for c in which],
                    "source": source,
                }
            )
        )
    df = pd.concat(frames, ignore_index=True)
    df.insert(5, "exposures", df["dose"] * config.passes)
    return df.sort_values(["task", "id"], ignore_index=True)


def read_manifest(path) -> pd.DataFrame:
    """A manifest written by :func:`manifest` (``model`` and ``source`` kept as strings)."""
    return pd.read_csv(path, dtype={"model": str, "source": str})


def segments(task: Task, row, arm: str) -> tuple[str, str | None, str | None]:
    """The passage injected for one example: (segment A, segment B or None, slot word or None).

    text+label puts the label word in the slot after the last segment (where the prompt
    head reads its [MASK] when fine-tuning; see :func:`precog.study.sequences.encode`); text has none.
    """
    parts = [str(row[f]) for f in task.text_fields]
    word = task.label_words[int(row["label"])] if arm == "text+label" else None
    return parts[0], (parts[1] if len(parts) > 1 else None), word


def injected_passages(tasks: dict[str, Task], members: pd.DataFrame, model: str) -> list[tuple[str, str | None, str | None]]:
    """``dose`` copies of the passage of every example injected into ``model`` ('0', '1', ...)."""
    out = []
    for name, rows in members[members["model"] == model].groupby("task", sort=True):
        task = tasks[name]
        frame = task.load(task.eval_split).to_pandas().set_index("id")
        for i, arm, dose in zip(rows["id"], rows["arm"], rows["dose"], strict=True):
            row = frame.loc[i].to_dict() | {"label": frame.loc[i, "label"]}
            out += [segments(task, row, arm)] * int(dose)
    return out


def study_texts(tasks: dict[str, Task], members: pd.DataFrame) -> dict[tuple[str, int], str]:
    """(task, id) -> the example's text as one string, for every manifest row."""
    out = {}
    for name, rows in members.groupby("task", sort=True):
        task = tasks[name]
        frame = task.load(task.eval_split).to_pandas().set_index("id")
        out.update({(name, int(i)): example_text(task, frame.loc[i]) for i in rows["id"]})
    return out


def shared_design(study: StudyConfig) -> StudyConfig:
    """The part of the study design that the base model depends on: everything but the
    replicate (which only redraws assignments and continuation seeds)."""
    return replace(study, replicate=0)
