"""README's results section, rendered from the generated files in figures/.

``make reproduce`` ends with :func:`update_readme`, so a rerun on any machine rewrites the
numbers *and the sentences that depend on them* ("excludes zero", "inside the interval")
together with the figures; ``tests/test_readme.py`` checks that README holds exactly what
:func:`render` makes of the committed files. Everything here is a pure function of the
JSON files: no model is loaded, nothing is recomputed.
"""

from __future__ import annotations

import json
from pathlib import Path

BEGIN = "<!-- results:begin (rendered by `precog render-readme` from figures/*.json: edit precog/compendium/report.py, not this) -->"
END = "<!-- results:end -->"
TARGET_HALF_WIDTH = 0.04  # the precision the study was designed for (4 points)


# ---------------------------------------------------------------- formatting
def missing(x) -> bool:
    """True for a number the JSON could not hold (NaN is written as null)."""
    return x is None or x != x


def pts(x: float | None) -> str:
    """A difference of shares in signed percentage points, one decimal: 0.041 -> '+4.1'."""
    if missing(x):
        return "n/a"
    v = round(100 * float(x), 1)
    if v == 0:
        return "0.0"
    return f"+{v:.1f}" if v > 0 else f"−{-v:.1f}"


def share(x: float | None) -> str:
    """A share with three decimals: 0.6321 -> '0.632'."""
    return "n/a" if missing(x) else f"{float(x):.3f}"


def interval(d: dict) -> str:
    """'+4.1 points (95% CI +0.8 to +7.1)' from {estimate, ci_low, ci_high} (fractions)."""
    return f"{pts(d['estimate'])} points (95% CI {pts(d['ci_low'])} to {pts(d['ci_high'])})"


def bracket(d: dict) -> str:
    """'+4.1 [+0.8, +7.1]' in points."""
    return f"{pts(d['estimate'])} [{pts(d['ci_low'])}, {pts(d['ci_high'])}]"


def side(d: dict, scale: float = 100, digits: int = 1) -> str:
    """Where an interval lies, judged on the rounded numbers README shows (points to one
    decimal by default; ``scale=1, digits=2`` for correlations), so that verdict and numbers
    never disagree: 'lies above zero', 'lies below zero', 'includes zero', 'reaches down to
    zero' / 'reaches up to zero' (a bound that rounds to zero while the other does not: the
    shown interval neither clearly excludes nor clearly includes zero) or 'is undefined'."""
    if missing(d["ci_low"]) or missing(d["ci_high"]):
        return "is undefined"
    lo, hi = round(scale * float(d["ci_low"]), digits), round(scale * float(d["ci_high"]), digits)
    if lo > 0:
        return "lies above zero"
    if hi < 0:
        return "lies below zero"
    if lo == 0 and hi > 0:
        return "reaches down to zero"
    if hi == 0 and lo < 0:
        return "reaches up to zero"
    return "includes zero"


def inside(x: float, d: dict) -> bool:
    """Whether ``x`` lies in the interval of ``d`` (bounds included)."""
    return not missing(x) and not missing(d["ci_low"]) and d["ci_low"] <= x <= d["ci_high"]


def counts(n_by_task: dict[str, int], what: str) -> str:
    """'n = 672 {what} per task' when every task has the same n, else 'n = 672 (a), 600 (b) {what}'."""
    values = set(n_by_task.values())
    if len(values) == 1:
        return f"n = {values.pop()} {what} per task"
    return "n = " + ", ".join(f"{n} ({t})" for t, n in sorted(n_by_task.items())) + f" {what}"


def cell(cells: list[dict], arm: str, dose: int, task: str) -> dict:
    """The row of fig5_study_effects.json's cells for (arm, dose, task)."""
    return record(cells, arm=arm, dose=dose, task=task)


def record(rows: list[dict], **match) -> dict:
    """The one row of ``rows`` whose fields equal ``match``."""
    found = [r for r in rows if all(r.get(k) == v for k, v in match.items())]
    if len(found) != 1:
        raise KeyError(f"{len(found)} rows match {match}")
    return found[0]


# ---------------------------------------------------------------- sections
def baselines_table(tab0: dict) -> str:
    """Table 0 as markdown: one row per baseline, one column per task, accuracy [95% CI]."""
    tasks = sorted(tab0)
    rows = [("majority", "majority"), ("tfidf+lr", "TF-IDF + logistic regression (same 500 training examples)"),
            ("tfidf+lr (full train)", "TF-IDF + logistic regression (whole training split)"),
            ("random init", "random init"),
            ("pre-trained (unseen examples)", "pre-trained (each study model on the examples it did not see)")]
    lines = ["| model | " + " | ".join(tasks) + " |", "|---" * (len(tasks) + 1) + "|"]
    for key, name in rows:
        if all(key in tab0[t] for t in tasks):
            r = [tab0[t][key] for t in tasks]
            lines.append(f"| {name} | " + " | ".join(f"{share(x['accuracy'])} [{share(x['ci_low'])}, {share(x['ci_high'])}]"
                                                    for x in r) + " |")
    return "\n".join(lines)


