"""One figure style and the few plot types the artifacts share.

A colour-blind-safe palette (Okabe & Ito), constrained layout, 150 dpi inline and 200 dpi
PNG files, fonts embedded in PDFs, no timestamps in files (byte-stable outputs).
:func:`save_figure` refuses a figure whose texts run into each other or into another
panel (:func:`precog.compendium.overlaps.text_overlaps`), so every figure the pipeline writes has been checked. The
backend is left alone, so notebooks show their figures inline (scripts without a display
get matplotlib's Agg default).
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from precog.compendium.overlaps import text_overlaps
from precog.errors import PrecogError
from precog.tables import write_table

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
ARM_COLOURS = {"text": PALETTE[0], "text+label": PALETTE[3]}  # the arms: blue, vermillion, in every figure
STATUS_COLOURS = {"seen": PALETTE[4], "unseen": PALETTE[7]}  # seen / unseen: reddish purple, black (never an arm's colour)
MIN_N = 10  # a bin with fewer examples is drawn grey, without an interval: too few to read
GREY = "#BBBBBB"
STYLE = {
    "figure.dpi": 150,  # inline images in the notebooks
    "figure.constrained_layout.use": True,
    "savefig.dpi": 200,
    "savefig.bbox": "tight",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "svg.hashsalt": "precog",
    "path.simplify": False,
}
# PreCog's three rank classes, shared by the token strip and the notebook's HTML views
RANK_CLASSES = ((1, "rank 1 (recovered at k = 1)", PALETTE[2]), (50, "rank 2–50 (recovered at k = 50)", PALETTE[1]),
                (None, "rank > 50 (not recovered)", PALETTE[3]))


SCORE_NAMES = {"pll": "pseudo-log-likelihood (PLL)", "mean_logprob": "mean log-probability",
               "min20_logprob": "Min-20% log-probability", "minkpp20": "Min-20%++"}  # the scores' names in figures


def score_name(score: str) -> str:
    """A score column as a reader sees it: 'precog@1' -> 'PreCog@1', 'minkpp20' -> 'Min-20%++'."""
    return SCORE_NAMES.get(score, score.replace("precog@", "PreCog@"))


def use_style() -> None:
    """Apply the compendium's matplotlib style."""
    plt.rcParams.update(STYLE)


def rank_colour(rank: int) -> str:
    """The colour of a token whose true id ranked ``rank`` (1 = the model's top guess)."""
    return next(c for limit, _, c in RANK_CLASSES if limit is None or rank <= limit)


