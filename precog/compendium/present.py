"""What a reader sees of a result: rounded tables with bracketed intervals, and the
"What this run shows" sentence printed after every figure and table.

Every reading is a pure function of the numbers an artifact writes to figures/*.json
(the dict :func:`precog.compendium.plotting.save_numbers` returns), so the sentence is generated from
the result and stays true when a rerun moves the numbers. Wording of intervals
("includes zero", "lies above zero") is judged on the rounded numbers shown, with the
helpers README's results section uses (:mod:`precog.compendium.report`).
"""

from __future__ import annotations

import html

import pandas as pd

from precog.compendium.phrases import bracket, bracket_r, many, missing, pts, record, share, side
from precog.compendium.plotting import MIN_N, RANK_CLASSES, rank_colour
from precog.compendium.report import answer_text


def ci_column(df: pd.DataFrame, value: str, low: str = "ci_low", high: str = "ci_high", digits: int = 3,
              min_n: int | None = None) -> pd.Series:
    """'0.728 [0.691, 0.766]' per row of ``df`` ('–' where the value is missing; with
    ``min_n``, rows whose ``n`` is smaller show the value and 'n < min_n' instead of an
    interval, as the figures grey them)."""
    def fmt(v, lo, hi, n):
        if missing(v):
            return "–"
        if min_n is not None and n < min_n:
            return f"{v:.{digits}f} (n < {min_n}: no interval)"
        bounds = "" if missing(lo) else f" [{lo:.{digits}f}, {hi:.{digits}f}]"
        return f"{v:.{digits}f}{bounds}"
    ns = df["n"] if min_n is not None else [None] * len(df)
    return pd.Series([fmt(v, lo, hi, n) for v, lo, hi, n in zip(df[value], df[low], df[high], ns, strict=True)],
                     index=df.index)


def with_ci(df: pd.DataFrame, value: str, low: str = "ci_low", high: str = "ci_high", keep=(),
            min_n: int | None = None, label: str | None = None, points: tuple[str, ...] = ()) -> pd.DataFrame:
    """``df`` with ``value`` and its bounds replaced by one '{label} [95% CI]' column; other
    float columns rounded to 3 decimals (``keep``: columns left as they are; ``min_n``: see
    :func:`ci_column`). With ``points``, ``value``, its bounds and the columns named there are
    accuracy differences shown in percentage points, one decimal, and the header says so."""
    if points:
        df = df.assign(**{c: 100 * df[c] for c in {value, low, high, *points} if c in df})
    digits = 1 if points else 3
    out = df.drop(columns=[low, high]).assign(**{value: ci_column(df, value, low, high, digits=digits, min_n=min_n)})
    unit = ", points" if points else ""
    out = out.rename(columns={value: f"{label or value} [95% CI]{unit}"})
    out = out.round({c: 1 for c in points if c in out})
    return out.round({c: 3 for c in out.select_dtypes("float").columns if c not in keep and c not in points})


COLUMNS = {  # a result's column -> the header a reader sees, with its unit
    "acc_seen": "accuracy, seen (share)", "acc_unseen": "accuracy, unseen (share)",
    "acc_pretrained": "accuracy, pre-trained (share)", "acc_random": "accuracy, random init (share)",
    "accuracy": "accuracy (share)", "confidence": "confidence (mean p(gold))", "se": "standard error (points)",
    "exposures": "exposures per example", "examples": "examples", "models": "models", "size": "examples",
    "share_label1": "share with label 1", "task_mean": "share with label 1, task", "dose": "dose (copies)",
    "dose_seen": "dose (copies)", "n_member": "n seen", "n_nonmember": "n unseen", "n_records": "n runs × examples",
    "heldout_passages": "held-out passages", "heldout_tokens": "held-out tokens",
    "top1_accuracy": "top-1 accuracy (share)", "top50_accuracy": "top-50 accuracy (share)",
    "n_tokens": "scored tokens", "n_scored": "scored units", "n_unk": "[UNK] tokens",
    "mean_logprob": "mean log-probability (nats)", "min20_logprob": "Min-20% log-probability (nats)",
    "minkpp20": "Min-20%++ (standardised)", "pll": "PLL (nats)", "mean": "mean", "others": "accuracy, others (share)",
    "gap": "gap (points)", "odds_ratio": "odds ratio", "label": "PreCog bin", "status": "status",
}


