"""The lesson: notebooks/precog_explained.ipynb and ``precog lesson`` (``make lesson``).

``precog lesson`` executes the notebook into ``build/lesson/`` in about two minutes on two CPU
cores, from an empty cache: it uses the **lesson** profile (notebooks/params/lesson.yaml), a
tiny base model and three study models that see known sentences, trained in seconds and
cached, unless the demo's models, scores and fine-tuning runs are all cached already (after
``make reproduce``), in which case it uses those (:func:`choose`).

The notebook's plumbing lives here, so that its cells show the method, not the bookkeeping:
which examples it walks through (:func:`examples`, chosen by a rule fixed before any result),
the crossover of one sentence over every model (:func:`crossover`, :func:`gain`), the paired
memorization gain of every injected example (:func:`paired_gains`), the fine-tuned verdicts
(:func:`verdicts`) and the sentences the notebook prints from results.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from precog import paths
from precog.compendium import pipeline
from precog.compendium.lesson_text import (  # noqa: F401 (the notebook reads its sentences from here too)
    bins_text,
    crossover_text,
    curve_text,
    explained_text,
    paired_text,
    variants_text,
    verdict_text,
)
from precog.compendium.profiles import LESSON, Profile, load_profile
from precog.errors import PrecogError

NOTEBOOK = "precog_explained"
CHOICES = ("auto", LESSON, "demo")
TIMING = paths.ROOT / "benchmarks" / "results" / "lesson.json"  # written by benchmarks/lesson_time.py


# ---------------------------------------------------------------- which models, and running it
def demo_ready() -> bool:
    """True when the demo's study models, scores and fine-tuning runs are all in the cache."""
    try:
        pipeline.predictions("demo", cached_only=True, progress=False)
        pipeline.scores("demo", cached_only=True, progress=False)
    except PrecogError:
        return False
    return True


def choose(models: str = "auto") -> str:
    """The profile the lesson runs on: ``models`` itself, or for "auto" the demo's when it is
    all cached (:func:`demo_ready`), else the lesson's own."""
    if models not in CHOICES:
        raise PrecogError(f"--models must be one of {', '.join(CHOICES)}, got {models!r}")
    if models != "auto":
        return models
    return "demo" if demo_ready() else LESSON


def prepare(profile: Profile | str, progress: bool = True) -> None:
    """Make (or find in the cache) what the lesson reads: the models, their scores and the
    fine-tuned predictions of ``profile``."""
    pipeline.scores(profile, progress=progress)
    pipeline.predictions(profile, progress=progress)


def run(models: str = "auto", out: Path | None = None, progress: bool = True) -> dict:
    """Execute the lesson into ``out`` (default build/lesson/): ``precog_explained.ipynb``,
    its ``.html`` and its figures in ``out/figures``. Returns {"profile", "notebook", "html",
    "seconds": {"models": ..., "notebook": ..., "total": ...}}."""
    from precog.compendium.reproduce import publish, run_notebook, to_html
    from precog.progress import say

    start = time.perf_counter()
    name = choose(models)
    out = Path(out) if out is not None else paths.BUILD / "lesson"
    out.mkdir(parents=True, exist_ok=True)
    say(f"the lesson on the {name} profile's models ({'cached' if name == 'demo' else 'made in seconds, then cached'})")
    prepare(name, progress)
    made = time.perf_counter()
    say(f"executing notebooks/{NOTEBOOK}.ipynb into {out}")
    executed = run_notebook(NOTEBOOK, name, out, extra={"figures": str(out / "figures")})
    publish(executed, executed)
    to_html(executed, out / f"{NOTEBOOK}.html")
    end = time.perf_counter()
    return {"profile": name, "notebook": executed, "html": out / f"{NOTEBOOK}.html",
            "seconds": {"models": round(made - start, 1), "notebook": round(end - made, 1), "total": round(end - start, 1)}}


