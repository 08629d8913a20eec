"""Study v2's answer in words and tables, rendered from figures/study_effects_pooled.json (the
pre-registered estimands, :mod:`precog.stats.registered`): README's answer, the fig6
notebook's tables and readings, the lesson's closing section.

Pure functions of the pooled dict as written (NaN as None); numbers in points (accuracy),
nats (margin) or shares (PreCog@1).
"""

from __future__ import annotations

import pandas as pd

from precog.compendium.phrases import bracket, interval, many, missing, pts, share

TASK_NAMES = {"all": "both tasks"}
VERDICT_WORDS = {
    "superior": "better when seen",
    "superior, within the margin": "better when seen, by less than the margin",
    "equivalent": "equivalent within the margin",
    "worse": "worse when seen",
    "inconclusive": "inconclusive",
}


def interim(pooled: dict) -> tuple[int, int] | None:
    """(base models made, base models registered) while the registered design is incomplete,
    else None (also for a shrunken design, such as the smoke profile's, that tests no registered dose)."""
    from precog.compendium import preregistration

    registered = preregistration.base_models()
    made = int(pooled["base_models"])
    return (made, registered) if pooled["confirmatory"].get("registered", True) and made < registered else None


def task_name(task: str) -> str:
    return TASK_NAMES.get(task, task)


def picked(pooled: dict, arm: str, outcome: str) -> list[dict]:
    """The pooled estimands of one arm and outcome, in dose order, tasks alphabetically, pooled last."""
    rows = [e for e in pooled["estimands"] if e["arm"] == arm and e["outcome"] == outcome]
    return sorted(rows, key=lambda e: (e["dose"], e["task"] == "all", e["task"]))


def nats(d: dict) -> str:
    """'+0.21 [−0.05, +0.47]' for a margin difference (nats, two decimals)."""
    def f(x):
        if missing(x):
            return "n/a"
        v = round(float(x), 2)
        return "0.00" if v == 0 else (f"+{v:.2f}" if v > 0 else f"−{-v:.2f}")
    return f"{f(d['estimate'])} [{f(d['ci_low'])}, {f(d['ci_high'])}]"


def cell_text(e: dict) -> str:
    """One table cell: estimate [95% CI] and the verdict, e.g. '+1.2 [−0.8, +3.2] inconclusive'."""
    number = bracket(e) if e["outcome"] == "correct" else nats(e) if e["outcome"] == "margin" else \
        f"{share(e['seen'])} vs {share(e['unseen'])}"
    return number if e["outcome"] == "precog@1" else f"{number} {VERDICT_WORDS[e['verdict']]}"


def estimands_frame(pooled: dict, arm: str = "text", outcome: str = "correct") -> pd.DataFrame:
    """One row per dose, one column per task (and both tasks): the fig6 notebook's table."""
    rows = picked(pooled, arm, outcome)
    tasks = list(dict.fromkeys(e["task"] for e in rows))
    table = []
    for dose in sorted({e["dose"] for e in rows}):
        line = {"dose": f"×{dose}"}
        for t in tasks:
            e = next(e for e in rows if e["dose"] == dose and e["task"] == t)
            line[task_name(t)] = cell_text(e)
        table.append(line)
    return pd.DataFrame(table)


def markdown(frame: pd.DataFrame) -> str:
    """A data frame as a Markdown table."""
    head = list(frame.columns)
    lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def design_text(pooled: dict) -> str:
    t = pooled["text_only"]
    each = "one run each" if t["runs"] == t["base_models"] else many(t["runs"], "run")
    return (f"{many(t['base_models'], 'base model')}, {each} ({many(t['models'], 'study model')}); "
            f"text injected at ×{', ×'.join(str(d) for d in pooled['doses'])}, each example's dose drawn at random "
            "in every run")


def confirmatory_text(pooled: dict) -> str:
    """The one registered test, in a sentence with its verdict."""
    c = pooled["confirmatory"]
    where = "" if c.get("registered", True) else ", the design's top dose, since the registered one is not in it"
    word = {"superior": "**confirmed**: memorized text is classified better",
            "superior, within the margin": "**confirmed**, by less than the equivalence margin",
            "equivalent": "**not confirmed**: the effect is equivalent to none within the margin",
            "worse": "**not confirmed**: memorized text is classified *worse*",
            "inconclusive": "**not confirmed**: the interval includes zero"}[c["verdict"]]
    if missing(c.get("ci_low")):
        word = "**not yet tested**: an interval needs at least two base models (`make replicate`)"
    if look := interim(pooled):
        made, registered = look
        word = (f"**not yet read**: {made} of the {registered} registered base models made so far; the test is read "
                "only once all are (an interim look, which decides nothing)")
    return (f"**Confirmatory test** (pre-registered in {pooled['preregistration']['commit']}: {c['task']}, text "
            f"×{c['dose']}{where}): seen minus unseen accuracy is {interval(c)} over {design_text(pooled)}. "
            f"The hypothesis that it is above zero is {word}.")