def transfer_text(effects: dict) -> str:
    per = effects["pretraining_transfer"]
    parts = "; ".join(f"{t}: {interval(d)}" for t, d in sorted(per.items()))
    above = [t for t, d in per.items() if side(d) == "lies above zero"]
    rest = sorted(set(per) - set(above))
    if not rest:
        verdict = "Every interval lies above zero: pre-training transfers on every demo task."
    else:
        names = rest[0] if len(rest) == 1 else f"{', '.join(rest[:-1])} and {rest[-1]}"
        verdict = (f"The interval of {names} does not lie above zero: pre-training does not transfer measurably "
                   "there.") if len(rest) == 1 else (f"The intervals of {names} do not lie above zero: pre-training "
                                                     "does not transfer measurably there.")
    return (f"**Does pre-training transfer?** Each study model's accuracy on the examples it did not see, minus "
            f"random init's on the same examples (same recipe and training examples), pooled over the "
            f"{effects['models']} models, with examples and models resampled independently: {parts}. {verdict}")


def arm_text(effects: dict, cells: list[dict], arm: str) -> str:
    key = "positive_control" if arm == "text+label" else "text_only"
    d, top = effects[key], effects["top_dose"]
    tasks = sorted({c["task"] for c in cells} - {"all"})
    per_task = " and ".join(f"{bracket(cell(cells, arm, top, t))} on {t}" for t in tasks)
    models = [m["estimate"] for m in d.get("per_model", []) if not missing(m["estimate"])]
    spread = (f"; the {len(models)} per-model estimates range from {pts(min(models))} to {pts(max(models))} points"
              if models else "")
    return (f"{interval(d)}, n = {d['n']} examples ({len(tasks)} tasks pooled){spread}. Its interval {side(d)}. "
            f"Per task (points): {per_task}.")


def answer_text(effects: dict, replicate: dict | None) -> str:
    """The study's answer, worded from the text-only interval, the positive control and the replicate."""
    t, pc, top = effects["text_only"], effects["positive_control"], effects["top_dose"]
    where = side(t)
    if where == "lies above zero":
        head = f"Yes: text seen {top} times is classified better than the same text unseen, by {interval(t)}."
    elif where == "lies below zero":
        head = f"No, the opposite: text seen {top} times is classified worse than the same text unseen, by {interval(t)}."
    elif where == "includes zero":
        head = (f"Not detectably: seen minus unseen accuracy of text seen {top} times is {interval(t)}, an interval "
                f"that includes zero; a benefit larger than {pts(t['ci_high'])} points is excluded at this precision.")
    elif where in ("reaches down to zero", "reaches up to zero"):
        sign = "benefit" if where == "reaches down to zero" else "harm"
        edge = pts(t["ci_high"] if sign == "benefit" else t["ci_low"])
        head = (f"At the edge of detection: seen minus unseen accuracy of text seen {top} times is {interval(t)}, an "
                f"interval with one bound at zero at the precision shown, so this run cannot tell a small {sign} "
                f"from none; a {sign} larger than {edge} points is excluded.")
    else:
        head = "Undetermined: the text-only effect has no interval in this run (too few examples in a cell)."
    if side(pc) == "lies above zero":
        control = ("The positive control's interval lies above zero, so the instrument does see a model exploit "
                   "examples it memorized with their label.")
    else:
        control = ("The positive control's interval does not lie above zero, so this run did not see a model exploit "
                   "even examples memorized with their label" + ("; a text-only result that includes zero cannot be "
                   "told from an instrument too weak to see an effect." if where != "lies above zero" else "; read the "
                   "text-only result with that in mind."))
    rep = ""
    disagree = replicate is not None and verdict(side(replicate["text_only"])) != verdict(where)
    if disagree and where in ("lies above zero", "lies below zero"):
        head = "Not robustly. In this run, " + head[0].lower() + head[1:]
    if replicate is not None:
        r = replicate["text_only"]
        rep = (f" The replicate (a new assignment of the same examples to arms and models, new continuation "
               f"seeds, the same base model) gives {interval(r)}, "
               + ("inside" if inside(r["estimate"], t) else "outside")
               + f" the main run's interval; its own interval {side(r)}.")
        if disagree:
            bound = max(float(t["ci_high"]), float(r["ci_high"]))
            rep += (" The two runs disagree on where the interval lies, so the answer above is not yet robust; "
                    f"what both support is that a benefit larger than {pts(bound)} points is excluded.")
        elif verdict(where) == "does not exclude zero":
            rep += " Neither run's interval excludes zero, so neither detects an effect."
        else:
            rep += " The two runs agree on where the interval lies."
    return f"**So: are memorized examples better classified?** {head} {control}{rep}"


