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
                         "analysis counts it as a base model of its own")
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
             f"Of Table 2's {len(rows)} correlations, {len(excluding)} {'excludes' if len(excluding) == 1 else 'exclude'} zero (uncorrected for multiplicity): {listed}.")
    n = counts({t: sp[t]["n"] for t in tasks}, "never-injected examples")
    return (f"**Our reconstruction of the paper's correlational analysis** (never-injected examples only, so PreCog varies naturally): "
            f"the Spearman correlation of PreCog@1 with correctness is {per} and {bracket_r(sp['all'])} pooled "
            f"({n}; Table 2). {count}")


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
        "*Seen − unseen accuracy at the top dose and transfer (pre-trained − random init) in points, 95% CIs. A "
        "run's row is its own bootstrap (its models, then examples); the pooled row is the registered t-interval over "
        "base-model means (transfer, exploratory: the nested bootstrap over base models, runs, then examples and "
        "models). " + base_note(pooled) + "*",
    ])


def render(figures: Path) -> str:
    """README's answer (between BEGIN and END) from the files in ``figures``: study v2's
    pre-registered estimands (:mod:`precog.compendium.answer`): the confirmatory test and what
    it says of the paper's claim, the manipulation check and positive control, every dose per
    task and pooled with its verdicts (accuracy, then margin), the dose-response, heterogeneity,
    the correlational analysis and, where it applies, the weak-classifier caveat (each run's row:
    :func:`runs_block`, in docs/study.md)."""
    from precog.compendium import answer, preregistration

    load = lambda name: json.loads((figures / name).read_text())  # noqa: E731
    pooled = load("study_effects_pooled.json")
    weak = weak_classifier(load("tab0_baselines.json"))
    margin = f"{pooled['margin_points']:g}"
    return "\n".join([
        BEGIN,
        "",
        answer.confirmatory_text(pooled),
        "",
        answer.verdict_on_paper(pooled),
        "",
        answer.manipulation_sentence(pooled) + " " + answer.control_sentence(pooled),
        "",
        f"**Seen minus unseen accuracy, points [95% CI], by dose and task** (secondary, except rt-polarity ×"
        f"{pooled['confirmatory']['dose']}; better when seen: the lower bound above zero; equivalent: the 90% interval "
        f"inside ±{margin} points; t-intervals over the {pooled['base_models']} base models"
        f"{'; an interim look: these verdicts, too, are read only once all are made' if answer.interim(pooled) else ''}):",
        "",
        answer.markdown(answer.estimands_frame(pooled, "text", "correct")),
        "",
        "**The classifier's margin on the gold label** (secondary: its logit minus the other label's, in nats; "
        "seen minus unseen, 95% CI; no equivalence margin is registered for it):",
        "",
        answer.markdown(answer.estimands_frame(pooled, "text", "margin")),
        "",
        answer.dose_sentence(pooled),
        "",
        answer.heterogeneity_sentence(pooled),
        "",
        paper_line(load("tab2_correlations.json")),
        "",
        *([weak + " Study v2 keeps v1's base-model recipe and, as pre-registered, spends its compute on "
           f"{preregistration.base_models()} base models instead of a larger one that might match "
           "bag-of-words ([docs/preregistration.md](docs/preregistration.md)).", ""] if weak else []),
        "![Figure 6](figures/fig6_gain_by_memorization.png)",
        "",
        "*Figure 6 ([notebook](notebooks/fig6_gain_by_memorization.ipynb)): top left, per dose and task, the "
        "memorization the dose caused against the accuracy it gained, with the IV slopes; top right, our reconstruction of the paper's layout "
        "(accuracy per PreCog@1 bin) for the injected examples under the models that saw them and those that did not; "
        "below, each run and all runs pooled at the top dose. Every number here is rendered from `figures/*.json` by `make "
        "reproduce`; each run's own estimates, the controls, baselines and the correlational analysis are in "
        "[docs/study.md](docs/study.md#results-of-the-main-run). " + pooled_note(pooled) + "*",
        "",
        END,
    ])
