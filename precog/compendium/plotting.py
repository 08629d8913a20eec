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


def _rounded(obj):
    if isinstance(obj, float):
        return None if np.isnan(obj) else round(obj, 6)
    if isinstance(obj, dict):
        return {str(k): _rounded(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_rounded(v) for v in obj]
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return _rounded(float(obj))
    return obj


def save_numbers(numbers: dict, folder: Path, name: str) -> dict:
    """Write the numbers behind an artifact as ``folder/name.json`` (6 decimals, sorted keys);
    return them as written (NaN as None), the form the readings in :mod:`precog.compendium.present` take."""
    rounded = _rounded(numbers)
    (folder / f"{name}.json").write_text(json.dumps(rounded, indent=1, sort_keys=True) + "\n")
    return json.loads(json.dumps(rounded))


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


def _bin_ticks(ax, table: pd.DataFrame, xlabel: str) -> np.ndarray:
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
    x = _bin_ticks(ax, table, xlabel)
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


def seen_unseen(ax, table: pd.DataFrame, score: str) -> None:
    """Mean score (95% CI) of each injected arm and dose under the model that saw the examples
    (seen) and under the models that did not (unseen), side by side (table from
    mean_by_group over arm, dose, status)."""
    groups = list(table[["arm", "dose"]].drop_duplicates().sort_values(["arm", "dose"]).itertuples(index=False))
    for status, colour, shift in (("seen", PALETTE[3], -0.12), ("unseen", PALETTE[0], 0.12)):
        part = table[table["status"] == status].set_index(["arm", "dose"]).reindex(groups)
        m = part["mean"].to_numpy(dtype=float)
        x = np.arange(len(groups)) + shift
        intervals(ax, x, part["ci_low"], part["ci_high"], color=colour)
        ax.plot(x, m, "o", color=colour, label=f"{status} (n = {int(part['n'].sum())} measurements)")
    ax.set_xticks(range(len(groups)), [f"{arm}\n×{dose}" for arm, dose in groups])
    ax.set_xlim(-0.6, len(groups) - 0.4)
    ax.set(xlabel="arm and dose (copies in the corpus of the model that saw it)", ylabel=f"mean {score} (95% CI)",
           ylim=(0, 1), title="memorization: seen vs unseen")
    ax.legend(loc="center right")


def cell_effects(ax, cells: pd.DataFrame) -> None:
    """Seen - unseen accuracy per (arm, dose), pooled and per task, with 95% CIs (table from
    effects.cell_effects)."""
    cells = cells.sort_values(["arm", "dose", "task"])
    labels = [f"{r.arm} ×{r.dose} · {r.task} (n={r.n})" for r in cells.itertuples()]
    y = np.arange(len(cells))[::-1]
    est = cells["estimate"].to_numpy(dtype=float)
    colours = [PALETTE[3] if arm == "text+label" else PALETTE[0] for arm in cells["arm"]]
    for yi, e, lo, hi, c, task in zip(y, est, cells["ci_low"], cells["ci_high"], colours, cells["task"], strict=True):
        intervals(ax, yi, lo, hi, vertical=False, color=c)
        ax.plot(e, yi, "o" if task == "all" else ".", color=c, ms=7 if task == "all" else 5)
    ax.axvline(0, color="grey", ls=":", lw=1)
    ax.xaxis.set_major_locator(plt.MaxNLocator(5))
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("accuracy seen − unseen (share, 95% CI)")
    ax.set_title("effect of being in the pre-training corpus")


def per_model(ax, headline: dict) -> None:
    """The K per-model estimates (small dots, one per model) of the text-only effect and the
    positive control, under their pooled estimate with its two-level 95% CI (headline: the
    dict of figures/study_effects.json)."""
    from matplotlib.lines import Line2D

    rows = [("text+label\n(positive control)", headline["positive_control"], PALETTE[3]),
            ("text\n(text only)", headline["text_only"], PALETTE[0])]
    for y, (_, d, colour) in enumerate(rows):
        xs = [m["estimate"] for m in d["per_model"]]
        jitter = np.linspace(-0.12, 0.12, len(xs))
        ax.scatter(xs, y + 0.25 + jitter, s=14, color=colour, alpha=0.7)
        e = d["estimate"]
        intervals(ax, y - 0.1, d["ci_low"], d["ci_high"], vertical=False)
        ax.plot(e, y - 0.1, "o", ms=7, color=colour)
    key = [Line2D([], [], ls="", marker="o", ms=4, color="grey", alpha=0.7, label="one model"),
           Line2D([], [], ls="-", marker="o", ms=7, color="grey", mec="grey", label="pooled, 95% CI")]
    ax.axvline(0, color="grey", ls=":", lw=1)
    ax.set_yticks(range(len(rows)), [r[0] for r in rows])
    ax.set_ylim(-0.6, len(rows) - 0.3)
    ax.xaxis.set_major_locator(plt.MaxNLocator(5))
    ax.set_xlabel("accuracy seen − unseen (share)")
    ax.set_title(f"per model (K = {headline['models']}) and pooled")
    ax.legend(handles=key, fontsize=8, loc="lower right")


def auroc_points(ax, auroc: pd.DataFrame, group: str = "dose_seen") -> None:
    """AUROC (95% CI) of each score, one row per score and dose, its value in the label
    (table from analysis.membership_auroc); chance (0.5) dotted."""
    doses = sorted(auroc[group].unique())
    labels = [f"{r.score}" + (f" ×{getattr(r, group)}" if len(doses) > 1 else "") + f"  {r.auroc:.3f}"
              for r in auroc.itertuples()]
    forest(ax, labels, auroc["auroc"], auroc["ci_low"], auroc["ci_high"], "AUROC, seen vs unseen (95% CI)",
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
    x = _bin_ticks(ax, table, xlabel)
    enough = table["n"].to_numpy() >= min_n
    acc, conf = table["accuracy"].fillna(0).to_numpy(), table["confidence"].fillna(0).to_numpy()
    ax.bar(x[enough] - 0.2, acc[enough], 0.4, color=PALETTE[0], label="accuracy")
    ax.bar(x[enough] + 0.2, conf[enough], 0.4, color=PALETTE[1], label="mean confidence")
    ax.bar(x[~enough] - 0.2, acc[~enough], 0.4, color=GREY)
    ax.bar(x[~enough] + 0.2, conf[~enough], 0.4, color=GREY, alpha=0.6)
    e = table["ece"].to_numpy(dtype=float)
    intervals(ax, x[enough], table["ece_ci_low"].to_numpy()[enough], table["ece_ci_high"].to_numpy()[enough])
    ax.plot(x[enough], e[enough], "o", color="black", label="ECE (95% CI)")
    ax.set(ylabel="share of predictions", ylim=(0, 1.05))


def token_strip(ax, tokens: list[str], ranks: list[int], per_line: int = 110) -> None:
    """The tokens of one example in reading order, wrapped at about ``per_line`` characters,
    each on a box coloured by its rank class (:data:`RANK_CLASSES`) with the rank below it."""
    line, col, rows = 0, 0, []
    for tok, rank in zip(tokens, ranks, strict=True):
        width = max(len(tok), len(str(rank))) + 1
        if col + width > per_line and col > 0:
            line, col = line + 1, 0
        rows.append((line, col, width, tok, rank))
        col += width + 1
    for line, col, width, tok, rank in rows:
        ax.add_patch(plt.Rectangle((col, -line - 0.9), width, 0.85, color=rank_colour(rank), alpha=0.35, lw=0))
        ax.text(col + width / 2, -line - 0.32, tok, ha="center", va="center", fontsize=7, family="monospace")
        ax.text(col + width / 2, -line - 0.72, str(rank), ha="center", va="center", fontsize=5.5, color="dimgray")
    ax.set_xlim(0, per_line + 8)
    ax.set_ylim(-(rows[-1][0] + 1) if rows else -1, 0.05)
    ax.axis("off")


def rank_key(fig) -> None:
    """The legend of the rank colours, under the figure."""
    fig.legend(handles=[Patch(color=c, alpha=0.35, label=label) for _, label, c in RANK_CLASSES],
               loc="outside lower center", ncol=3, frameon=False)


def masked_copies(ax, tokens: list[str], n: int = 10) -> None:
    """The first ``n`` masked copies of an example, one row per copy: copy i hides token i
    (marked) and shows the others, which is what the masked LM is given (tokens: [CLS]… in
    order, the special tokens not masked)."""
    shown = tokens[: n + 2]
    widths = [max(len(t), len("[MASK]")) + 1 for t in shown]
    starts = np.concatenate([[0], np.cumsum(np.add(widths, 1))])
    for i in range(1, min(n, len(shown) - 1) + 1):
        for j, tok in enumerate(shown):
            masked = j == i
            if masked:
                ax.add_patch(plt.Rectangle((starts[j], -i - 0.45), widths[j], 0.9, color=PALETTE[1], alpha=0.5, lw=0))
            ax.text(starts[j] + widths[j] / 2, -i, "[MASK]" if masked else tok, ha="center", va="center", fontsize=7,
                    family="monospace", color="black" if masked or j in (0, len(tokens) - 1) else "dimgray")
        ax.text(-1, -i, f"copy {i}", ha="right", va="center", fontsize=7)
    x = starts[len(shown)]
    ax.set_xlim(-9, x + 1)
    ax.set_ylim(-min(n, len(shown) - 1) - 0.7, -0.3)
    ax.axis("off")


def runs_and_pooled(ax, pooled: dict) -> None:
    """Each run's own seen − unseen estimate (text only and positive control) with its 95% CI,
    and the pooled estimate with the nested bootstrap's CI (pooled: study_effects_pooled.json)."""
    rows = []
    for key, name, colour in (("positive_control", "text+label", PALETTE[3]), ("text_only", "text", PALETTE[0])):
        rows.append((f"{name}: pooled ({pooled[key]['runs']} runs)", pooled[key], colour, "o", 7))
        rows += [(f"{name}: {r['run']}", r[key], colour, ".", 5) for r in pooled["runs"]]
    y = np.arange(len(rows))[::-1]
    for yi, (_, d, colour, marker, ms) in zip(y, rows, strict=True):
        intervals(ax, yi, d["ci_low"], d["ci_high"], vertical=False, color=colour, lw=1.6 if marker == "o" else 1.0)
        ax.plot(d["estimate"], yi, marker, color=colour, ms=ms)
    ax.axvline(0, color="grey", ls=":", lw=1)
    ax.xaxis.set_major_locator(plt.MaxNLocator(5))
    ax.set_yticks(y, [r[0] for r in rows], fontsize=8)
    ax.set_ylim(y.min() - 0.6, y.max() + 0.6)
    ax.set_xlabel("accuracy seen − unseen (share, 95% CI)")
    ax.set_title("each run (its own CI) and all runs pooled (nested CI)")


def gain_bins(ax, table: pd.DataFrame, title: str, colour: str, min_n: int = MIN_N) -> None:
    """Mean accuracy gain per bin of memorization gain with 95% CIs, n under each bin
    (table from :func:`precog.stats.pooling.gain_bins`); bins with fewer than ``min_n``
    examples are grey without an interval (at the edge, as a triangle, when beyond the scale
    of the others), empty bins are left out."""
    table = table[table["n"] > 0].reset_index(drop=True)
    x = _bin_ticks(ax, table, "memorization gain (PreCog@1 seen − unseen)")
    est, n = table["estimate"].to_numpy(dtype=float), table["n"].to_numpy()
    lo, hi = table["ci_low"].to_numpy(dtype=float), table["ci_high"].to_numpy(dtype=float)
    enough = n >= min_n
    intervals(ax, x[enough], lo[enough], hi[enough], color=colour)
    ax.plot(x[enough], est[enough], "o", color=colour, ms=6)
    if enough.any():  # the scale follows the bins one can read; a grey bin beyond it sits at the edge
        top, bottom = np.nanmax(np.r_[hi[enough], 0.0]), np.nanmin(np.r_[lo[enough], 0.0])
        pad = 0.15 * (top - bottom or 0.1)
        ax.set_ylim(bottom - pad, top + pad)
        low_edge, high_edge = bottom - 0.6 * pad, top + 0.6 * pad
        shown = np.clip(est, low_edge, high_edge)
        marker = np.where(est > high_edge, "^", np.where(est < low_edge, "v", "o"))
        for xi, yi, m in zip(x[~enough], shown[~enough], marker[~enough], strict=True):
            ax.plot(xi, yi, m, color=GREY, ms=6)
    else:
        ax.plot(x, est, "o", color=GREY, ms=6)
    ax.axhline(0, color="grey", ls=":", lw=1)
    ax.set_xlim(-0.5, len(table) - 0.5)
    ax.yaxis.set_major_locator(plt.MaxNLocator(6))
    ax.set_ylabel("accuracy gain, seen − unseen (share, 95% CI)")
    ax.set_title(title)


def crossover_diagram(study, tasks: int):
    """The crossover design as a picture (docs/study.md): one row per study model, one column
    per share of examples; a filled square is a share in that model's pre-training corpus.

    Args:
        study: a :class:`precog.configs.StudyConfig` (cells, doses, K).
        tasks: how many tasks the design is dealt within (each gets the same cells).
    Returns:
        the figure.
    """
    k = study.models
    cells = [(arm, dose, n) for arm, doses in study.injected.items() for dose, n in sorted(doses.items())]
    width = 1 + len(cells) * k
    fig, ax = plt.subplots(figsize=(max(7.5, 0.28 * width + 3), 0.32 * k + 2.2))
    colour = {"text": PALETTE[0], "text+label": PALETTE[3]}
    ax.add_patch(plt.Rectangle((0, 0), 1, k, facecolor="white", edgecolor="grey", hatch="//", lw=0.8))
    x = 1.5
    for arm, dose, n in cells:
        for share in range(k):
            for m in range(k):
                seen = share == m
                ax.add_patch(plt.Rectangle((x + share, k - 1 - m), 1, 1, lw=0.6, edgecolor="white",
                                           facecolor=colour[arm] if seen else "#E8E8E8"))
        ax.text(x + k / 2, k + 0.35, f"{arm} ×{dose}: {k} shares\nof {n // k} examples per task", ha="center",
                va="bottom", fontsize=8)
        x += k + 0.5
    ax.text(0.5, k + 0.35, f"never\n{study.never}\nper task", ha="center", va="bottom", fontsize=8)
    ax.set_xlim(-0.2, x)
    ax.set_ylim(-0.2, k + 1.6)
    ax.set_yticks(np.arange(k) + 0.5, [f"model {m}" for m in range(k)][::-1], fontsize=8)
    ax.set_xticks([])
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    key = [Patch(facecolor=colour["text"], label="seen: in this model's corpus (text)"),
           Patch(facecolor=colour["text+label"], label="seen (text + label word)"),
           Patch(facecolor="#E8E8E8", label="unseen by this model"),
           Patch(facecolor="white", edgecolor="grey", hatch="//", label="never: in no corpus")]
    fig.legend(handles=key, loc="outside lower center", ncol=2, frameon=False, fontsize=8)
    ax.set_title(f"the crossover: {k} study models continued from one base model, {tasks} tasks dealt alike")
    return fig
