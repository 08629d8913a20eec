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


def counts(n_by_task: dict[str, int], what: str) -> str:
    """'n = 672 {what} per task' when every task has the same n, else 'n = 672 (a), 600 (b) {what}'."""
    values = set(n_by_task.values())
    if len(values) == 1:
        return f"n = {values.pop()} {what} per task"
    return "n = " + ", ".join(f"{n} ({t})" for t, n in sorted(n_by_task.items())) + f" {what}"


def many(n: int, what: str) -> str:
    """'1 run', '3 runs'."""
    return f"{n} {what}" + ("" if n == 1 else "s")


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


def answer_text(effects: dict) -> str:
    """One run's answer, worded from its text-only interval and its positive control."""
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
    return f"**So: are memorized examples better classified?** {head} {control_text(pc, where)}"


def control_text(pc: dict, where: str) -> str:
    """What the positive control says about the instrument (``where``: the text-only interval's side)."""
    if side(pc) == "lies above zero":
        return ("The positive control's interval lies above zero, so the instrument does see a model exploit "
                "examples it memorized with their label.")
    return ("The positive control's interval does not lie above zero, so this did not see a model exploit "
            "even examples memorized with their label" + ("; a text-only result that includes zero cannot be "
            "told from an instrument too weak to see an effect." if where != "lies above zero" else "; read the "
            "text-only result with that in mind."))


# ---------------------------------------------------------------- the pooled answer
TARGET_POOLED = 0.020  # the pooled text-only half-width aimed at (2 points)
DECISIVE_BOUND = 0.025  # "no benefit larger than X" is decisive when X is at most 2.5 points


def pooled_answer(pooled: dict) -> str:
    """The compendium's answer from every run of one design (figures/study_effects_pooled.json)."""
    t, pc, top = pooled["text_only"], pooled["positive_control"], pooled["top_dose"]
    where = side(t)
    what = (f"Pooled over {many(t['runs'], 'run')} on {many(t['base_models'], 'base model')} "
            f"({many(t['models'], 'study model')}, {t['n']} example-runs)")
    if where == "lies above zero":
        head = f"**Yes.** {what}, text seen {top} times is classified better than the same text unseen, by {interval(t)}."
    elif where == "lies below zero":
        head = (f"**No, the opposite.** {what}, text seen {top} times is classified worse than the same text unseen, "
                f"by {interval(t)}.")
    elif where == "is undefined":
        head = f"**Undetermined.** {what}, the text-only effect has no interval."
    else:
        bound = pts(t["ci_high"])
        shown_high = round(100 * float(t["ci_high"]), 1)  # judged on the number shown, as side() does
        if where == "reaches up to zero" or shown_high <= 0:
            head = (f"**No benefit.** {what}, seen minus unseen accuracy of text seen {top} times is {interval(t)}: "
                    f"the interval {where}, so a benefit is excluded at this precision.")
        elif shown_high <= 100 * DECISIVE_BOUND:
            head = (f"**No benefit larger than {bound} points.** {what}, seen minus unseen accuracy of text seen {top} "
                    f"times is {interval(t)}: the interval {where}, and a benefit larger than {bound} points is excluded.")
        else:
            head = (f"**No benefit detected; one of up to {bound} points is not excluded.** {what}, seen minus unseen "
                    f"accuracy of text seen {top} times is {interval(t)}: the interval {where}, so a benefit larger "
                    f"than {bound} points is excluded, but a smaller one can be neither told from none nor ruled out "
                    f"(a decisive answer needs the upper bound at or below {pts(DECISIVE_BOUND)} points).")
    half = pts(t["ci_half_width"]).lstrip("+")
    met = "met" if not missing(t["ci_half_width"]) and float(half) <= 100 * TARGET_POOLED else "missed"
    precision = (f"The pooled interval's half-width is {half} points (target at most {100 * TARGET_POOLED:.1f}: {met}); "
                 f"the minimum detectable effect is {pts(t['mde']).lstrip('+')} points.")
    return f"{head} {control_text(pc, where)} {precision} {runs_text(pooled)}"