def runtime(profile: Profile | str | None = None) -> str:
    """One sentence of how long ``precog lesson`` took, from benchmarks/results/lesson.json, and
    which models this copy of the notebook ran on (``profile``)."""
    if not TIMING.is_file():
        return "How long `precog lesson` takes has not been measured on this checkout (benchmarks/lesson_time.py)."
    t = json.loads(TIMING.read_text())
    ran = "" if profile is None else f"This copy ran on the {load_profile(profile).name} profile's models. "
    return ran + (f"`precog lesson` took {t['empty_cache']['total']:.0f} s from an empty cache ({t['empty_cache']['models']:.0f} s "
            f"to train and fine-tune the lesson's models, {t['empty_cache']['notebook']:.0f} s to run this notebook) and "
            f"{t['cached']['total']:.0f} s once cached, on {t['machine']} (benchmarks/results/lesson.json). On the demo's "
            "models, after `make reproduce`, it takes about as long as the notebook alone.")


# ---------------------------------------------------------------- the examples and the models
def examples(profile: Profile | str) -> pd.DataFrame:
    """The examples the lesson walks through, one row each (index: "seen", "never"; columns task,
    id, text, arm, dose, model: the study model that saw it, or "-"). The rule is fixed in
    advance, not chosen by result: of the first task, the text-arm example of the top dose
    with the largest id among those the first study model saw, and the never-injected example
    with the smallest id. A hub profile has no study: its first evaluation example."""
    profile = load_profile(profile)
    task = profile.tasks[0]
    frame = pipeline.eval_frame(profile, task).set_index("id")
    field = _text_field(task)
    if not profile.controlled:
        i = int(frame.index[0])
        return pd.DataFrame([{"task": task, "id": i, "text": frame.loc[i, field], "arm": "-", "dose": 0, "model": "-"}],
                            index=pd.Index(["first example"]))
    members = pipeline.manifest(profile)
    members = members[members["task"] == task]
    seen = _seen_by(members, pipeline.pretrained_names(profile)[0])
    never = members[members["arm"] == "never"].sort_values("id").iloc[0]
    rows = [{"task": task, "id": int(r["id"]), "text": frame.loc[int(r["id"]), field], "arm": r["arm"],
             "dose": int(r["dose"]), "model": str(r["model"])} for r in (seen, never)]
    return pd.DataFrame(rows, index=pd.Index(["seen", "never"]))


def _seen_by(members: pd.DataFrame, model: str) -> pd.Series:
    """The lesson's rule for "a sentence ``model`` saw": of one task's manifest rows, the text-arm
    example at the top dose with the largest id among those ``model`` was given."""
    top = members["dose"].max()
    return members[(members["arm"] == "text") & (members["model"] == model) & (members["dose"] == top)].sort_values("id").iloc[-1]


def another_seen(profile: Profile | str) -> pd.Series:
    """Exercise 1's sentence: by the same rule as :func:`examples`, the one the *second* study model saw."""
    profile = load_profile(profile)
    task = profile.tasks[0]
    members = pipeline.manifest(profile)
    row = _seen_by(members[members["task"] == task], pipeline.pretrained_names(profile)[1])
    text = pipeline.eval_frame(profile, task).set_index("id").loc[int(row["id"]), _text_field(task)]
    return pd.Series({"task": task, "id": int(row["id"]), "text": text, "model": str(row["model"]), "dose": int(row["dose"])})


def _text_field(task: str) -> str:
    from precog.data.tasks import get_task

    return get_task(task).text_fields[0]


def masked_lms(profile: Profile | str) -> dict[str, tuple]:
    """Every pre-trained model of ``profile`` loaded once: name -> (model, tokenizer)."""
    import precog

    folders = pipeline.models(profile, cached_only=True)
    return {name: precog.load_masked_lm(folders[name]) for name in pipeline.pretrained_names(profile)}


# ---------------------------------------------------------------- the crossover
def crossover(text: str, lms: dict[str, tuple], seen_by: str, k: tuple[int, ...]) -> pd.DataFrame:
    """One text scored under every model: one row per model (index: model) with columns
    ``saw it`` (bool: the model that had the text in its corpus) and precog@k for each k."""
    import precog

    rows = {name: precog.score([text], lm, k=k, progress=False).iloc[0] for name, lm in lms.items()}
    table = pd.DataFrame({name: {"saw it": name == seen_by, **{f"precog@{x}": float(r[f"precog@{x}"]) for x in k}}
                          for name, r in rows.items()}).T
    table.index.name = "model"
    return table.astype({"saw it": bool, **{f"precog@{x}": float for x in k}})


