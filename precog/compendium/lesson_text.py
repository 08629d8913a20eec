"""The lesson's readings: each sentence precog_explained prints is a pure function of a
result it just computed (:mod:`precog.compendium.lesson`), so it stays true when a rerun, or
another profile's models, move the numbers. Nothing here is typed from a result.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from precog.compendium.plotting import MIN_N


def crossover_text(table: pd.DataFrame, example: pd.Series, k: int = 1) -> str:
    """Section 3: the sentence's PreCog@k under the model that saw it, the mean under the others, the gain."""
    col = f"precog@{k}"
    seen, unseen = table[table["saw it"]], table[~table["saw it"]]
    return (f"Under model {example['model']}, which saw the sentence {example['dose']} times, PreCog@{k} = "
            f"{seen[col].iloc[0]:.2f}; under the {len(unseen)} models that did not, {unseen[col].mean():.2f} on average "
            f"(from {unseen[col].min():.2f} to {unseen[col].max():.2f}). Its memorization gain is "
            f"{seen[col].iloc[0] - unseen[col].mean():+.2f}.")


def paired_text(summary: pd.DataFrame, k: int = 1) -> str:
    """Section 3b: the mean memorization gain of each arm and dose, with its interval over examples."""
    gains = summary[summary["measure"] == "gain"].sort_values(["arm", "dose"])
    parts = [f"{r.arm} ×{r.dose}: {r.mean:+.2f} [{r.ci_low:+.2f}, {r.ci_high:+.2f}] over {r.n} examples"
             for r in gains.itertuples()]
    return (f"Mean memorization gain (PreCog@{k} seen − unseen, 95% CI over examples): " + "; ".join(parts) + ". "
            "Each example is compared with itself, so how predictable a text already is cancels out.")


def bins_text(bins: pd.DataFrame) -> str:
    """Section 7: for each block of bins, which bins hold at least MIN_N examples and their accuracy range."""
    parts = []
    for name, block in bins.groupby("examples", sort=True):
        enough = block[block["n"] >= MIN_N]
        if enough.empty:
            parts.append(f"{name}: no bin holds {MIN_N} examples, so nothing can be read from it")
            continue
        lo, hi = enough["accuracy"].min(), enough["accuracy"].max()
        parts.append(f"{name}: {len(enough)} of {int((block['n'] > 0).sum())} filled bins hold at least {MIN_N} examples "
                     f"(bins {', '.join(enough['label'])}), with accuracy from {lo:.2f} to {hi:.2f}")
    return ("; ".join(parts) + ". A trend needs several bins with enough examples and intervals that do not overlap; "
            "a difference between two neighbouring bins with wide intervals is not one.")


def variants_text(gains: pd.Series) -> str:
    """Exercise 2: how much of the verbatim gain each variant keeps."""
    base = gains["verbatim"]
    if not np.isfinite(base) or base <= 0:
        return (f"The verbatim sentence has no positive memorization gain here ({base:+.2f}), so there is nothing for "
                "a variant to keep: these models did not memorize it.")
    own = gains.get("your own sentence")
    kept = [f"{name} keeps {value / base:.0%} of it ({value:+.2f})" for name, value in gains.items()
            if name not in ("verbatim", "your own sentence")]
    text = (f"The verbatim sentence has a gain of {base:+.2f}; " + "; ".join(kept) + ". What a variant keeps is what the "
            "model stored beyond the exact sequence: a shuffled copy that keeps little of the gain says that the memory "
            "is of the word order, not of the bag of words; a paraphrase that keeps little says it is of the wording, "
            "not of the content.")
    if own is not None:
        text += (f" Your own sentence, which no model saw, has a \"gain\" of {own:+.2f}: that is how much the models "
                 "differ on any text by chance, the yardstick for calling a variant's gain memorization.")
    return text


def curve_text(curves: dict[str, np.ndarray], ks: np.ndarray, vocab: int) -> str:
    """Exercise 3: the smallest k at which each curve reaches 0.5, and k as a share of the vocabulary."""
    parts = []
    for name, curve in curves.items():
        at = np.flatnonzero(curve >= 0.5)
        parts.append(f"{name}: " + (f"k = {ks[at[0]]}" if len(at) else f"not reached by k = {ks[-1]}"))
    return (f"PreCog@k reaches 0.5 at {'; '.join(parts)}. As k grows every text creeps up, because a generous k "
            f"admits many guesses: k = {ks[-1]} is {100 * ks[-1] / vocab:.2g}% of this model's {vocab:,} WordPieces. "
            "Memorization shows as the gap at small k, which is why @1 is the study's measure.")


def verdict_text(table: pd.DataFrame) -> str:
    """Section 8: what the model that saw the sentence did, and the others (table from :func:`lesson.verdicts`)."""
    seen, unseen = table[table["saw it"]], table[~table["saw it"]]
    right = lambda share: "right" if share >= 0.5 else "wrong"  # noqa: E731
    parts = []
    if len(seen):
        parts.append(f"model {seen.index[0]}, which saw the sentence, classified it {right(seen['right'].iloc[0])}")
    if len(unseen):
        parts.append(f"{int((unseen['right'] >= 0.5).sum())} of the {len(unseen)} models that did not see it classified it right")
    if not parts:
        return ""
    return ("; ".join(parts) + ". One example cannot answer the question either way: the study compares every "
            "injected example in this way, seen against unseen (section 9).")


def explained_text(numbers: dict, k: tuple[int, ...]) -> str:
    """The closing reading: PreCog@k of each view, and the sentence's memorization gain."""
    parts = []
    for name, d in numbers["views"].items():
        ranks = d["ranks"]
        at = ", ".join(f"PreCog@{x} = {sum(r <= x for r in ranks) / len(ranks):.2f}" for x in k)
        parts.append(f"{name}: {at}")
    text = "In this run, " + "; ".join(parts) + "."
    if "gain" in numbers:
        text += f" The sentence's memorization gain across the models is {numbers['gain']:+.2f}."
    return text