def readable(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the headers a reader sees (:data:`COLUMNS`; PreCog@k spelled as the text
    does), its index names included; values unchanged."""
    def name(c):
        return COLUMNS.get(c, _score(c) if isinstance(c, str) else c)

    out = df.rename(columns=name)
    if isinstance(out.index, pd.MultiIndex):
        return out.rename_axis([name(n) for n in out.index.names])
    return out.rename_axis(name(out.index.name))


def show(text: str) -> None:
    """Display a reading as Markdown (it wraps like prose; plain text where Markdown is not
    rendered)."""
    from IPython.display import display

    display({"text/markdown": text, "text/plain": text}, raw=True)


# ---------------------------------------------------------------- readings, one per artifact
def pretrain(numbers: dict) -> str:
    """00: PreCog@1 of the top dose seen vs unseen, and the held-out quality of the models."""
    rows = [r for r in numbers["precog_seen_unseen"] if r["arm"] == "text"]
    if not rows:
        return "No study example was injected in this run."
    top = max(r["dose"] for r in rows)
    seen, unseen = (record(rows, dose=top, status=s) for s in ("seen", "unseen"))
    top1 = [q["top1_accuracy"] for q in numbers["quality"].values()]
    return (f"Text injected {top} times has a mean PreCog@1 of {share(seen['mean'])} under the model that saw it and "
            f"{share(unseen['mean'])} under the models that did not (95% CIs [{share(seen['ci_low'])}, "
            f"{share(seen['ci_high'])}] and [{share(unseen['ci_low'])}, {share(unseen['ci_high'])}]): the "
            f"injection is memorized. On held-out Wikipedia the {len(top1)} models recover "
            f"{share(min(top1))}–{share(max(top1))} of masked tokens at top-1, so they also learned the language, "
            f"not only the copies.")


def scores(numbers: dict) -> str:
    """01: how much of an example the masked LMs recover, per task."""
    per_task: dict[str, list[float]] = {}
    for key, row in numbers["per_task_mean"].items():
        per_task.setdefault(key.split(" / ")[0], []).append(row["precog@1"])
    parts = "; ".join(f"{t}: {share(min(v))}" + (f"–{share(max(v))}" if len(v) > 1 else "")
                      for t, v in sorted(per_task.items()))
    return (f"Mean PreCog@1 over every evaluation example (the range over models): {parts}. Most tokens of an "
            f"example are not the model's top guess; the injected ones, under the model that saw them, are "
            f"(see 00).")


def finetune(numbers: dict) -> str:
    """02: accuracy of the pre-trained models against random init, per task."""
    parts = []
    for task in sorted(numbers["n_eval"]):
        rows = {k.split(" / ")[1]: v["mean"] for k, v in numbers["accuracy"].items() if k.split(" / ")[0] == task}
        random = rows.pop("random", None)
        trained = list(rows.values())
        text = f"{task}: {share(min(trained))}–{share(max(trained))}" if len(trained) > 1 else f"{task}: {share(trained[0])}"
        parts.append(text + (f" (random init {share(random)})" if random is not None else ""))
    return ("Accuracy of the fine-tuned pre-trained models on all evaluation examples, seen ones included: "
            + "; ".join(parts) + ". Table 0 compares them on the examples each model did not see, with intervals.")




def _score(name: str) -> str:
    """'precog@1' -> 'PreCog@1' (other score names unchanged)."""
    return name.replace("precog@", "PreCog@")


def _bins_text(rows: list[dict]) -> str:
    readable = [r for r in rows if r["n"] >= MIN_N and not missing(r["accuracy"])]
    few = sum(1 for r in rows if 0 < r["n"] < MIN_N)
    empty = sum(1 for r in rows if r["n"] == 0)
    if len(readable) < 2:
        return f"only {len(readable)} bin has {MIN_N} or more examples, so there is no trend to read"
    lo, hi = readable[0], readable[-1]
    big = max(readable, key=lambda r: r["n"])
    apart = lo["ci_high"] < hi["ci_low"] or hi["ci_high"] < lo["ci_low"]
    largest = ("" if big in (lo, hi) else f"; the largest bin, {big['label']} (n = {big['n']}), has "
               f"{share(big['accuracy'])} [{share(big['ci_low'])}, {share(big['ci_high'])}]")
    return (f"accuracy goes from {share(lo['accuracy'])} [{share(lo['ci_low'])}, {share(lo['ci_high'])}] in bin "
            f"{lo['label']} (n = {lo['n']}) to {share(hi['accuracy'])} [{share(hi['ci_low'])}, {share(hi['ci_high'])}] "
            f"in bin {hi['label']} (n = {hi['n']}); the two intervals {'do not overlap' if apart else 'overlap'}"
            + largest
            + (f"; {many(few, 'bin')} with fewer than {MIN_N} examples drawn grey" if few else "")
            + (f"; {many(empty, 'bin')} empty" if empty else ""))


def accuracy_by_bin(numbers: dict) -> str:
    """fig1: the weighted accuracy of the lowest and highest readable PreCog bins, per k."""
    parts = [f"By {_score(k)} (weighted over tasks), {_bins_text(v['weighted'])}." for k, v in sorted(numbers.items())]
    return " ".join(parts)


def table_by_bin(numbers: dict) -> str:
    """tab1: per k and task, the lowest and highest readable bin."""
    rows = numbers["rows"]
    parts = []
    for k in sorted({r["k"] for r in rows}):
        for t in sorted({r["task"] for r in rows if r["k"] == k}):
            parts.append(f"{t}, PreCog@{k}: {_bins_text([r for r in rows if r['k'] == k and r['task'] == t])}.")
    return " ".join(parts)


def membership(numbers: dict) -> str:
    """fig2: how well each score tells seen from unseen measurements."""
    rows = numbers["auroc"]
    if not rows:
        return "No membership ground truth in this run."
    best = max(rows, key=lambda r: r["auroc"])
    worst = min(rows, key=lambda r: r["auroc"])
    return (f"AUROC ranges from {share(worst['auroc'])} ({worst['score']}) to {share(best['auroc'])} ({best['score']}) "
            f"over {len({r['score'] for r in rows})} scores: 0.5 is chance, 1 a perfect split of seen from unseen. "
            f"With {rows[0]['n_member']} seen against {rows[0]['n_nonmember']} unseen measurements the intervals "
            "are narrow; a score near 1 means the masked LM has these examples by heart.")


def datamap(numbers: dict) -> str:
    """fig3: PreCog's correlation with confidence and variability."""
    rows = numbers["spearman"]
    parts = "; ".join(f"{r['score']} with {r['target']} {bracket_r(r)}" for r in rows)
    strong = [r for r in rows if side(r, scale=1, digits=2) in ("lies above zero", "lies below zero")]
    edge = [r for r in rows if side(r, scale=1, digits=2) in ("reaches down to zero", "reaches up to zero")]
    at_zero = f" ({len(edge)} of them with a bound at zero at the precision shown)" if edge else ""
    verdict = (f"No interval excludes zero{at_zero}: on these examples PreCog says nothing clear about where an "
               "example lies in the data map." if not strong else
               f"{len(strong)} of {len(rows)} intervals exclude zero (uncorrected for multiplicity).")
    return f"Spearman correlations (n = {rows[0]['n']} examples, 95% CI): {parts}. {verdict}"


def calibration(numbers: dict) -> str:
    """fig4: ECE in the lowest and highest readable bin, per k."""
    parts = []
    for k, rows in sorted(numbers.items()):
        readable = [r for r in rows if r["n"] >= MIN_N and not missing(r["ece"])]
        if len(readable) < 2:
            parts.append(f"By {_score(k)}, fewer than two bins have {MIN_N} or more examples.")
            continue
        lo, hi = readable[0], readable[-1]
        parts.append(f"By {_score(k)}, ECE is {share(lo['ece'])} [{share(lo['ece_ci_low'])}, {share(lo['ece_ci_high'])}] in bin "
                     f"{lo['label']} and {share(hi['ece'])} [{share(hi['ece_ci_low'])}, {share(hi['ece_ci_high'])}] in bin "
                     f"{hi['label']}.")
    over = [r for rows in numbers.values() for r in rows if r["n"] >= MIN_N and not missing(r["ece"])]
    above = sum(r["confidence"] > r["accuracy"] for r in over)
    return " ".join(parts) + (f" Mean confidence exceeds accuracy in {above} of the {len(over)} readable bins: "
                              "the classifiers are over-confident there." if above else
                              " Mean confidence does not exceed accuracy in any readable bin.")


def baselines(numbers: dict) -> str:
    """tab0: does pre-training transfer, and how far from the TF-IDF reference are we?"""
    parts = []
    for task, rows in sorted(numbers.items()):
        pre, rnd = rows.get("pre-trained (unseen examples)"), rows.get("random init")
        tfidf = rows.get("tfidf+lr")
        if pre is None:
            continue
        text = f"{task}: pre-trained {share(pre['accuracy'])} [{share(pre['ci_low'])}, {share(pre['ci_high'])}]"
        if rnd is not None:
            apart = pre["ci_low"] > rnd["ci_high"]
            text += f", random init {share(rnd['accuracy'])}" + (" (intervals apart)" if apart else " (intervals overlap)")
        if tfidf is not None:
            text += f", TF-IDF on the same training examples {share(tfidf['accuracy'])}"
        parts.append(text)
    return "Accuracy [95% CI] on the same examples: " + "; ".join(parts) + "."


def correlations(numbers: dict) -> str:
    """tab2: the Spearman correlations and the logistic coefficients of PreCog@k."""
    rows = numbers["correlations"]
    excluding = [r for r in rows if side(r, scale=1, digits=2) in ("lies above zero", "lies below zero")]
    count = (f"None of the {len(rows)} correlation intervals excludes zero." if not excluding else
             f"{len(excluding)} of {len(rows)} correlation intervals exclude zero (uncorrected for multiplicity).")
    logit = numbers["logistic"]
    lsides = [r for r in logit if side(r, scale=1, digits=2) in ("lies above zero", "lies below zero")]
    lcount = (f"none of the {len(logit)} logistic coefficients does either" if not lsides else
              f"{len(lsides)} of the {len(logit)} logistic coefficients do")
    pooled = [r for r in rows if r["task"] == "all" and r["statistic"] == "spearman"]
    return (f"{count} Pooled Spearman: " + "; ".join(f"{r['score']} {bracket_r(r)}" for r in pooled)
            + f"; {lcount}.")


def study(headline: dict, regression: list[dict]) -> str:
    """fig5: the study's answer (as README words it), and why the crossover and the logistic
    interval of the same contrast can disagree."""
    text = answer_text(headline).replace("**So: are memorized examples better classified?** ", "")
    reg = [r for r in regression if r["model"] == "adjusted" and r["term"].startswith("seen text@")]
    if reg:
        r = max(reg, key=lambda row: int(row["term"].rpartition("@")[2]))  # the top dose, as the crossover's
    if reg and r["coef"] is None:
        text += (" The adjusted logistic regression of the same contrast has no finite estimate here (the outcome "
                 "is separated by its covariates, or does not vary).")
    elif reg:
        text += (f" The adjusted logistic coefficient of the same contrast is {r['coef']:+.3f} log-odds "
                 f"[{r['ci_low']:+.3f}, {r['ci_high']:+.3f}] (its interval {side(r, scale=1, digits=3)}). It compares "
                 "seen rows with every other row of the pre-trained models, never-injected examples included, so "
                 "differences between examples enter its interval, which the crossover (the same examples seen and "
                 "unseen) cancels: the two can disagree near zero, and the crossover is the sharper of the two.")
    return text + " Transfer (pre-trained − random init): " + "; ".join(
        f"{t} {bracket(d)} points" for t, d in sorted(headline["pretraining_transfer"].items())) + "."


def explained(numbers: dict, k: tuple[int, ...]) -> str:
    """precog_explained: PreCog of the walked-through examples and whether they were classified right."""
    parts = []
    for name, d in numbers.items():
        ranks = d["ranks"]
        at = ", ".join(f"PreCog@{x} = {sum(r <= x for r in ranks) / len(ranks):.2f}" for x in k)
        right = d.get("right")
        parts.append(f"the example {name} has {at}" + ("" if right is None else
                     f" and was classified right by {right[0]} of {right[1]} fine-tuned runs"))
    return "In this run " + "; ".join(parts) + "."



# ---------------------------------------------------------------- the token view of precog_explained
def token_html(tokens: list[str], ranks: list[int], guesses: list[list[str]] | None = None) -> str:
    """An example's tokens as inline HTML that wraps, each on the colour of its rank class
    (the same colours as :func:`precog.compendium.study_figures.token_strip`), its rank in small type, the
    model's top guesses on hover, and a legend."""
    spans = []
    for i, (tok, rank) in enumerate(zip(tokens, ranks, strict=True)):
        hint = f"rank {rank}" + (f"; top guesses: {', '.join(guesses[i])}" if guesses is not None else "")
        spans.append(f"<span title='{html.escape(hint, quote=True)}' style='background:{rank_colour(rank)}55;"
                     f"padding:1px 3px;margin:2px;border-radius:3px;display:inline-block'>{html.escape(tok)}"
                     f"<sub style='color:#555'>{rank}</sub></span>")
    key = " ".join(f"<span style='background:{c}55;padding:1px 4px;border-radius:3px'>{html.escape(label)}</span>"
                   for _, label, c in RANK_CLASSES)
    return (f"<div style='line-height:1.9;font-family:monospace'>{''.join(spans)}</div>"
            f"<div style='font-size:85%;margin-top:4px'>{key}</div>")


def widget_bundle(widget, note: str) -> dict:
    """The display bundle of an ipywidget whose plain-text form (what a page viewed without a
    kernel shows) is ``note`` instead of the widget's repr; show it with
    ``display(bundle, raw=True)``."""
    bundle = dict(widget._repr_mimebundle_())  # noqa: SLF001 (ipywidgets' public display protocol)
    bundle["text/plain"] = note
    return bundle


def runs_table(pooled: dict) -> pd.DataFrame:
    """fig6: one row per pooled run: its base model (pre-training seed, checksum's first 12
    characters), the machine that made it, and its own text-only and positive-control estimates."""
    rows = [{"run": r["run"], "base model": f"seed {r['pretrain_seed']} · {r['base_model'][:12]}", "machine": r["machine"],
             "text only [95% CI], points": bracket(r["text_only"]),
             "positive control [95% CI], points": bracket(r["positive_control"])} for r in pooled["runs"]]
    return pd.DataFrame(rows).set_index("run")


def pooled_table(pooled: dict) -> pd.DataFrame:
    """fig6: the pooled effects in points with their intervals, and what each pooled."""
    rows = []
    for key, name in (("text_only", "text only"), ("positive_control", "positive control")):
        d = pooled[key]
        rows.append({"effect": name, "pooled [95% CI], points": bracket(d), "half-width": pts(d["ci_half_width"]).lstrip("+"),
                     "runs": d["runs"], "models": d["models"], "base models": d["base_models"], "examples × runs": d["n"]})
    for task, d in sorted(pooled["pretraining_transfer"].items()):
        rows.append({"effect": f"transfer, {task}", "pooled [95% CI], points": bracket(d),
                     "half-width": pts((d["ci_high"] - d["ci_low"]) / 2).lstrip("+"), "runs": d["runs"],
                     "models": pooled["models"], "base models": d["base_models"], "examples × runs": "–"})
    return pd.DataFrame(rows).set_index("effect")


def gains(pooled: dict) -> list[str]:
    """fig6: the registered answer as README words it: the confirmatory test, the manipulation
    check and positive control, the dose-response and the heterogeneity, one paragraph each."""
    from precog.compendium import answer

    return [answer.confirmatory_text(pooled), answer.manipulation_sentence(pooled) + " " + answer.control_sentence(pooled),
            answer.dose_sentence(pooled), answer.heterogeneity_sentence(pooled)]
