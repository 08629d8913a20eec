"""The study's own figures: seen against unseen, the crossover's effects, runs pooled, gain
bins, the crossover diagram, and PreCog's token strip with its masked copies.

They use :mod:`precog.compendium.plotting`'s style, palette and interval marks; the
generic plot types (bars per bin, heat maps, forests, calibration) live there.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from precog.compendium.phrases import many
from precog.compendium.plotting import (
    ARM_COLOURS,
    GREY,
    MIN_N,
    PALETTE,
    RANK_CLASSES,
    STATUS_COLOURS,
    bin_ticks,
    intervals,
    rank_colour,
)

POINTS = 100  # accuracy differences are drawn in percentage points: a share of 0.012 is +1.2 points


def in_points(share: float | None) -> float:
    """A share (0.012) in percentage points (1.2); None (no interval: one base model) is NaN,
    which matplotlib leaves undrawn."""
    return float("nan") if share is None else POINTS * float(share)


def seen_unseen(ax, table: pd.DataFrame, score: str) -> None:
    """Mean score (95% CI) of each injected arm and dose under the model that saw the examples
    (seen) and under the models that did not (unseen), side by side (table from
    mean_by_group over arm, dose, status, one row per example: its unseen measurements averaged)."""
    groups = list(table[["arm", "dose"]].drop_duplicates().sort_values(["arm", "dose"]).itertuples(index=False))
    for status, shift in (("seen", -0.12), ("unseen", 0.12)):
        colour = STATUS_COLOURS[status]
        part = table[table["status"] == status].set_index(["arm", "dose"]).reindex(groups)
        m = part["mean"].to_numpy(dtype=float)
        x = np.arange(len(groups)) + shift
        intervals(ax, x, part["ci_low"], part["ci_high"], color=colour)
        ax.plot(x, m, "o", color=colour, label=status)
    n = table[table["status"] == "seen"].set_index(["arm", "dose"])["n"].reindex(groups).fillna(0).astype(int)
    ax.set_xticks(range(len(groups)), [f"{arm}\n×{dose}, n={k}" for (arm, dose), k in zip(groups, n, strict=True)],
                  fontsize=7)
    ax.set_xlim(-0.6, len(groups) - 0.4)
    ax.set(xlabel="arm, dose (copies in the corpus of the model that saw it), n examples per dot",
           ylabel=f"mean {score} (95% CI over examples;\nwhere no bar shows, it is narrower than the dot)",
           ylim=(0, 1), title="memorization: seen vs unseen")
    ax.legend(loc="center right")


def cell_effects(ax, cells: pd.DataFrame) -> None:
    """Seen - unseen accuracy per (arm, dose), pooled and per task, with 95% CIs (table from
    effects.cell_effects)."""
    cells = cells.sort_values(["arm", "dose", "task"])
    labels = [f"{r.arm} ×{r.dose} · {r.task} (n={r.n})" for r in cells.itertuples()]
    y = np.arange(len(cells))[::-1]
    est, low, high = (POINTS * cells[c].to_numpy(dtype=float) for c in ("estimate", "ci_low", "ci_high"))
    colours = [ARM_COLOURS[arm] for arm in cells["arm"]]
    for yi, e, lo, hi, c, task in zip(y, est, low, high, colours, cells["task"], strict=True):
        intervals(ax, yi, lo, hi, vertical=False, color=c)
        ax.plot(e, yi, "o" if task == "all" else ".", color=c, ms=7 if task == "all" else 5)
    ax.axvline(0, color="grey", ls=":", lw=1)
    ax.xaxis.set_major_locator(plt.MaxNLocator(5))
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("accuracy seen − unseen (percentage points, 95% CI)")
    ax.set_title("effect of being in the pre-training corpus")


def per_model(ax, headline: dict) -> None:
    """The K per-model estimates (small dots, one per model) of the text-only effect and the
    positive control, under their pooled estimate with its two-level 95% CI (headline: the
    dict of figures/study_effects.json)."""
    from matplotlib.lines import Line2D

    rows = [("text+label\n(positive control)", headline["positive_control"], ARM_COLOURS["text+label"]),
            ("text\n(text only)", headline["text_only"], ARM_COLOURS["text"])]
    for y, (_, d, colour) in enumerate(rows):
        xs = [in_points(m["estimate"]) for m in d["per_model"]]
        jitter = np.linspace(-0.12, 0.12, len(xs))
        ax.scatter(xs, y + 0.25 + jitter, s=14, color=colour, alpha=0.7)
        e = in_points(d["estimate"])
        intervals(ax, y - 0.1, in_points(d["ci_low"]), in_points(d["ci_high"]), vertical=False)
        ax.plot(e, y - 0.1, "o", ms=7, color=colour)
    key = [Line2D([], [], ls="", marker="o", ms=4, color="grey", alpha=0.7, label="one model"),
           Line2D([], [], ls="-", marker="o", ms=7, color="grey", mec="grey", label="pooled, 95% CI")]
    ax.axvline(0, color="grey", ls=":", lw=1)
    ax.set_yticks(range(len(rows)), [r[0] for r in rows])
    ax.set_ylim(-0.6, len(rows) - 0.3)
    ax.xaxis.set_major_locator(plt.MaxNLocator(5))
    ax.set_xlabel("accuracy seen − unseen (percentage points)")
    ax.set_title(f"per model (K = {headline['models']}) and pooled")
    ax.legend(handles=key, fontsize=8, loc="lower right")


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
                ax.add_patch(plt.Rectangle((starts[j], -i - 0.45), widths[j], 0.9, color=PALETTE[5], alpha=0.5, lw=0))
            ax.text(starts[j] + widths[j] / 2, -i, "[MASK]" if masked else tok, ha="center", va="center", fontsize=7,
                    family="monospace", color="black" if masked or j in (0, len(tokens) - 1) else "dimgray")
        ax.text(-1, -i, f"copy {i}", ha="right", va="center", fontsize=7)
    x = starts[len(shown)]
    ax.set_xlim(-9, x + 1)
    ax.set_ylim(-min(n, len(shown) - 1) - 0.7, -0.3)
    ax.axis("off")


def runs_and_pooled(ax, pooled: dict) -> None:
    """Each run's own seen − unseen estimate (text only and positive control) with its 95% CI,
    and the pooled estimate with the registered t-interval over base models (pooled: study_effects_pooled.json)."""
    rows = []
    for key, name in (("positive_control", "text+label"), ("text_only", "text")):
        colour = ARM_COLOURS[name]
        rows.append((f"{name}: pooled ({many(pooled[key]['runs'], 'run')})", pooled[key], colour, "o", 7))
        rows += [(f"{name}: {r['run']}", r[key], colour, ".", 5) for r in pooled["runs"]]
    y = np.arange(len(rows))[::-1]
    for yi, (_, d, colour, marker, ms) in zip(y, rows, strict=True):
        intervals(ax, yi, in_points(d["ci_low"]), in_points(d["ci_high"]), vertical=False, color=colour,
                  lw=1.6 if marker == "o" else 1.0)
        ax.plot(in_points(d["estimate"]), yi, marker, color=colour, ms=ms)
    ax.axvline(0, color="grey", ls=":", lw=1)
    ax.xaxis.set_major_locator(plt.MaxNLocator(5))
    ax.set_yticks(y, [r[0] for r in rows], fontsize=8)
    ax.set_ylim(y.min() - 0.6, y.max() + 0.6)
    ax.set_xlabel("accuracy seen − unseen (percentage points, 95% CI)")
    ax.set_title("each run (its own CI) and all runs pooled (t over base models)")


def gain_bins(ax, table: pd.DataFrame, title: str, colour: str, min_n: int = MIN_N) -> None:
    """Mean accuracy gain per bin of memorization gain with 95% CIs, n under each bin
    (table from :func:`precog.stats.pooling.gain_bins`); bins with fewer than ``min_n``
    examples are grey without an interval (at the edge, as a triangle, when beyond the scale
    of the others), empty bins are left out."""
    table = table[table["n"] > 0].reset_index(drop=True)
    x = bin_ticks(ax, table, "memorization gain (PreCog@1 seen − unseen)")
    est, lo, hi = (POINTS * table[c].to_numpy(dtype=float) for c in ("estimate", "ci_low", "ci_high"))
    n = table["n"].to_numpy()
    enough = n >= min_n
    intervals(ax, x[enough], lo[enough], hi[enough], color=colour)
    ax.plot(x[enough], est[enough], "o", color=colour, ms=6)
    if enough.any():  # the scale follows the bins one can read; a grey bin beyond it sits at the edge
        top, bottom = np.nanmax(np.r_[hi[enough], 0.0]), np.nanmin(np.r_[lo[enough], 0.0])
        pad = 0.15 * (top - bottom or POINTS * 0.1)
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
    ax.set_ylabel("accuracy gain, seen − unseen (points, 95% CI)")
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
    colour = ARM_COLOURS
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


def explained_figure(tokens: list[str], strips: dict[str, tuple[list[str], list[int]]], k: tuple[int, ...]):
    """The lesson's figure: the first masked copies of ``tokens`` on top, then one token strip per
    entry of ``strips`` (title -> (tokens, ranks)), each titled with its PreCog@k, and the rank key."""
    lines = [1 + sum(len(t) + 2 for t in toks) // 110 for toks, _ in strips.values()]
    fig, axes = plt.subplots(1 + len(strips), 1, figsize=(11, 2.6 + 0.45 * sum(lines) + 0.5 * len(strips)),
                             height_ratios=[2.2] + [0.45 * n + 0.35 for n in lines])
    masked_copies(axes[0], tokens)
    axes[0].set_title("the first masked copies of the sentence (blue: the hidden token; the copies go on to its end)", loc="left")
    for ax, (name, (toks, ranks)) in zip(axes[1:], strips.items(), strict=True):
        token_strip(ax, toks, ranks)
        ax.set_title(f"{name}: " + ", ".join(f"PreCog@{x} = {sum(r <= x for r in ranks) / len(ranks):.2f}" for x in k),
                     loc="left")
    rank_key(fig)
    return fig


def crossover_points(paired: pd.DataFrame, k: int = 1):
    """Every injected example as a point: x its mean PreCog@k under the models that did not see it,
    y under the model that did, coloured by arm (:data:`ARM_COLOURS`), with the diagonal (no gain)."""
    fig, ax = plt.subplots(figsize=(5.6, 4.4))
    for arm, part in paired.groupby("arm", sort=True):
        doses = ", ".join(f"×{d}" for d in sorted(part["dose"].unique()))
        colour = ARM_COLOURS.get(arm, GREY)
        ax.plot(part["unseen"], part["seen"], "o", ms=2.5, alpha=0.35, color=colour,
                label=f"{arm} ({doses}; n = {len(part)} examples)")
        ax.plot(part["unseen"].mean(), part["seen"].mean(), "D", ms=8, color=colour, mec="white",
                label=f"{arm}: mean (its 95% CI is in the table above)")
    ax.plot([0, 1], [0, 1], ":", color="grey", lw=1, label="no memorization gain (seen = unseen)")
    top = float(paired["unseen"].max()) if len(paired) else 1.0
    ax.set(xlim=(0, min(1.0, top + 0.05)), ylim=(0, 1.02), xlabel=f"PreCog@{k} unseen (mean over the models that did not see it)",
           ylabel=f"PreCog@{k} seen (the model that saw it)", title="the crossover: each example against itself")
    ax.legend(loc="lower right", fontsize=7)
    return fig


TASK_MARKERS = ("s", "D", "^", "v")  # one per task; the pooled points are large black circles


def dose_response(ax, points: pd.DataFrame, slopes: list[dict]) -> None:
    """Figure 6, left: per dose and task, the memorization the dose caused (x, PreCog@1 seen −
    unseen) against the accuracy it gained (y, points), both with 95% CIs, and each IV slope as
    a line through the origin (points: :func:`precog.stats.registered.dose_points`; slopes:
    the pooled JSON's dose_response, per ``per`` of PreCog@1)."""
    tasks = [t for t in points["task"].unique() if t != "all"]
    styles = {t: ((PALETTE[1], PALETTE[2])[i] if i < 2 else GREY, TASK_MARKERS[i % 4], 5) for i, t in enumerate(tasks)}
    styles["all"] = ("black", "o", 7)
    xmax = float(np.nanmax(np.r_[points["x_high"].to_numpy(dtype=float), points["x"].to_numpy(dtype=float), 0.1]))
    for task, (colour, marker, ms) in styles.items():
        d = points[points["task"] == task].sort_values("dose")
        x, y = d["x"].to_numpy(dtype=float), POINTS * d["y"].to_numpy(dtype=float)
        intervals(ax, x, POINTS * d["y_low"].to_numpy(dtype=float), POINTS * d["y_high"].to_numpy(dtype=float),
                  color=colour, lw=1.4 if task == "all" else 0.9)
        intervals(ax, y, d["x_low"].to_numpy(dtype=float), d["x_high"].to_numpy(dtype=float), vertical=False,
                  color=colour, lw=1.4 if task == "all" else 0.9)
        slope = next((s for s in slopes if s["task"] == task), None)
        label = task if task != "all" else "both tasks"
        if slope and slope["estimate"] is not None and np.isfinite(slope["estimate"]):
            line = np.array([0.0, xmax])
            ax.plot(line, POINTS * slope["estimate"] / slope["per"] * line, "-", color=colour, lw=0.8, alpha=0.7)
            label += f" (IV slope {POINTS * slope['estimate']:+.1f} pt per {slope['per']:g})"
        ax.plot(x, y, marker, color=colour, ms=ms, label=label, ls="none")
        if task == "all":
            for i, (xi, yi, dose) in enumerate(zip(x, y, d["dose"], strict=True)):  # below and above in turn: the
                ax.annotate(f"×{dose}", (xi, yi), textcoords="offset points",  # low doses lie close together
                            xytext=(6, -12) if i % 2 == 0 else (6, 7), fontsize=8)
    ax.axhline(0, color="grey", ls=":", lw=1)
    ax.set_xlim(0, xmax * 1.05)
    ax.set_xlabel("memorization the dose caused (PreCog@1 seen − unseen, 95% CI)")
    ax.set_ylabel("accuracy gained (seen − unseen, points, 95% CI)")
    ax.set_title("dose by dose: memorization caused → accuracy gained")
    ax.legend(fontsize=7, loc="upper left")


def status_bins(ax, bins: pd.DataFrame, min_n: int = MIN_N) -> None:
    """Figure 6, top right: the paper's layout as we reconstruct it, on the injected examples, accuracy per PreCog@1 bin,
    measured under the model that saw them (seen) and under those that did not (unseen), with
    95% CIs over base models and n per bin; bins with fewer than ``min_n`` rows are grey
    without an interval (bins: :func:`precog.stats.confirm.status_bins`)."""
    labels = list(dict.fromkeys(bins["label"]))
    x0 = np.arange(len(labels))
    for status, shift in (("seen", 0.14), ("unseen", -0.14)):
        d = bins[bins["status"] == status].set_index("label").reindex(labels)
        x, n = x0 + shift, d["n"].to_numpy()
        acc = d["accuracy"].to_numpy(dtype=float)
        enough = n >= min_n
        colour = STATUS_COLOURS[status]
        low, high = (np.clip(d[c].to_numpy(dtype=float)[enough], 0, 1) for c in ("ci_low", "ci_high"))  # an accuracy
        intervals(ax, x[enough], low, high, color=colour)  # lies in [0, 1]: a t-interval over few base models may not
        ax.plot(x[enough], acc[enough], "o", color=colour, ms=6, label=status)
        ax.plot(x[~enough & (n > 0)], acc[~enough & (n > 0)], "o", color=GREY, ms=5)
        for xi, ni in zip(x, n, strict=True):
            if ni > 0:
                ax.annotate(f"{ni}", (xi, 0.02), ha="center", fontsize=7, color=colour, xycoords=("data", "axes fraction"),
                            rotation=90)
    ax.set_xticks(x0, labels, fontsize=8)
    ax.set_xlabel("PreCog@1 of the example under the measuring model")
    ax.set_ylabel("accuracy (95% CI over base models)")
    ax.set_title("the paper's layout (our reconstruction), high bins filled")
    ax.set_ylim(0, 1.15)  # room above the points for the key; the n of each bin is along the foot
    ax.legend(fontsize=8, loc="upper left", ncol=2)


def gain_figure(points: pd.DataFrame, bins: pd.DataFrame, pooled: dict):
    """Figure 6: the dose-response (:func:`dose_response`) and the paper's layout seen vs unseen
    (:func:`status_bins`) side by side, each run and the pool (:func:`runs_and_pooled`) under
    them, full width (one line per run); returns the figure."""
    rows = 2 + 2 * len(pooled["runs"])
    fig = plt.figure(figsize=(15, 5.2 + 0.22 * rows), layout="constrained")
    grid = fig.add_gridspec(2, 2, width_ratios=[3, 2.4], height_ratios=[5, 0.6 + 0.22 * rows])
    dose_response(fig.add_subplot(grid[0, 0]), points, pooled["dose_response"])
    status_bins(fig.add_subplot(grid[0, 1]), bins)
    runs_and_pooled(fig.add_subplot(grid[1, :]), pooled)
    return fig