def verdict(where: str) -> str:
    """What two runs are compared on: an interval above zero, below zero, undefined, or one
    that does not exclude zero (it includes zero or has a bound that rounds to it)."""
    return where if where in ("lies above zero", "lies below zero", "is undefined") else "does not exclude zero"


def replicate_table(main: dict, replicate: dict) -> str:
    rows = [("text only", main["text_only"], replicate["text_only"]),
            ("positive control", main["positive_control"], replicate["positive_control"])]
    rows += [(f"transfer, {t}", main["pretraining_transfer"][t], replicate["pretraining_transfer"][t])
             for t in sorted(main["pretraining_transfer"])]
    lines = ["| effect (points, 95% CI) | main run | replicate |", "|---|---|---|"]
    lines += [f"| {name} | {bracket(a)} | {bracket(b)} |" for name, a, b in rows]
    return "\n".join(lines)


def memorization_text(pre: dict, auroc: dict) -> str:
    rows = pre["precog_seen_unseen"]
    top = max(r["dose"] for r in rows)
    text_seen = record(rows, arm="text", dose=top, status="seen")["mean"]
    text_unseen = record(rows, arm="text", dose=top, status="unseen")["mean"]
    first = sorted(pre["quality"], key=int)[0]
    q = pre["quality"][first]
    a = {s: record(auroc["auroc"], score=s, dose_seen=top)["auroc"] for s in ("precog@1", "precog@50", "pll")}
    return (f"PreCog@1 of text injected {top} times is {share(text_seen)} under the model that saw it and "
            f"{share(text_unseen)} under the models that did not. Model {first} recovers {share(q['top1_accuracy'])} "
            f"of masked held-out Wikipedia tokens at top-1 ({share(q['top50_accuracy'])} within the top 50). "
            f"PreCog@1 tells seen from unseen measurements with AUROC {share(a['precog@1'])} (PreCog@50: "
            f"{share(a['precog@50'])}; pseudo-log-likelihood: {share(a['pll'])}).")


def correlation_text(tab2: dict) -> str:
    rows = tab2["correlations"]
    tasks = sorted({r["task"] for r in rows} - {"all"})
    sp = {t: record(rows, score="precog@1", statistic="spearman", task=t) for t in [*tasks, "all"]}
    per = ", ".join(f"{bracket_r(sp[t])} on {t}" for t in tasks)
    excluding = [r for r in rows if side(r, scale=1, digits=2) in ("lies above zero", "lies below zero")]
    listed = "; ".join(f"{r['statistic']} of {r['score']} on {r['task']}, {bracket_r(r)}" for r in excluding)
    count = (f"None of Table 2's {len(rows)} correlations has an interval that excludes zero."
             if not excluding else
             f"Of Table 2's {len(rows)} correlations, {len(excluding)} exclude zero (uncorrected for multiplicity): {listed}.")
    n = counts({t: sp[t]["n"] for t in tasks}, "never-injected examples")
    return (f"**The paper's correlational analysis** (never-injected examples only, so PreCog varies naturally): "
            f"the Spearman correlation of PreCog@1 with correctness is {per} and {bracket_r(sp['all'])} pooled "
            f"({n}; Table 2). {count}")


def bracket_r(d: dict) -> str:
    """A correlation with its interval, two decimals: '+0.10 [−0.03, +0.24]'."""
    def f(x: float | None) -> str:
        if missing(x):
            return "n/a"
        v = round(float(x), 2)
        return "0.00" if v == 0 else (f"+{v:.2f}" if v > 0 else f"−{-v:.2f}")
    return f"{f(d['estimate'])} [{f(d['ci_low'])}, {f(d['ci_high'])}]"


def quality_text(fig5: dict) -> str:
    gaps = [q["gap"] for q in fig5["quality"] if not missing(q["gap"])]
    if not gaps:
        return "Model quality could not be compared: no model has never-injected examples in this run."
    return (f"Model quality, the control that the never-injected examples give: on them, each model's accuracy "
            f"differs from the mean of the others by {pts(min(gaps))} to {pts(max(gaps))} points. A model that is "
            f"better overall also looks better on the examples it saw, which widens the per-model spread; in the "
            f"pooled estimate every model is the seen model for an equal share of examples and an unseen one for "
            f"the rest, so its overall quality cancels, and the bootstrap over models carries the spread into the "
            f"interval.")