def gain(table: pd.DataFrame, k: int = 1) -> float:
    """Memorization gain of one text from :func:`crossover`'s table: PreCog@k under the model that
    saw it minus the mean over the models that did not."""
    seen = table["saw it"].astype(bool)
    return float(table.loc[seen, f"precog@{k}"].mean() - table.loc[~seen, f"precog@{k}"].mean())


def paired_gains(scored: pd.DataFrame, k: int = 1) -> pd.DataFrame:
    """The crossover over every injected example: one row per (task, id) with arm, dose, seen
    (PreCog@k under the model that saw it), unseen (mean over the K − 1 that did not: one
    number per example, so the example is the unit) and gain = seen − unseen.

    Args:
        scored: one row per (task, id, model) with precog@k, arm and seen
            (:func:`precog.compendium.frames.with_membership` of the scores).
    """
    injected = scored[scored["arm"] != "never"]
    keys = ["task", "id", "arm", "dose"]
    col = f"precog@{k}"
    seen = injected[injected["seen"]].groupby(keys)[col].mean().rename("seen")
    unseen = injected[~injected["seen"]].groupby(keys)[col].mean().rename("unseen")
    out = pd.concat([seen, unseen], axis=1).reset_index()
    out["gain"] = out["seen"] - out["unseen"]
    return out