# ---------------------------------------------------------------- files and checks
def save_figure(fig, folder: Path, name: str) -> None:
    """Check that no text of ``fig`` overlaps (:func:`text_overlaps`), then write
    ``folder/name.png`` (200 dpi) and ``.pdf`` without timestamps. The figure stays open,
    so a notebook cell displays it."""
    clashes = text_overlaps(fig)
    if clashes:
        raise PrecogError(f"figure {name}: {len(clashes)} overlapping texts, e.g. {clashes[0]}; "
                          "enlarge the figure or shorten the labels in precog/compendium/plotting.py")
    folder.mkdir(parents=True, exist_ok=True)
    fig.savefig(folder / f"{name}.png", metadata={"Software": None})
    fig.savefig(folder / f"{name}.pdf", metadata={"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None})


def rounded(obj):
    """``obj`` as :func:`save_numbers` writes it: floats to 6 decimals (NaN and infinities as None), numpy numbers as Python's."""
    if isinstance(obj, float):
        return None if not np.isfinite(obj) else round(obj, 6)
    if isinstance(obj, dict):
        return {str(k): rounded(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [rounded(v) for v in obj]
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return rounded(float(obj))
    return obj


def save_numbers(numbers: dict, folder: Path, name: str) -> dict:
    """Write the numbers behind an artifact as ``folder/name.json`` (6 decimals, sorted keys);
    return them as written (NaN as None), the form the readings in :mod:`precog.compendium.present` take."""
    written = rounded(numbers)
    (folder / f"{name}.json").write_text(json.dumps(written, indent=1, sort_keys=True) + "\n")
    return json.loads(json.dumps(written))


def save_table(df: pd.DataFrame, folder: Path, name: str) -> None:
    """Write a table as ``folder/name.csv`` (atomically, 6 decimals: :func:`precog.tables.write_table`)."""
    write_table(df, folder / f"{name}.csv", float_format="%.6f")


# ---------------------------------------------------------------- plot types
def intervals(ax, pos, low, high, vertical: bool = True, color="black", lw: float = 1.0) -> None:
    """95% intervals drawn from their bounds, with caps, at positions ``pos``. Drawn from the
    bounds rather than as arms around an estimate, because a percentile interval need not
    contain its estimate (ECE, a logistic fit on few examples, a two-level bootstrap);
    missing bounds are skipped."""
    pos, low, high = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (pos, low, high))
    ok = np.isfinite(low) & np.isfinite(high)
    pos, low, high = pos[ok], low[ok], high[ok]
    lines, caps = (ax.vlines, "_") if vertical else (ax.hlines, "|")
    lines(pos, low, high, color=color, lw=lw)
    ends = (np.r_[pos, pos], np.r_[low, high]) if vertical else (np.r_[low, high], np.r_[pos, pos])
    ax.plot(*ends, caps, color=color, ms=6, mew=lw)


def bin_ticks(ax, table: pd.DataFrame, xlabel: str) -> np.ndarray:
    """Bin labels with their n underneath as x tick labels; returns the x positions."""
    x = np.arange(len(table))
    ax.set_xticks(x, [f"{lab}\nn={n}" for lab, n in zip(table["label"], table["n"], strict=True)], fontsize=7)
    ax.set_xlabel(xlabel)
    return x


def accuracy_bars(ax, table: pd.DataFrame, title: str, xlabel: str, chance: float | None = None,
                  min_n: int = MIN_N) -> None:
    """Accuracy per bin with 95% CI whiskers, n under each bin (table from accuracy_by_bin).
    Bins with fewer than ``min_n`` examples are drawn grey without an interval; empty bins
    are left empty."""
    x = bin_ticks(ax, table, xlabel)
    acc = table["accuracy"].to_numpy(dtype=float)
    n = table["n"].to_numpy()
    enough = (n >= min_n) & np.isfinite(acc)
    ax.bar(x[enough], acc[enough], color=PALETTE[0], alpha=0.85)
    ax.bar(x[~enough], np.nan_to_num(acc[~enough]), color=GREY)
    lo, hi = table["ci_low"].to_numpy(dtype=float), table["ci_high"].to_numpy(dtype=float)
    intervals(ax, x[enough], lo[enough], hi[enough])
    if chance is not None:
        ax.axhline(chance, color="grey", ls=":", lw=1)
    ax.set_ylim(0, 1)
    ax.set_ylabel("accuracy (95% CI)")
    ax.set_title(title)


def small_bins_key(fig, min_n: int = MIN_N) -> None:
    """One legend for the whole figure saying what a grey bar means."""
    fig.legend(handles=[Patch(color=PALETTE[0], alpha=0.85, label=f"n ≥ {min_n}: accuracy with 95% CI"),
                        Patch(color=GREY, label=f"n < {min_n}: too few examples, no interval")],
               loc="outside lower center", ncol=2, frameon=False)


def loss_curve(ax, steps, losses, title: str = "pre-training loss") -> None:
    """MLM loss (nats per masked token) against optimisation step."""
    ax.plot(steps, losses, color=PALETTE[0])
    ax.set_xlabel("optimisation step")
    ax.set_ylabel("MLM loss (nats / masked token)")
    ax.set_title(title)


def accuracy_heatmap(ax, table: pd.DataFrame, title: str, min_n: int = MIN_N) -> None:
    """Tasks x bins grid of accuracy, annotated with accuracy and n (table from
    accuracy_by_bin). Cells with fewer than ``min_n`` examples are grey; the colour scale
    spans the accuracies shown."""
    tasks = list(dict.fromkeys(table["task"]))
    labels = list(dict.fromkeys(table["label"]))
    grid = table.pivot(index="task", columns="bin", values="accuracy").reindex(tasks).to_numpy(dtype=float)
    n = table.pivot(index="task", columns="bin", values="n").reindex(tasks).to_numpy()
    shown = np.where(n >= min_n, grid, np.nan)
    lo, hi = (np.nanmin(shown), np.nanmax(shown)) if np.isfinite(shown).any() else (0.0, 1.0)
    lo, hi = (lo - 0.05, hi + 0.05) if hi - lo < 0.1 else (lo, hi)
    ax.imshow(np.where(np.isfinite(grid), 1.0, np.nan), cmap=matplotlib.colors.ListedColormap([GREY]), aspect="auto")
    im = ax.imshow(np.ma.masked_invalid(shown), vmin=lo, vmax=hi, cmap="viridis", aspect="auto")
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            txt = "–" if not np.isfinite(grid[i, j]) else f"{grid[i, j]:.2f}"
            dark = np.isfinite(shown[i, j]) and shown[i, j] < (lo + hi) / 2
            ax.text(j, i, f"{txt}\nn={n[i, j]}", ha="center", va="center", fontsize=8, color="white" if dark else "black")
    ax.set_xticks(range(len(labels)), labels, fontsize=7)
    ax.set_yticks(range(len(tasks)), tasks)
    ax.set_xlabel("PreCog bin")
    ax.set_title(title)
    plt.colorbar(im, ax=ax, label="accuracy", shrink=0.9)


def forest(ax, labels: list[str], estimates, low, high, xlabel: str, title: str, ref: float = 0.0) -> None:
    """Point estimates with 95% CIs, one row each, and a reference line at ``ref``. The
    interval is drawn from its bounds, not as arms around the estimate: a percentile interval
    need not contain its estimate (a logistic fit on few examples), and the plot then shows it."""
    y = np.arange(len(labels))[::-1]
    est, lo, hi = (np.asarray(v, dtype=float) for v in (estimates, low, high))
    intervals(ax, y, lo, hi, vertical=False)
    ax.plot(est, y, "o", color=PALETTE[0])
    ax.axvline(ref, color="grey", ls=":", lw=1)
    ax.xaxis.set_major_locator(plt.MaxNLocator(5))  # readable tick labels on a narrow panel
    ax.set_ylim(y.min() - 0.5, y.max() + 0.5)
    ax.set_yticks(y, labels)
    ax.set_xlabel(xlabel)
    ax.set_title(title)


def auroc_points(ax, auroc: pd.DataFrame, group: str = "dose_seen") -> None:
    """AUROC (95% CI) of each score, one row per score and dose, its value in the label
    (table from association.membership_auroc); chance (0.5) dotted."""
    doses = sorted(auroc[group].unique())
    labels = [score_name(r.score) + (f" ×{getattr(r, group)}" if len(doses) > 1 else "") + f"  {r.auroc:.3f}"
              for r in auroc.itertuples()]
    forest(ax, labels, auroc["auroc"], auroc["ci_low"], auroc["ci_high"],
           "AUROC (area under the ROC curve), seen vs unseen\n(95% CI; where no bar shows, it is narrower than the dot)",
           "membership detection" + (f" (dose {doses[0]})" if len(doses) == 1 else ""), ref=0.5)
    ax.set_xlim(0.4, 1.02)


def datamap(ax, dm: pd.DataFrame, score: str) -> None:
    """Confidence against variability, one dot per example, coloured by ``score`` on a scale
    fit to its 2nd–98th percentiles (dm: confidence, variability, score)."""
    values = dm[score].to_numpy(dtype=float)
    lo, hi = np.nanpercentile(values, [2, 98]) if np.isfinite(values).any() else (0.0, 1.0)
    sc = ax.scatter(dm["variability"], dm["confidence"], c=values, cmap="viridis", vmin=lo, vmax=max(hi, lo + 1e-6),
                    s=8, alpha=0.8)
    ax.set(xlabel="variability (std of p(gold) over epochs)", ylabel="confidence (mean p(gold))",
           title=f"coloured by PreCog@{score.split('@')[1]}")
    plt.colorbar(sc, ax=ax, label=f"{score} (2nd–98th percentile)", extend="both")


def learning_curves(ax, curves: pd.DataFrame, task: str) -> None:
    """Accuracy on the evaluation examples after each epoch, one line per model (curves from
    dynamics.epoch_accuracy, one task): pre-trained models in shades of blue-green, random
    init dashed black."""
    part = curves[curves["task"] == task]
    names = sorted(part["model"].unique(), key=str)
    trained = [m for m in names if str(m) != "random"]
    shades = plt.get_cmap("viridis")(np.linspace(0.15, 0.85, max(len(trained), 1)))
    for m in names:
        line = part[part["model"] == m]
        style = dict(color="black", ls="--") if str(m) == "random" else dict(color=shades[trained.index(m)])
        ax.plot(line["epoch"], line["accuracy"], marker="o", ms=3, label=str(m), **style)
    ax.set(xlabel="epoch", ylabel="accuracy (mean over runs)", title=task)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))


def calibration_bars(ax, table: pd.DataFrame, xlabel: str, min_n: int = MIN_N) -> None:
    """Accuracy and mean confidence per bin, with the ECE and its 95% CI (examples
    resampled) on top; n examples under each bin (table from dynamics.calibration_by_bin).
    Bins with fewer than ``min_n`` examples are grey and get no ECE."""
    x = bin_ticks(ax, table, xlabel)
    enough = table["n"].to_numpy() >= min_n
    acc, conf = table["accuracy"].fillna(0).to_numpy(), table["confidence"].fillna(0).to_numpy()
    ax.bar(x[enough] - 0.2, acc[enough], 0.4, color=PALETTE[2], label="accuracy (share of predictions right)")
    ax.bar(x[enough] + 0.2, conf[enough], 0.4, color=PALETTE[6], label="mean confidence (probability of the predicted class)")
    ax.bar(x[~enough] - 0.2, acc[~enough], 0.4, color=GREY)
    ax.bar(x[~enough] + 0.2, conf[~enough], 0.4, color=GREY, alpha=0.6)
    e = table["ece"].to_numpy(dtype=float)
    intervals(ax, x[enough], table["ece_ci_low"].to_numpy()[enough], table["ece_ci_high"].to_numpy()[enough])
    ax.plot(x[enough], e[enough], "o", color="black", label="ECE, expected calibration error (95% CI)")
    ax.set(ylabel="accuracy, confidence, ECE (0–1)", ylim=(0, 1.05))