def runs_text(pooled: dict) -> str:
    """How much the runs differ beyond their own intervals, and how many runs the target would
    take at the pooled interval's rate."""
    t = pooled["text_only"]
    v = t["between_runs"]
    if missing(v["tau"]):
        return "With one run, how much runs differ of their own is not measured."
    from precog.stats.pooling import runs_needed

    need = runs_needed(t["runs"], t["ci_half_width"], TARGET_POOLED)
    own = (f"the runs add about {pts(v['tau']).lstrip('+')} points of their own" if round(100 * v["tau"], 1) > 0
           else "the runs add no measurable variance of their own")
    reach = ("" if missing(need) or need <= t["runs"] else
             f" If the pooled half-width falls as one over the square root of the number of runs (new runs coming "
             f"with new base models in the same proportion), {100 * TARGET_POOLED:.1f} points would take about "
             f"{need:.0f} runs.")
    return (f"The {v['runs']} runs' own text-only estimates spread by {pts(v['observed_sd']).lstrip('+')} points "
            f"(standard deviation) where their own intervals expect {pts(v['expected_sd']).lstrip('+')}: {own}."
            + reach)


def base_note(pooled: dict) -> str:
    """Which runs share a base model: the same only where the checksums match."""
    runs = pooled["runs"]
    parts = []
    for i, r in enumerate(runs[1:], 1):
        same = next((e for e in runs[:i] if e["base_model"] == r["base_model"]), None)
        seed = next((e for e in runs[:i] if e["pretrain_seed"] == r["pretrain_seed"]), None)
        if same is not None:
            parts.append(f"{r['run']} shares the base model of {_the(same['run'])} (same checksum)")
        elif seed is not None:
            parts.append(f"{r['run']} was pre-trained with the seed of {_the(seed['run'])} but its base model's checksum "
                         "differs (made on another machine, whose floating point differs in the last bits); the "
                         "bootstrap counts one base model per pre-training seed")
        else:
            parts.append(f"{r['run']} has a base model of its own (pre-training seed {r['pretrain_seed']})")
    machines = sorted({r["machine"] for r in runs})
    made = (f"All runs were made on one kind of machine ({machines[0]})." if len(machines) == 1 else
            "Machines: " + "; ".join(f"{r['run']}: {r['machine']}" for r in runs) + ".")
    left = pooled.get("not_pooled") or []
    skipped = (" Not pooled, another design: " + ", ".join(r["run"] for r in left) + "." if left
               else " Every committed run has the main run's design, so all are pooled.")
    text = "; ".join(parts)
    return (text[0].upper() + text[1:] + ". " if parts else "") + made + skipped


def _the(run: str) -> str:
    """'the main run' / 'replicate 2', as a sentence names a run."""
    return f"the {run}" if run == "main run" else run


