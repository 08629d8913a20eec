"""One figure style and the few plot types the artifacts share.

A colour-blind-safe palette (Okabe & Ito), fonts embedded in PDFs, no timestamps in files
(byte-stable outputs), PNG at 200 dpi plus PDF. The backend is left alone, so notebooks
show their figures inline (scripts without a display get matplotlib's Agg default).
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
STYLE = {
    "figure.dpi": 100,
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


def use_style() -> None:
    """Apply the compendium's matplotlib style."""
    plt.rcParams.update(STYLE)


def save_figure(fig, folder: Path, name: str) -> list[Path]:
    """Write ``folder/name.png`` (200 dpi) and ``.pdf`` without timestamps. The figure stays
    open, so a notebook cell displays it."""
    folder.mkdir(parents=True, exist_ok=True)
    out = [folder / f"{name}.png", folder / f"{name}.pdf"]
    fig.savefig(out[0], metadata={"Software": None})
    fig.savefig(out[1], metadata={"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None})
    return out


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


def save_numbers(numbers: dict, folder: Path, name: str) -> Path:
    """Write the numbers behind an artifact as ``folder/name.json`` (6 decimals, sorted keys)."""
    path = folder / f"{name}.json"
    path.write_text(json.dumps(_rounded(numbers), indent=1, sort_keys=True) + "\n")
    return path


def save_table(df: pd.DataFrame, folder: Path, name: str) -> Path:
    """Write a table as ``folder/name.csv`` with fixed float formatting."""
    path = folder / f"{name}.csv"
    df.to_csv(path, index=False, float_format="%.6f")
    return path


def accuracy_bars(ax, table: pd.DataFrame, title: str, chance: float | None = None) -> None:
    """Accuracy per bin with 95% CI whiskers and n above each bar (table from accuracy_by_bin)."""
    x = np.arange(len(table))
    acc = table["accuracy"].to_numpy(dtype=float)
    err = np.vstack([acc - table["ci_low"].to_numpy(dtype=float), table["ci_high"].to_numpy(dtype=float) - acc])
    ax.bar(x, np.nan_to_num(acc), color=PALETTE[0], alpha=0.85)
    ax.errorbar(x, acc, yerr=np.nan_to_num(err), fmt="none", ecolor="black", capsize=3, lw=1)
    for xi, (a, hi, n) in enumerate(zip(acc, table["ci_high"], table["n"], strict=True)):
        ax.text(xi, (hi if np.isfinite(hi) else (a if np.isfinite(a) else 0)) + 0.02, f"n={n}", ha="center", fontsize=7)
    if chance is not None:
        ax.axhline(chance, color="grey", ls=":", lw=1)
    ax.set_xticks(x, table["label"], rotation=20)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("accuracy (share of examples, 95% CI)")
    ax.set_title(title)


def token_strip(ax, tokens: list[str], ranks: list[int], k: int) -> None:
    """Tokens drawn left to right, coloured by whether the masked LM recovered them (rank <= k)."""
    x = 0.0
    for tok, rank in zip(tokens, ranks, strict=True):
        hit = rank <= k
        width = 0.12 + 0.06 * len(tok)
        ax.add_patch(
            plt.Rectangle((x, 0), width, 1, color=PALETTE[2] if hit else PALETTE[3], alpha=0.35 if hit else 0.25)
        )
        ax.text(x + width / 2, 0.62, tok, ha="center", va="center", fontsize=8)
        ax.text(x + width / 2, 0.22, f"#{rank}", ha="center", va="center", fontsize=6, color="dimgray")
        x += width + 0.04
    ax.set_xlim(0, x)
    ax.set_ylim(0, 1)
    ax.axis("off")


def loss_curve(ax, steps, losses, title: str = "pre-training loss") -> None:
    """MLM loss (nats per masked token) against optimisation step."""
    ax.plot(steps, losses, color=PALETTE[0])
    ax.set_xlabel("optimisation step")
    ax.set_ylabel("MLM loss (nats / masked token)")
    ax.set_title(title)


def accuracy_heatmap(ax, table: pd.DataFrame, title: str) -> None:
    """Tasks x bins grid of accuracy, annotated with accuracy and n (table from accuracy_by_bin)."""
    tasks = sorted(table["task"].unique())
    labels = list(dict.fromkeys(table["label"]))
    grid = table.pivot(index="task", columns="bin", values="accuracy").reindex(tasks).to_numpy(dtype=float)
    n = table.pivot(index="task", columns="bin", values="n").reindex(tasks).to_numpy()
    im = ax.imshow(np.ma.masked_invalid(grid), vmin=0, vmax=1, cmap="viridis", aspect="auto")
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            txt = "–" if not np.isfinite(grid[i, j]) else f"{grid[i, j]:.2f}"
            ax.text(
                j,
                i,
                f"{txt}\nn={n[i, j]}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if np.isfinite(grid[i, j]) and grid[i, j] < 0.6 else "black",
            )
    ax.set_xticks(range(len(labels)), labels, rotation=20)
    ax.set_yticks(range(len(tasks)), tasks)
    ax.set_title(title)
    plt.colorbar(im, ax=ax, label="accuracy")


def forest(ax, labels: list[str], estimates, low, high, xlabel: str, title: str) -> None:
    """Point estimates with 95% CIs, one row each, and a zero line. The interval is drawn
    from its bounds, not as arms around the estimate: a percentile interval need not contain
    its estimate (a logistic fit on few examples), and the plot then shows it."""
    y = np.arange(len(labels))[::-1]
    est, lo, hi = (np.asarray(v, dtype=float) for v in (estimates, low, high))
    ax.hlines(y, lo, hi, color="black", lw=1)
    ax.plot(lo, y, "|", hi, y, "|", color="black", ms=7)
    ax.plot(est, y, "o", color=PALETTE[0])
    ax.axvline(0, color="grey", ls=":", lw=1)
    ax.xaxis.set_major_locator(plt.MaxNLocator(5))  # readable tick labels on a narrow panel
    ax.set_ylim(y.min() - 0.5, y.max() + 0.5)
    ax.set_yticks(y, labels)
    ax.set_xlabel(xlabel)
    ax.set_title(title)


def dose_response(ax, table: pd.DataFrame, score: str) -> None:
    """Mean score (95% CI) by dose, one line per (arm, status) (table from mean_by_group
    over arm, dose, status)."""
    for i, ((arm, status), part) in enumerate(table.groupby(["arm", "status"], sort=True)):
        m = part["mean"].to_numpy(dtype=float)
        ax.errorbar(part["dose"].astype(str), m, yerr=[m - part["ci_low"], part["ci_high"] - m], marker="o", capsize=3,
                    color=PALETTE[i % len(PALETTE)], ls="-" if status == "seen" else ":", label=f"{arm}, {status}")
    ax.set(xlabel="dose (copies in the corpus of the model that saw it)", ylabel=f"mean {score} (95% CI)", ylim=(0, 1),
           title="memorization: seen vs unseen")
    ax.legend(fontsize=7)


def cell_effects(ax, cells: pd.DataFrame) -> None:
    """Seen - unseen accuracy per (arm, dose), pooled and per task, with 95% CIs (table from
    effects.cell_effects)."""
    cells = cells.sort_values(["arm", "dose", "task"])
    labels = [f"{r.arm} ×{r.dose} · {r.task} (n={r.n})" for r in cells.itertuples()]
    y = np.arange(len(cells))[::-1]
    est = cells["estimate"].to_numpy(dtype=float)
    colours = [PALETTE[3] if arm == "text+label" else PALETTE[0] for arm in cells["arm"]]
    for yi, e, lo, hi, c, task in zip(y, est, cells["ci_low"], cells["ci_high"], colours, cells["task"], strict=True):
        ax.errorbar(e, yi, xerr=[[e - lo], [hi - e]], fmt="o" if task == "all" else ".", color=c, ecolor=c, capsize=3,
                    ms=7 if task == "all" else 5)
    ax.axvline(0, color="grey", ls=":", lw=1)
    ax.set_yticks(y, labels, fontsize=7)
    ax.set_xlabel("accuracy seen − unseen (same examples, 95% CI)")
    ax.set_title("effect of being in the pre-training corpus")


def per_model(ax, headline: dict) -> None:
    """The K per-model estimates (small dots, one per model) of the text-only effect and the
    positive control, under their pooled estimate with its two-level 95% CI (headline: the
    dict of figures/study_effects.json)."""
    rows = [("positive control", headline["positive_control"], PALETTE[3]), ("text only", headline["text_only"], PALETTE[0])]
    for y, (_, d, colour) in enumerate(rows):
        xs = [m["estimate"] for m in d["per_model"]]
        jitter = np.linspace(-0.12, 0.12, len(xs))
        ax.scatter(xs, y + 0.25 + jitter, s=14, color=colour, alpha=0.7)
        e = d["estimate"]
        ax.errorbar(e, y - 0.1, xerr=[[e - d["ci_low"]], [d["ci_high"] - e]], fmt="o", ms=7, color=colour,
                    ecolor="black", capsize=3)
    from matplotlib.lines import Line2D

    key = [Line2D([], [], ls="", marker="o", ms=4, color="grey", alpha=0.7, label="one model"),
           Line2D([], [], ls="-", marker="o", ms=7, color="grey", mec="grey", label="pooled, 95% CI")]
    ax.axvline(0, color="grey", ls=":", lw=1)
    ax.set_yticks(range(len(rows)), [r[0] for r in rows])
    ax.set_ylim(-0.6, len(rows) - 0.3)
    ax.xaxis.set_major_locator(plt.MaxNLocator(5))
    ax.set_xlabel("accuracy seen − unseen")
    ax.set_title(f"per model (K = {headline['models']}) and pooled")
    ax.legend(handles=key, fontsize=7, loc="lower right")


def auroc_lines(ax, auroc: pd.DataFrame) -> None:
    """AUROC (95% CI) by dose, one line per score (table from analysis.membership_auroc)."""
    for s, part in auroc.groupby("score", sort=False):
        a = part["auroc"].to_numpy(dtype=float)
        ax.errorbar(part["dose_seen"].astype(str), a, yerr=[a - part["ci_low"], part["ci_high"] - a], marker="o",
                    capsize=2, label=s)
    ax.axhline(0.5, color="grey", ls=":", lw=1)
    ax.set(xlabel="dose (copies seen in pre-training)", ylabel="AUROC vs unseen (95% CI)", ylim=(0.3, 1.02),
           title="membership detection")
    ax.legend(fontsize=7)


def calibration_bars(ax, table: pd.DataFrame, xlabel: str) -> None:
    """Accuracy and mean confidence bars per bin with ECE (95% CI) on top (table from
    analysis.calibration_by_bin)."""
    pos = np.arange(len(table))
    ax.bar(pos - 0.2, table["accuracy"].fillna(0), 0.4, label="accuracy")
    ax.bar(pos + 0.2, table["confidence"].fillna(0), 0.4, label="mean confidence")
    e = table["ece"].to_numpy(dtype=float)
    ax.errorbar(pos, e, yerr=np.nan_to_num([e - table["ece_ci_low"], table["ece_ci_high"] - e]), color="black",
                marker="o", capsize=3, label="ECE (95% CI)")
    for p, n in zip(pos, table["n"], strict=True):
        ax.text(p, 1.02, f"n={n}", ha="center", fontsize=7)
    ax.set_xticks(pos, table["label"], rotation=20)
    ax.set(xlabel=xlabel, ylabel="share (records = example × seed)", ylim=(0, 1.1))
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.32), ncol=3)
