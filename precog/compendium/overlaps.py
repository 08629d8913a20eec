"""Legibility check of a figure: do any of its texts run into each other or into a panel?

:func:`precog.compendium.plotting.save_figure` refuses a figure for which
:func:`text_overlaps` finds anything, so every figure the pipeline writes has been checked.
"""

from __future__ import annotations

import matplotlib
import numpy as np


def _drawn_texts(fig) -> list[tuple[matplotlib.text.Text, object]]:
    """(text, the axes it belongs to or None) for every non-empty text the figure draws:
    titles, axis labels, tick labels inside the view, annotations, legends, figure texts."""
    out = []
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        own = [ax.title, ax._left_title, ax._right_title, *ax.texts]  # noqa: SLF001 (matplotlib keeps the side titles there)
        if ax.axison:
            for axis in (ax.xaxis, ax.yaxis):
                own.append(axis.label)
                lo, hi = sorted(axis.get_view_interval())
                eps = 1e-9 * max(1.0, abs(hi - lo))
                for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                    if tick.get_visible() and lo - eps <= tick.get_loc() <= hi + eps:
                        own += [tick.label1, tick.label2]
        legend = ax.get_legend()
        if legend is not None:
            own += [*legend.get_texts(), legend.get_title()]
        out += [(t, ax) for t in own]
    out += [(t, None) for t in fig.texts]
    return [(t, ax) for t, ax in out if t.get_visible() and t.get_text().strip()]


def text_overlaps(fig, tolerance: float = 1.0) -> list[str]:
    """Texts of ``fig`` that run into each other, or into a panel they do not belong to.

    Boxes are the texts' drawn extents in pixels after layout; two boxes collide when they
    share more than ``tolerance`` pixels in both directions. Returns one line per collision
    (empty when the figure is legible)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = _drawn_texts(fig)
    boxes = np.array([t.get_window_extent(renderer).extents for t, _ in texts]).reshape(-1, 4)
    found = []
    for i in range(len(texts)):
        w = np.minimum(boxes[i, 2], boxes[i + 1:, 2]) - np.maximum(boxes[i, 0], boxes[i + 1:, 0])
        h = np.minimum(boxes[i, 3], boxes[i + 1:, 3]) - np.maximum(boxes[i, 1], boxes[i + 1:, 1])
        for j in np.flatnonzero((w > tolerance) & (h > tolerance)):
            found.append(f"{texts[i][0].get_text()!r} overlaps {texts[i + 1 + j][0].get_text()!r}")
    panels = [(ax, ax.get_window_extent(renderer).extents) for ax in fig.axes if ax.get_visible()]
    for (t, owner), b in zip(texts, boxes, strict=True):
        for ax, p in panels:
            if ax is owner or owner is None:
                continue
            if min(b[2], p[2]) - max(b[0], p[0]) > tolerance and min(b[3], p[3]) - max(b[1], p[1]) > tolerance:
                found.append(f"{t.get_text()!r} runs into the panel {ax.get_title() or ax.get_label()!r}")
    return found
