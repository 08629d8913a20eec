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
    """Section 3b: the mean memorization gain of each arm and dose, with its interval over examples,
    and why gains differ between examples (the seen score sits near its ceiling)."""
    gains = summary[summary["measure"] == "gain"].sort_values(["arm", "dose"])
    seen = summary[summary["measure"] == "seen"]
    parts = [f"{r.arm} ×{r.dose}: {r.mean:+.2f} [{r.ci_low:+.2f}, {r.ci_high:+.2f}] over {r.n} examples"
             for r in gains.itertuples()]
    return (f"Mean memorization gain (PreCog@{k} seen − unseen, 95% CI over examples): " + "; ".join(parts) + ". "
            "Each example is compared with itself, so the gain is caused by the injection, not by which texts were "
            f"picked. But the seen score sits near its ceiling (mean {seen['mean'].min():.2f} or more), so an "
            "example's gain is mostly 1 minus what the other models already recover: gains differ between examples "
            "largely by how predictable the text already was (Exercise 1 measures how largely).")


def bins_text(bins: pd.DataFrame) -> str:
    """Section 7: per block of bins, the bins with at least MIN_N examples, their accuracy range,
    whether their intervals all overlap (then no trend can be told) and the block's overall accuracy."""
    parts = []
    for name, block in bins.groupby("examples", sort=True):
        enough = block[block["n"] >= MIN_N]
        filled = block[block["n"] > 0]
        overall = float((filled["n"] * filled["accuracy"]).sum() / filled["n"].sum()) if len(filled) else float("nan")
        if enough.empty:
            parts.append(f"{name}: no bin holds {MIN_N} examples, so nothing can be read from it")
            continue
        lo, hi = enough["accuracy"].min(), enough["accuracy"].max()
        parts.append(f"{name}: {len(enough)} of {len(filled)} filled bins hold at least {MIN_N} examples "
                     f"(bins {', '.join(enough['label'])}), accuracy from {lo:.2f} to {hi:.2f} "
                     + ("" if len(enough) < 2 else f" ({100 * (hi - lo):.0f} points between its highest and lowest bin)")
                     + f"; {overall:.3f} over all its examples")
    return ("; ".join(parts) + ". Whether accuracy changes with PreCog is a test of its own (a correlation or a "
            "difference with its interval; Table 2 and section 9 make them), not a reading of overlapping or separate "
            "bars; and where the bins of a comparison hold different examples, they differ in more than PreCog.")


def variants_text(gains: pd.Series, chance: pd.Series | None = None) -> str:
    """Exercise 2: how each variant's gain compares with the verbatim gain and with the chance
    spread (``chance``: :func:`lesson.chance_gains`, the models' differences on never-injected texts)."""
    base = gains["verbatim"]
    if not np.isfinite(base) or base <= 0:
        return (f"The verbatim sentence has no positive memorization gain here ({base:+.2f}), so there is nothing for "
                "a variant to keep: these models did not memorize it.")
    lo, hi = (np.percentile(chance, [2.5, 97.5]) if chance is not None and len(chance) else (np.nan, np.nan))
    def judged(value: float) -> str:
        if not np.isfinite(lo):
            return f"{value:+.2f}"
        return f"{value:+.2f}, " + ("within" if lo <= value <= hi else "outside") + " the chance range"
    rest = [f"{name}: {judged(value)}" for name, value in gains.items() if name != "verbatim"]
    own = gains.get("your own sentence")
    odd = (own is not None and np.isfinite(lo) and not lo <= own <= hi)
    yardstick = ("" if not np.isfinite(lo) else f" On the {len(chance)} never-injected examples, which no study model "
                 f"saw, the same model's \"gain\" over the others falls between {lo:+.2f} and {hi:+.2f} (95% of them): "
                 "that is how much the models differ on a text by chance, the yardstick for everything else.")
    return (f"The verbatim sentence has a gain of {base:+.2f}.{yardstick} " + "; ".join(rest) + ". A shuffled copy "
            "within the chance range says the memory is of the word order, not of the bag of words; a paraphrase within "
            "it says the memory is of the wording, not of the content (set `my_paraphrase` to test yours)."
            + (" Your own sentence falls outside the chance range although no study model saw it: one short sentence "
               "varies more than the longer never-injected texts do, and one model may simply suit it. One sentence is "
               "not evidence either way; the range over many texts is the yardstick." if odd else ""))


def curve_text(curves: dict[str, np.ndarray], ks: np.ndarray, vocab: int) -> str:
    """Exercise 3: the smallest k at which each curve reaches the memorized one's PreCog@1 and 0.5,
    and k as a share of the vocabulary (the first curve is the sentence under the model that saw it)."""
    names = list(curves)
    target = float(curves[names[0]][0])

    def first_k(curve: np.ndarray, level: float) -> str:
        at = np.flatnonzero(curve >= level - 1e-12)
        return f"k = {ks[at[0]]}" if len(at) else f"not by k = {ks[-1]}"

    parts = [f"{name}: {first_k(curves[name], target)} (0.5 at {first_k(curves[name], 0.5)})" for name in names[1:]]
    return (f"The model that saw the sentence recovers {target:.2f} of its tokens at k = 1. To recover as much, "
            + "; ".join(parts) + f" (k = 100 is {100 * 100 / vocab:.2g}% of this model's {vocab:,} WordPieces). "
            "A generous k lets any text creep up, and memorization shows as the gap at small k, which is why @1 is "
            "the study's measure. Where two different sentences reach a level at different k, the one that gets there "
            "first may simply be the easier text (one sentence each: a hint, not a finding); comparing two texts "
            "measures predictability as well as exposure.")


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