def runs_table(pooled: dict) -> str:
    """Markdown: one row per run (base model seed and checksum, effects), then the pooled row."""
    tasks = sorted(pooled["pretraining_transfer"])
    head = ["run", "base model", "text only", "positive control", *[f"transfer, {t}" for t in tasks]]
    lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    for r in pooled["runs"]:
        cells = [r["run"], f"seed {r['pretrain_seed']} · `{r['base_model'][:8]}`", bracket(r["text_only"]),
                 bracket(r["positive_control"]), *[bracket(r["pretraining_transfer"][t]) for t in tasks]]
        lines.append("| " + " | ".join(cells) + " |")
    cells = ["**pooled**", many(pooled["base_models"], "base model"), f"**{bracket(pooled['text_only'])}**",
             f"**{bracket(pooled['positive_control'])}**", *[f"**{bracket(pooled['pretraining_transfer'][t])}**" for t in tasks]]
    lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def slope_text(fig6: dict) -> str:
    """Figure 6's reading: the slope of accuracy gain on memorization gain, per arm, and the x axis' spread."""
    s, m = fig6["slope"], fig6["mem_gain"]

    def per(arm: str) -> str:
        d = {k: None if missing(s[arm][k]) else s[arm][k] / 10 for k in ("estimate", "ci_low", "ci_high")}
        return f"{interval(d)} per 0.1 of PreCog@1 gained (its interval {side(d)})"

    text, seen = m["text"], fig6["mem_seen"]["text"]
    if not missing(seen) and seen >= 0.9:
        limit = (f" Under the model that saw it, text recovers {share(seen)} of its tokens on average: memorization at "
                 "this dose is near its ceiling, so the x axis spreads only by what the other models already recover, "
                 "and the slope compares examples within one dose, not doses.")
    elif not missing(text["sd"]) and text["sd"] < 0.05:
        limit = " The memorization gains hardly spread, so the slope is loosely determined."
    else:
        limit = ""
    return (f"**Accuracy gain against the memorization the study caused** (Figure 6): for text, accuracy gain rises "
            f"by {per('text')}; for the positive control by {per('text+label')}. The memorization gain of text spans "
            f"{share(text['p10'])} to {share(text['p90'])} (10th to 90th percentile; mean {share(text['mean'])}, "
            f"standard deviation {share(text['sd'])}).{limit}")


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


def paper_line(tab2: dict) -> str:
    """One sentence of the paper's own analysis (PreCog against correctness across examples)."""
    rows = tab2["correlations"]
    pooled = record(rows, score="precog@1", statistic="spearman", task="all")
    return (f"**The paper's analysis**, across examples that no model saw (PreCog varies there by itself): the "
            f"Spearman correlation of PreCog@1 with correctness is {bracket_r(pooled)}, pooled over tasks (its "
            f"interval {side(pooled, scale=1, digits=2)}; Table 2 and Figure 1 in [docs/study.md](docs/study.md)).")


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
    """README's answer (between BEGIN and END) from the files in ``figures``: the pooled
    headline and its verdict, the runs, Figure 6 and its slope."""
    load = lambda name: json.loads((figures / name).read_text())  # noqa: E731
    pooled, fig6 = load("study_effects_pooled.json"), load("fig6_gain_by_memorization.json")
    return "\n".join([
        BEGIN,
        "",
        pooled_answer(pooled),
        "",
        runs_table(pooled),
        "",
        "*Seen − unseen accuracy and transfer (pre-trained − random init) in points, 95% CIs. A run's row is its own "
        "bootstrap (its models, then examples); the pooled row resamples base models, then runs, then models, then "
        "examples. " + base_note(pooled) + "*",
        "",
        slope_text(fig6),
        "",
        paper_line(load("tab2_correlations.json")),
        "",
        "![Figure 6](figures/fig6_gain_by_memorization.png)",
        "",
        "*Figure 6 ([notebook](notebooks/fig6_gain_by_memorization.ipynb)): left, each run and all runs pooled; middle "
        "and right, accuracy gain per bin of memorization gain (grey: fewer than 10 examples). Every number here is "
        "rendered from `figures/*.json` by `make reproduce`; the controls, baselines and the paper's correlational "
        "analysis are in [docs/study.md](docs/study.md#results-of-the-main-run).*",
        "",
        END,
    ])


DETAILS_BEGIN = BEGIN.replace("results:begin", "details:begin").replace("render-readme", "render-readme (docs/study.md)")
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
        f"*Figure 1 ([notebook](../notebooks/fig1_accuracy_by_precog.ipynb), the paper's Figures 1–3): accuracy per "
        f"PreCog bin, weighted over the {n_tasks} tasks and per task, 95% CIs and n per bin.*",
        "",
        DETAILS_END,
    ]
    return "\n".join(out)


BLOCKS = {"README.md": (BEGIN, END, render), "docs/study.md": (DETAILS_BEGIN, DETAILS_END, render_details)}


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
    """Rewrite the rendered sections of README.md and docs/study.md; the names of those that changed."""
    return [name for name, (begin, end, make) in BLOCKS.items() if update_block(root / name, figures, begin, end, make)]
