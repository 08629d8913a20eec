"""One figure style and the few plot types the artifacts share.

Agg backend, a colour-blind-safe palette (Okabe & Ito), fonts embedded in PDFs, no
timestamps in files (byte-stable outputs), PNG at 200 dpi plus PDF.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

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
    """Write ``folder/name.png`` (200 dpi) and ``.pdf`` without timestamps; close the figure."""
    folder.mkdir(parents=True, exist_ok=True)
    out = [folder / f"{name}.png", folder / f"{name}.pdf"]
    fig.savefig(out[0], metadata={"Software": None})
    fig.savefig(out[1], metadata={"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None})
    plt.close(fig)
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
    """Point estimates with 95% CIs, one row each, and a zero line."""
    y = np.arange(len(labels))[::-1]
    est = np.asarray(estimates, dtype=float)
    ax.errorbar(
        est,
        y,
        xerr=np.nan_to_num([est - np.asarray(low), np.asarray(high) - est]),
        fmt="o",
        color=PALETTE[0],
        ecolor="black",
        capsize=3,
    )
    ax.axvline(0, color="grey", ls=":", lw=1)
    ax.set_yticks(y, labels)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
