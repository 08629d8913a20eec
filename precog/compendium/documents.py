"""The rendered sections of README.md and docs/study.md: docs/study.md's block (the main run's
full results) and :func:`update_documents`, which rewrites both from figures/*.json.

README's block is :func:`precog.compendium.report.render`; ``tests/test_readme.py`` checks
that each document holds exactly what its renderer makes of the committed files.
"""

from __future__ import annotations

import json
from pathlib import Path

from precog.compendium import glossary
from precog.compendium.phrases import counts, pts
from precog.compendium.report import (
    BEGIN,
    END,
    answer_text,
    arm_text,
    baselines_table,
    correlation_text,
    memorization_text,
    quality_text,
    render,
    runs_block,
    transfer_text,
)

DETAILS_BEGIN = BEGIN.replace("results:begin", "details:begin").replace("render-readme", "render-readme (docs/study.md)") \
    .replace("precog/compendium/report.py", "precog/compendium/documents.py")
DETAILS_END = "<!-- details:end -->"


def render_details(figures: Path) -> str:
    """docs/study.md's results of the main run (between DETAILS_BEGIN and DETAILS_END): baselines,
    transfer, the positive control, text only, model quality, memorization and the correlations."""
    load = lambda name: json.loads((figures / name).read_text())  # noqa: E731
    effects, fig5, tab0 = load("study_effects.json"), load("fig5_study_effects.json"), load("tab0_baselines.json")
    t = effects["text_only"]
    half = pts(t["ci_half_width"]).lstrip("+")
    n_tasks = len(tab0)
    n_examples = counts({task: tab0[task]["majority"]["n"] for task in tab0}, "study examples")
    out = [
        DETAILS_BEGIN,
        "",
        "**Every run, and all runs pooled** (README's answer is the pooled row):",
        "",
        runs_block(load("study_effects_pooled.json")),
        "",
        "Accuracies are shares of examples; differences are in percentage points. Intervals are 95% percentile "
        f"bootstrap intervals: over examples for the baselines and correlations; for the seen − unseen effects, a "
        f"{effects['interval']}; for transfer, examples and models resampled independently.",
        "",
        f"**Baselines** (Table 0, [notebook](../notebooks/tab0_baselines.ipynb), `figures/tab0_baselines.csv`; "
        f"accuracy on the study examples, {n_examples}, 95% CI over examples):",
        "",
        baselines_table(tab0),
        "",
        transfer_text(effects),
        "",
        f"**Can the instrument see exploitation? (positive control)** Examples injected {effects['top_dose']} times "
        f"*with their label word*, seen minus unseen accuracy: " + arm_text(effects, fig5["cells"], "text+label"),
        "",
        f"**Are memorized examples better classified? (text only)** Examples injected {effects['top_dose']} times as "
        f"text (no label; exposures per copy: {effects['exposures_per_copy']}), seen minus unseen accuracy: "
        + arm_text(effects, fig5["cells"], "text")
        + f" The interval's half-width is {half} points; the minimum detectable effect (two-sided 5% test, 80% "
        f"power) is {pts(t['mde']).lstrip('+')} points.",
        "",
        quality_text(fig5),
        "",
        answer_text(effects).replace("**So: are memorized examples better classified?**", "**This run alone:**"),
        "",
        "![study effects](../figures/fig5_study_effects.png)",
        "",
        "*Figure 5 ([notebook](../notebooks/fig5_study_effects.ipynb)): seen − unseen accuracy per arm (pooled and per "
        "task), the per-model estimates, and pre-training transfer per task.*",
        "",
        "**Memorization is real in the models that saw the examples** "
        "([00_pretrain_demo_model](../notebooks/00_pretrain_demo_model.ipynb)): "
        + memorization_text(load("pretrain_demo_model.json"), load("fig2_membership_auc.json")),
        "",
        "![membership](../figures/fig2_membership_auc.png)",
        "",
        "*Figure 2 ([notebook](../notebooks/fig2_membership_auc.ipynb)): AUROC of each score for telling an example's "
        "measurement under the model that saw it from unseen ones, by dose.*",
        "",
        correlation_text(load("tab2_correlations.json")),
        "",
        "![accuracy by PreCog](../figures/fig1_accuracy_by_precog.png)",
        "",
        f"*Figure 1 ([notebook](../notebooks/fig1_accuracy_by_precog.ipynb), our reconstruction of the paper's analysis): accuracy per "
        f"PreCog bin, weighted over the {n_tasks} tasks and per task, 95% CIs and n per bin.*",
        "",
        DETAILS_END,
    ]
    return "\n".join(out)


# label -> (document, begin marker, end marker, renderer of figures/): every rendered section
BLOCKS = {"README.md": ("README.md", BEGIN, END, render),
          "README.md terms": ("README.md", glossary.BEGIN, glossary.END, glossary.readme_block),
          "docs/study.md": ("docs/study.md", DETAILS_BEGIN, DETAILS_END, render_details)}


def update_block(document: Path, figures: Path, begin: str, end: str, make) -> bool:
    """Replace ``document``'s section between ``begin`` and ``end`` with ``make(figures)``; True if it changed."""
    text = document.read_text()
    start, stop = text.find(begin), text.find(end)
    if start < 0 or stop < start:
        from precog.errors import PrecogError

        raise PrecogError(f"{document.name} has no rendered-section markers ({begin[:20]}... / {end}); restore them")
    new = text[:start] + make(figures) + text[stop + len(end):]
    if new != text:
        document.write_text(new)
    return new != text


def update_documents(root: Path, figures: Path) -> list[str]:
    """Rewrite every rendered section of README.md and docs/study.md (:data:`BLOCKS`); the documents that changed."""
    return sorted({doc for doc, begin, end, make in BLOCKS.values() if update_block(root / doc, figures, begin, end, make)})
