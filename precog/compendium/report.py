"""README's results section, rendered from the generated files in figures/ (docs/study.md's
block and the writer of both: :mod:`precog.compendium.documents`).

``make reproduce`` ends with :func:`update_readme`, so a rerun on any machine rewrites the
numbers *and the sentences that depend on them* ("excludes zero", "inside the interval")
together with the figures; ``tests/test_readme.py`` checks that README holds exactly what
:func:`render` makes of the committed files. Everything here is a pure function of the
JSON files: no model is loaded, nothing is recomputed.
"""

from __future__ import annotations

import json
from pathlib import Path

from precog.compendium.phrases import (
    bracket,
    bracket_r,
    cell,
    counts,
    interval,
    many,
    missing,
    pts,
    record,
    share,
    side,
)

BEGIN = "<!-- results:begin (rendered by `precog render-readme` from figures/*.json: edit precog/compendium/report.py, not this) -->"
END = "<!-- results:end -->"


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
            f"({many(t['models'], 'study model')}; {t['n']} measurements, each study example once per run)")
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
                    f"accuracy of text seen {top} times is {interval(t)}. The interval {where}, so no benefit is "
                    f"detected; its upper bound excludes a benefit larger than {bound} points, but a smaller one can be "
                    f"neither told from none nor ruled out (a decisive answer needs the upper bound at or below "
                    f"{pts(DECISIVE_BOUND)} points).")
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
                         "differs (made on another machine, whose floating point differs in the last bits), so the "
                         "bootstrap counts it as a base model of its own")
        else:
            parts.append(f"{r['run']} has a base model of its own (pre-training seed {r['pretrain_seed']})")
    machines = sorted({r["machine"] for r in runs})
    made = (f"All runs were made on one kind of machine ({machines[0]})." if len(machines) == 1 else
            "Machines: " + "; ".join(f"{r['run']}: {r['machine']}" for r in runs) + ".")
    text = "; ".join(parts)
    return (text[0].upper() + text[1:] + ". " if parts else "") + made + " " + pooled_note(pooled)


def pooled_note(pooled: dict) -> str:
    """Which committed runs are left out of the pooled answer (another design: another recipe,
    dose or precision), or that none is."""
    left = pooled.get("not_pooled") or []
    if left:
        return ("Not pooled, another design: " + ", ".join(r["run"] for r in left) + " (made with another recipe, "
                "design or precision; `make replicate` remakes them with this one).")
    return "Every committed run has the main run's design, so all are pooled."


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


def verdict_on_paper(pooled: dict) -> str:
    """Whether the controlled study confirms the paper's claim (its abstract: highly memorized
    examples are better classified), from the pooled text-only effect."""
    where = side(pooled["text_only"])
    claim = "The paper's abstract reports that highly memorized examples are better classified."
    if where == "lies above zero":
        return (f"**Does this confirm the paper?** {claim} Here memorization is caused, and memorized text is classified "
                "better than the same text unseen: the controlled study **supports** the claim, at this model size.")
    if where == "lies below zero":
        return (f"**Does this confirm the paper?** {claim} Here memorization is caused, and memorized text is classified "
                "*worse* than the same text unseen: the controlled study **contradicts** the claim, at this model size.")
    return (f"**Does this confirm the paper?** {claim} Here memorization is caused, and memorized text is not detectably "
            "classified better than the same text unseen: the controlled study **does not confirm** the claim, at "
            "this model size (it does not refute a benefit smaller than the interval's upper bound either).")


def weak_classifier(tab0: dict) -> str:
    """The tasks on which the fine-tuned pre-trained models fall below the bag-of-words baseline
    trained on the same examples (Table 0), in one sentence; '' when on none."""
    below = [t for t in sorted(tab0) if tab0[t]["pre-trained (unseen examples)"]["accuracy"] < tab0[t]["tfidf+lr"]["accuracy"]]
    if not below:
        return ""
    parts = "; ".join(("" if len(below) == 1 else f"{t}: ") + f"{share(tab0[t]['pre-trained (unseen examples)']['accuracy'])}"
                      f" against {share(tab0[t]['tfidf+lr']['accuracy'])}" for t in below)
    return (f"**A weak classifier:** on {', '.join(below)}, the fine-tuned models score below TF-IDF + logistic "
            f"regression trained on the same examples ({parts}; accuracy on unseen study examples, Table 0), so the "
            "effects are measured on a classifier weaker than bag-of-words there.")


def paper_line(tab2: dict) -> str:
    """One sentence of the paper's own analysis (PreCog against correctness across examples)."""
    rows = tab2["correlations"]
    pooled = record(rows, score="precog@1", statistic="spearman", task="all")
    return (f"**Our reconstruction of the paper's correlational analysis**, across examples that no model saw (PreCog varies there by itself): the "
            f"Spearman correlation of PreCog@1 with correctness is {bracket_r(pooled)}, pooled over tasks (its "
            f"interval {side(pooled, scale=1, digits=2)}; Table 2 and Figure 1 in [docs/study.md](docs/study.md)).")


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


def runs_block(pooled: dict) -> str:
    """Each run's own estimates and the pooled row, as a table with its caption (docs/study.md)."""
    return "\n".join([
        runs_table(pooled),
        "",
        "*Seen − unseen accuracy and transfer (pre-trained − random init) in points, 95% CIs. A run's row is its own "
        "bootstrap (its models, then examples); the pooled row resamples base models, then runs, then models, then "
        "examples. " + base_note(pooled) + "*",
    ])


def render(figures: Path) -> str:
    """README's answer (between BEGIN and END) from the files in ``figures``: the pooled
    headline and its verdict, what it says of the paper's claim, Figure 6 and its slope, the
    correlational analysis and, where it applies, the weak-classifier caveat (each run's row:
    :func:`runs_block`, in docs/study.md)."""
    load = lambda name: json.loads((figures / name).read_text())  # noqa: E731
    pooled, fig6 = load("study_effects_pooled.json"), load("fig6_gain_by_memorization.json")
    return "\n".join([
        BEGIN,
        "",
        pooled_answer(pooled),
        "",
        verdict_on_paper(pooled) + " " + pooled_note(pooled),
        "",
        slope_text(fig6),
        "",
        paper_line(load("tab2_correlations.json")),
        "",
        *([weak_classifier(load("tab0_baselines.json")), ""] if weak_classifier(load("tab0_baselines.json")) else []),
        "![Figure 6](figures/fig6_gain_by_memorization.png)",
        "",
        "*Figure 6 ([notebook](notebooks/fig6_gain_by_memorization.ipynb)): left, each run and all runs pooled; middle "
        "and right, accuracy gain per bin of memorization gain (grey: fewer than 10 examples). Every number here is "
        "rendered from `figures/*.json` by `make reproduce`; each run's own estimates, the controls, baselines and "
        "the correlational analysis are in [docs/study.md](docs/study.md#results-of-the-main-run).*",
        "",
        END,
    ])