def control_sentence(pooled: dict) -> str:
    pc = pooled.get("positive_control")
    if not pc:
        return ""
    seen = "the instrument does see a model exploit examples memorized with their label" if pc["superiority"] else \
        "this design did not see a model exploit even examples memorized with their label, and a null text-only " \
        "result cannot be told from an instrument too weak to see one"
    if missing(pc.get("ci_low")):
        seen = "whether the instrument sees a model exploit examples memorized with their label needs an interval, " \
            "so at least two base models"
    elif interim(pooled):
        seen = "an interim look; like the registered test, it is read once all base models are made"
    return f"The positive control (text + label word, ×{pooled['top_dose']}, both tasks) is {interval(pc)}: {seen}."


def manipulation_sentence(pooled: dict) -> str:
    m = pooled["manipulation_check"]
    seen = m["seen_precog@1"]
    listed = ", ".join(f"{share(v)} at ×{d}" for d, v in sorted(seen.items(), key=lambda kv: int(kv[0])))
    low, high = m["targets"]
    verdict = "passed" if m["passed"] else "**failed**"
    opening = "The dose did what it was meant to" if m["passed"] else "The dose fell short of its targets"
    return (f"{opening}: a seen example's PreCog@1 is {listed} (manipulation check, "
            f"targets at most {share(low)} at the lowest dose and at least {share(high)} at the top: {verdict}).")


def dose_sentence(pooled: dict) -> str:
    """The dose-response per task and pooled (secondary)."""
    parts = []
    for d in pooled["dose_response"]:
        scaled = {k: d[k] for k in ("estimate", "ci_low", "ci_high")}
        parts.append(f"{task_name(d['task'])} {bracket(scaled)}")
    if not parts:
        return ""
    per = pooled["dose_response"][0]["per"]
    return (f"**Dose–response** (secondary): accuracy points gained per {per:g} of PreCog@1 caused, an instrumental-"
            f"variable estimate (the randomized dose instruments memorization; it assumes the dose acts on accuracy "
            f"only through the memorization PreCog@1 measures): " + "; ".join(parts) + ".")


def heterogeneity_sentence(pooled: dict) -> str:
    """Cochran's Q, I² and τ of the pooled text effect at the top dose (exploratory)."""
    h = pooled["text_only"]["heterogeneity"]

    def one(name: str, r: dict) -> str:
        if missing(r["q"]):
            return f"{name}: not measurable"
        high = "∞" if missing(r["tau_high"]) else pts(r["tau_high"]).lstrip("+")
        return (f"{name} ({r['k']}): Q = {r['q']:.2f} on {r['df']} df, I² = {100 * r['i2']:.0f}%, τ = "
                f"{pts(r['tau']).lstrip('+')} points (95% CI {pts(r['tau_low']).lstrip('+')} to {high})")
    return (f"Heterogeneity of text ×{pooled['top_dose']} (exploratory): " + "; ".join(
        [one("base models, also the runs, one per base model", h["base_models"]),
         one("continuation models", h["continuation_models"])]) + ".")


def verdict_on_paper(pooled: dict) -> str:
    """What the registered test says of the abstract's claim."""
    claim = "The paper's abstract reports that highly memorized examples are better classified."
    v = pooled["confirmatory"]["verdict"]
    if look := interim(pooled):
        made, registered = look
        return (f"**Does this confirm the paper?** {claim} Not decided yet: the registered test is read once all "
                f"{registered} base models are made ({made} so far).")
    if missing(pooled["confirmatory"].get("ci_low")):
        return (f"**Does this confirm the paper?** {claim} Not tested here: the registered test needs an interval, so "
                "at least two base models.")
    if v.startswith("superior"):
        return (f"**Does this confirm the paper?** {claim} Here memorization is caused and dosed, and memorized text "
                "is classified better than the same text unseen on the registered task: the controlled study "
                "**supports** the claim, at this model size.")
    if v == "worse":
        return (f"**Does this confirm the paper?** {claim} Here memorized text is classified *worse* than the same "
                "text unseen: the controlled study **contradicts** the claim, at this model size.")
    extra = f" It shows no benefit beyond the ±{pooled['margin_points']:g}-point margin." if v == "equivalent" else \
        " It neither shows a benefit nor rules one out."
    return (f"**Does this confirm the paper?** {claim} Here memorization is caused and dosed, and memorized text is "
            f"not detectably classified better on the registered task: the controlled study **does not confirm** "
            f"the claim, at this model size.{extra}")