def render(figures: Path) -> str:
    """The results section (between BEGIN and END) from the files in ``figures``."""
    load = lambda name: json.loads((figures / name).read_text())  # noqa: E731
    effects, fig5, tab0 = load("study_effects.json"), load("fig5_study_effects.json"), load("tab0_baselines.json")
    rep_file = figures / "replicate" / "study_effects.json"
    replicate = json.loads(rep_file.read_text()) if rep_file.is_file() else None
    t = effects["text_only"]
    half = pts(t["ci_half_width"]).lstrip("+")
    met = "met" if not missing(t["ci_half_width"]) and float(half) <= 100 * TARGET_HALF_WIDTH else "missed"
    n_tasks = len(tab0)
    n_examples = counts({task: tab0[task]["majority"]["n"] for task in tab0}, "study examples")
    if replicate is not None and replicate.get("design") != effects.get("design"):
        stale = ("*`figures/replicate/` holds a replicate of another design (other examples, cells, pre-training "
                 "or fine-tuning recipe): it is not compared here; run `make replicate` to make one of this design.*")
        replicate = None
    else:
        stale = None
    out = [
        BEGIN,
        "",
        "Every number and every verdict below is rendered from `figures/*.json` by `precog/compendium/report.py` at the "
        "end of `make reproduce`, so after a rerun on another machine they change together with the figures. "
        "Accuracies are shares of examples; differences are in percentage points. Intervals are 95% "
        f"percentile bootstrap intervals: over examples for the baselines and correlations; for the seen − unseen "
        f"effects, a {effects['interval']}; for transfer, where every example is measured under several models, "
        "examples and models resampled independently.",
        "",
        f"**Baselines** (Table 0, `notebooks/tab0_baselines.ipynb`, `figures/tab0_baselines.csv`; accuracy on "
        f"the study examples, {n_examples}, 95% CI over examples):",
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
        + f" The interval's half-width is {half} points (the design's target, at most "
        f"{100 * TARGET_HALF_WIDTH:.0f}: {met}); the minimum detectable effect (two-sided 5% test, 80% power) is "
        f"{pts(t['mde']).lstrip('+')} points.",
        "",
        quality_text(fig5),
        "",
        answer_text(effects, replicate),
        "",
    ]
    if stale:
        out += [stale, ""]
    if replicate is not None:
        out += [f"**Replication** (`make replicate`, `figures/replicate/study_effects.json`, replicate "
                f"{replicate['replicate']}):", "", replicate_table(effects, replicate), ""]
    out += [
        "![study effects](figures/fig5_study_effects.png)",
        "",
        "*Figure 5 ([notebook](notebooks/fig5_study_effects.ipynb)): seen − unseen accuracy per arm (pooled and per "
        "task), the per-model estimates, and pre-training transfer per task.*",
        "",
        "**Memorization is real in the models that saw the examples** "
        "([00_pretrain_demo_model](notebooks/00_pretrain_demo_model.ipynb)): "
        + memorization_text(load("pretrain_demo_model.json"), load("fig2_membership_auc.json")),
        "",
        "![pre-training](figures/pretrain_demo_model.png)",
        "",
        "![membership](figures/fig2_membership_auc.png)",
        "",
        "*Figure 2 ([notebook](notebooks/fig2_membership_auc.ipynb)): AUROC of each score for telling an example's "
        "measurement under the model that saw it from unseen ones, by dose.*",
        "",
        correlation_text(load("tab2_correlations.json")),
        "",
        "![accuracy by PreCog](figures/fig1_accuracy_by_precog.png)",
        "",
        f"*Figure 1 ([notebook](notebooks/fig1_accuracy_by_precog.ipynb), the paper's Figures 1–3): accuracy per "
        f"PreCog bin, weighted over the {n_tasks} tasks and per task, 95% CIs and n per bin. Table 1 "
        "([notebook](notebooks/tab1_accuracy_by_bin.ipynb), `figures/tab1_accuracy_by_bin.csv`) has the same "
        "numbers; Table 2 ([notebook](notebooks/tab2_correlations.ipynb)) the correlations and logistic "
        "coefficients; Figure 3 ([notebook](notebooks/fig3_datamap_by_precog.ipynb)) a data map coloured by PreCog; "
        "Figure 4 ([notebook](notebooks/fig4_calibration_by_bin.ipynb)) calibration (ECE with CIs over examples) "
        "per PreCog bin; [precog_explained](notebooks/precog_explained.ipynb) teaches the method on one example.*",
        "",
        END,
    ]
    return "\n".join(out)


def update_readme(readme: Path, figures: Path) -> bool:
    """Replace README's section between BEGIN and END with :func:`render`; True if it changed."""
    text = readme.read_text()
    start, stop = text.find(BEGIN), text.find(END)
    if start < 0 or stop < start:
        from precog.errors import PrecogError

        raise PrecogError(f"{readme.name} has no results markers ({BEGIN[:20]}... / {END}); restore them")
    new = text[:start] + render(figures) + text[stop + len(END):]
    if new != text:
        readme.write_text(new)
    return new != text