def gain_summary(paired: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Mean seen, unseen and gain per arm and dose, with 95% bootstrap CIs over examples (one
    row per arm, dose, measure: columns n, mean, ci_low, ci_high)."""
    from precog.stats.association import mean_by_group

    long = paired.melt(id_vars=["task", "id", "arm", "dose"], value_vars=["seen", "unseen", "gain"], var_name="measure")
    return mean_by_group(long, "value", ["arm", "dose", "measure"], seed=seed)


def verdicts(records: pd.DataFrame, example: pd.Series) -> pd.DataFrame:
    """Each fine-tuned pre-trained model's verdict on one example: one row per model with
    ``saw it`` and ``right`` (share of its fine-tuning seeds that classified it right)."""
    mine = records[(records["task"] == example["task"]) & (records["id"] == example["id"])
                   & (records["model"] != pipeline.RANDOM)]
    out = mine.groupby("model")["correct"].mean().rename("right").to_frame()
    out.insert(0, "saw it", out.index == example["model"])
    return out


# ---------------------------------------------------------------- what is scored
def scored_units(text: str, lm: tuple, max_length: int | None = None) -> dict:
    """What PreCog scores of ``text``: {"tokens": WordPieces kept, "special": [CLS]/[SEP]
    (never scored), "unk": [UNK] tokens (never scored), "scored": the rest, "cut": the
    WordPieces lost to truncation at the model's maximum length}."""
    _, tokenizer = lm
    limit = max_length or min(512, lm[0].config.max_position_embeddings)
    full = tokenizer(text, truncation=False)["input_ids"]
    kept = tokenizer(text, truncation=True, max_length=limit)["input_ids"]
    special = sum(i in tokenizer.all_special_ids for i in kept)
    unk = sum(i == tokenizer.unk_token_id for i in kept)
    cut = tokenizer.convert_ids_to_tokens(full[len(kept) - 1:-1]) if len(full) > len(kept) else []
    return {"tokens": len(kept), "special": special - unk, "unk": unk, "scored": len(kept) - special, "cut": cut}


def k_in_vocabulary(k: tuple[int, ...], vocab: int, bert_vocab: int = 30522) -> str:
    """How selective each k is: the share of the vocabulary the top k are, here and in bert-base's."""
    return "; ".join(f"@{x} is the top {100 * x / vocab:.2g}% of this model's {vocab:,} WordPieces and the top "
                     f"{100 * x / bert_vocab:.2g}% of bert-base-uncased's {bert_vocab:,}" for x in k)


# ---------------------------------------------------------------- the study's answer
def study_found(figures: Path | None = None) -> str:
    """What the controlled study found, as README says it: rendered from the committed demo results
    (figures/study_effects_pooled.json and tab0_baselines.json)."""
    from precog.compendium import answer
    from precog.compendium.report import weak_classifier

    figures = Path(figures) if figures is not None else paths.FIGURES
    load = lambda name: json.loads((figures / name).read_text())  # noqa: E731
    pooled = load("study_effects_pooled.json")
    return "\n\n".join(p for p in (answer.confirmatory_text(pooled), answer.control_sentence(pooled),
                                   answer.verdict_on_paper(pooled), weak_classifier(load("tab0_baselines.json"))) if p)


# ---------------------------------------------------------------- bins, variants, curves
def bins_by_status(study: pd.DataFrame, score: str) -> pd.DataFrame:
    """Accuracy per bin of ``score`` for the text-arm examples under the model that saw them and,
    averaged per example, under those that did not (one block each, column ``examples``; from
    :attr:`precog.compendium.frames.Run.study`). Bins as :func:`precog.stats.analysis.accuracy_by_bin`."""
    from precog.stats.analysis import accuracy_by_bin

    text = study[study["arm"] == "text"]  # the positive control's label word would help the seen row by design
    seen = text[text["seen"]][["task", "id", "correct", score]]
    unseen = text[~text["seen"]].groupby(["task", "id"], as_index=False)[["correct", score]].mean()
    blocks = [accuracy_by_bin(frame, score)[1].assign(examples=name)
              for name, frame in (("b: text arm, seen", seen), ("b: text arm, unseen", unseen))]
    return pd.concat(blocks, ignore_index=True)


def chance_gains(scored: pd.DataFrame, model: str, k: int = 1) -> pd.Series:
    """The "gain" of ``model`` over the others on the never-injected examples, which no study model
    saw: PreCog@k under ``model`` minus the mean under the others, one value per (task, id). Its
    spread is how much the models differ on a text by chance (Exercise 2's yardstick)."""
    never = scored[scored["arm"] == "never"]
    col = f"precog@{k}"
    mine = never[never["model"] == model].groupby(["task", "id"])[col].mean()
    others = never[never["model"] != model].groupby(["task", "id"])[col].mean()
    return (mine - others).dropna().rename("chance gain")


def variants(text: str, own: str, paraphrase: str | None = None, seed: int = 0) -> dict[str, str]:
    """Exercise 2's texts: the sentence verbatim, its words in a seeded random order (same bag of
    words, another sequence), the reader's paraphrase (if any) and the reader's own sentence."""
    words = text.split()
    order = np.random.default_rng(seed).permutation(len(words))
    out = {"verbatim": text, "same words, shuffled": " ".join(words[i] for i in order)}
    if paraphrase:
        out["your paraphrase"] = paraphrase
    out["your own sentence"] = own
    return out


def recovery_curve(ranks, ks: np.ndarray) -> np.ndarray:
    """PreCog@k for every k in ``ks`` from one text's ranks: (len(ks),) shares in [0, 1]."""
    ranks = np.asarray(ranks)
    return (ranks[None, :] <= np.asarray(ks)[:, None]).mean(axis=1)


def try_it(lm: tuple, views: dict[str, tuple], details: dict[str, pd.DataFrame]) -> None:
    """Section 10: a text box and a picker whose tokens are coloured by rank under ``lm`` (live in
    JupyterLab), then the same view of every walked-through text as static HTML (what a page
    without a kernel shows: papermill, nbval, GitHub)."""
    import ipywidgets as widgets
    from IPython.display import HTML, display

    import precog
    from precog.compendium.present import token_html, widget_bundle

    def view_of(sentence: str) -> str:
        d = precog.explain(sentence, lm, top=3)
        return token_html(list(d["token"]), list(d["rank"]), list(d["top"]))

    first = next(iter(views.values()))[0]
    box = widgets.Text(value=first, description="sentence", layout=widgets.Layout(width="90%"))
    pick = widgets.Dropdown(options=[(name, text) for name, (text, _) in views.items()], description="example")
    view = widgets.HTML(view_of(box.value))
    box.observe(lambda change: setattr(view, "value", view_of(change["new"])), names="value")
    pick.observe(lambda change: setattr(box, "value", change["new"]), names="value")
    display(widget_bundle(widgets.VBox([pick, box, view]),
                          "interactive view: run this notebook in JupyterLab to use it; a static copy follows"), raw=True)
    for name, d in details.items():
        display(HTML(f"<p><b>{name}</b></p>" + token_html(list(d["token"]), list(d["rank"]), list(d["top"]))))
