"""``precog reproduce``: run the notebooks in dependency order with papermill.

Convention: the **demo** profile's executed notebooks are written back over
``notebooks/<name>.ipynb``, so a reader browsing the repository sees every table and
figure next to the code that made it; other profiles write theirs to
``build/<profile>/<name>.ipynb``. Executed copies are cleaned to be byte-stable (no
timestamps, durations, widget state or absolute paths); wall-clock durations go to
``build/<profile>/timings.json``. Every run also leaves ``build/<profile>/<name>.ipynb``
(the raw executed copy, with any traceback) and an ``index.html``.

A notebook is skipped when its stamp is unchanged: the digest of its source cells, the
profile file, the package code (:func:`precog.cache.code_digest`) and the stamps of the
pipeline notebooks it depends on. The expensive steps are cached by the package anyway.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import logging
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from precog import cache, paths
from precog.compendium.profiles import Profile, load_profile
from precog.errors import PrecogError
from precog.progress import ENV as PROGRESS_ENV

log = logging.getLogger("precog")

PIPELINE = ["00_pretrain_demo_model", "01_score", "02_finetune"]
ARTIFACTS = [
    "tab0_baselines",
    "fig5_study_effects",
    "fig6_gain_by_memorization",
    "fig1_accuracy_by_precog",
    "tab1_accuracy_by_bin",
    "fig2_membership_auc",
    "tab2_correlations",
    "fig3_datamap_by_precog",
    "fig4_calibration_by_bin",
    "precog_explained",
]
ORDER = PIPELINE + ARTIFACTS
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def source_digest(notebook: Path) -> str:
    """Digest of a notebook's cell types and sources (outputs and metadata ignored)."""
    nb = json.loads(notebook.read_text())
    cells = [[c["cell_type"], "".join(c["source"])] for c in nb["cells"]]
    return hashlib.sha256(json.dumps(cells).encode()).hexdigest()


POOLS = {"fig6_gain_by_memorization"}  # notebooks that read the committed replicates (figures/replicate<N>/)


def replicates_digest(profile: Profile) -> str:
    """Digest of the profile's committed replicate files (names and bytes)."""
    from precog.compendium.profiles import figures_dir

    figures = figures_dir(profile)
    files = sorted(f for f in figures.glob("replicate*/*") if f.is_file())
    return hashlib.sha256(json.dumps([[str(f.relative_to(figures)), cache.sha256_file(f)] for f in files]).encode()).hexdigest()


def stamp(name: str, profile: Profile, upstream: dict[str, str]) -> str:
    """What a notebook's result depends on: its source cells, the profile, the package code,
    the stamps of the pipeline notebooks before it and, for a notebook that pools runs, the
    committed replicates."""
    parts = {
        "notebook": source_digest(paths.NOTEBOOKS / f"{name}.ipynb"),
        "profile": hashlib.sha256((paths.PARAMS / f"{profile.name}.yaml").read_bytes()).hexdigest(),
        "code": cache.code_digest(*cache.package_modules()),
        "upstream": {k: upstream[k] for k in sorted(upstream)},
    }
    if name in POOLS:
        parts["replicates"] = replicates_digest(profile)
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def clean(nb, replacements: dict[str, str]) -> None:
    """Make an executed notebook byte-stable, in place: drop papermill/execution metadata,
    widget state and execution counts' run-to-run noise; join consecutive prints into one
    output; replace machine paths."""
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if "outputs" in cell:
            cell.outputs = merge_streams(cell.outputs)
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            data.pop(WIDGET_MIME, None)
            for key, value in list(data.items()):
                if isinstance(value, str) and key.startswith("text/"):
                    data[key] = _replace(value, replacements)
            if "text" in out:
                out["text"] = _replace(out["text"], replacements)


def merge_streams(outputs: list) -> list:
    """Consecutive stream outputs of one name (stdout, stderr) as one: how the kernel cuts
    a cell's prints into messages depends on timing (a fresh clone once split one print
    into two outputs), so the cut must not reach the committed notebook."""
    merged = []
    for out in outputs:
        last = merged[-1] if merged else None
        if last is not None and out.get("output_type") == last.get("output_type") == "stream" \
                and out.get("name") == last.get("name"):
            last["text"] = "".join(last["text"]) + "".join(out["text"])
        else:
            merged.append(out)
    return merged


def _replace(text: str, replacements: dict[str, str]) -> str:
    for old, new in replacements.items():
        text = text.replace(old, new)
    return text


def strip_outputs(nb) -> None:
    """Remove every output and execution count (the source as it is before running)."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None


@contextlib.contextmanager
def echo(path: Path, interval: float = 1.0):
    """Copy what kernels append to ``path`` (progress bars, 'run i of n') to this process's
    stderr while the block runs."""
    stop = threading.Event()

    def follow():
        with open(path) as fh:
            fh.seek(0, os.SEEK_END)
            while True:
                chunk = fh.read()
                if chunk:
                    sys.stderr.write(chunk)
                    sys.stderr.flush()
                if stop.is_set() and not chunk:
                    return
                stop.wait(interval)

    thread = threading.Thread(target=follow, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def prepare(profile: str, out: Path) -> list[Path]:
    """Copies of every notebook, outputs stripped, with ``profile`` injected (not executed): for nbval."""
    import nbformat
    import papermill as pm

    load_profile(profile)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in ORDER:
        nb = nbformat.read(paths.NOTEBOOKS / f"{name}.ipynb", as_version=4)
        strip_outputs(nb)
        target = out / f"{name}.ipynb"
        nbformat.write(nb, target)
        pm.execute_notebook(target, target, parameters={"profile": profile}, prepare_only=True,
                            kernel_name="python3", progress_bar=False)
        written.append(target)
    return written


def run_notebook(name: str, profile: str, build: Path, extra: dict | None = None) -> Path:
    """Execute one notebook into ``build/<name>.ipynb`` (``extra``: parameters besides the profile);
    a failure is one PrecogError line naming the notebook, the error and the copy with the traceback."""
    import nbformat
    import papermill as pm
    from jupyter_client.manager import KernelManager
    from papermill.exceptions import PapermillExecutionError

    source = nbformat.read(paths.NOTEBOOKS / f"{name}.ipynb", as_version=4)
    strip_outputs(source)
    target = build / f"{name}.ipynb"
    parameters = ({} if profile == "demo" else {"profile": profile}) | (extra or {})
    try:
        with tempfile.TemporaryDirectory() as sockets:  # IPC transport: no TCP port, no "unencrypted" warning
            km = KernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(sockets, "kernel"))
            try:
                pm.execute_notebook(source, target, parameters=parameters, kernel_name="python3", km=km,
                                    cwd=str(paths.NOTEBOOKS), progress_bar=False, log_output=False)
            finally:
                if km.has_kernel:
                    km.shutdown_kernel(now=True)
    except PapermillExecutionError as err:
        where = target.relative_to(paths.ROOT) if target.is_relative_to(paths.ROOT) else target
        raise PrecogError(f"notebook {name} failed: {err.ename}: {err.evalue.splitlines()[0] if err.evalue else ''} "
                          f"(traceback in {where})") from None
    return target


def publish(executed: Path, destination: Path) -> None:
    """Write the cleaned executed notebook to ``destination``."""
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    clean(nb, {str(paths.CACHE): "<cache>", str(paths.ROOT): "<repo>", str(Path.home()): "~"})
    nbformat.write(nb, destination)


def reproduce(profile: str | Profile = "demo", force: bool = False, jobs: int = 2) -> Path:
    """Execute every notebook for ``profile``; return the build folder (with index.html).

    The profile is loaded once, here, and travels as an object (the notebooks' kernels get
    its name, their papermill parameter). The pipeline notebooks run in order; the artifact
    notebooks, which only read the cache and each write their own files, run ``jobs`` at a
    time (each in its own kernel)."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    given, profile = profile, load_profile(profile)
    if isinstance(given, Profile) and given != load_profile(given.name):
        raise PrecogError(f"reproduce runs a profile as its file says (notebooks/params/{given.name}.yaml): the "
                          "notebooks' kernels load it by name; edit the file instead of passing a changed Profile")
    build = paths.BUILD / profile.name
    ran: list[str] = []
    build.mkdir(parents=True, exist_ok=True)
    stamps_file = build / "stamps.json"
    old = json.loads(stamps_file.read_text()) if stamps_file.is_file() else {}
    timings_file = build / "timings.json"
    timings = json.loads(timings_file.read_text()) if timings_file.is_file() else {}
    new: dict[str, str] = {}
    progress_log = build / "progress.log"
    progress_log.write_text("")
    os.environ[PROGRESS_ENV] = str(progress_log)  # kernels inherit it; echo() copies it to this terminal
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")

    def due(i: int, name: str) -> bool:
        new[name] = stamp(name, profile, {k: new[k] for k in PIPELINE if k in new})
        if not force and old.get(name) == new[name] and (build / f"{name}.ipynb").is_file():
            log.info("[%d/%d] %s: up to date, skipped", i, len(ORDER), name)
            return False
        return True

    def run(i: int, name: str) -> tuple[int, str, float]:
        log.info("[%d/%d] %s: running", i, len(ORDER), name)
        start = time.perf_counter()
        executed = run_notebook(name, profile.name, build)
        published = paths.NOTEBOOKS / f"{name}.ipynb" if profile.name == "demo" else build / f"{name}.ipynb"
        publish(executed, published)
        to_html(published, build / f"{name}.html")
        return i, name, time.perf_counter() - start

    def done(i: int, name: str, seconds: float) -> None:
        ran.append(name)
        timings[name], old[name] = round(seconds, 1), new[name]
        log.info("[%d/%d] %s: done in %.0f s", i, len(ORDER), name, seconds)
        stamps_file.write_text(json.dumps(old, indent=1, sort_keys=True) + "\n")
        timings_file.write_text(json.dumps(timings, indent=1, sort_keys=True) + "\n")

    with echo(progress_log):
        for i, name in enumerate(PIPELINE, 1):
            if due(i, name):
                done(*run(i, name))
        todo = [(i, name) for i, name in enumerate(ARTIFACTS, len(PIPELINE) + 1) if due(i, name)]
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            for future in as_completed([pool.submit(run, i, name) for i, name in todo]):
                done(*future.result())
    write_index(build, profile, timings)
    if profile.name == "demo":  # README's and docs/study.md's results follow the demo's figures
        from precog.compendium.documents import update_documents

        for name in update_documents(paths.ROOT, paths.FIGURES):
            log.info(f"{name}: rendered section rewritten from figures/")
    from precog.compendium.profiles import figures_dir
    from precog.compendium.verify import write_checksums

    if ran or not (figures_dir(profile) / "checksums.json").is_file():  # nothing ran: the record stays as it was
        write_checksums(figures_dir(profile))  # last: `precog verify` checks every file against it
    return build


def to_html(notebook: Path, target: Path) -> None:
    """An executed notebook as one HTML page (nbconvert)."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_filename(str(notebook))
    target.write_text(body)


FIGURE_OF = {"pretrain_demo_model": "00_pretrain_demo_model", "study_design": "00_pretrain_demo_model",
             "finetune_accuracy": "02_finetune", "precog_explained_crossover": "precog_explained"}  # else same name
INTRO = (
    "<p>PreCog (Ranaldi, Ruzzetti &amp; Zanzotto, RANLP 2023) asks whether BERT classifies better the examples it "
    "memorized in pre-training. PreCog@k scores an example by masking its tokens one at a time and counting the "
    "share whose true id the pre-trained masked LM ranks within its top k guesses; the fine-tuned model's accuracy "
    "is then read by PreCog bin.</p>"
    "<p>The demo and smoke profiles pre-train their own small BERTs on Wikipedia, news and review text with a known, dosed set of "
    "downstream examples injected, so that memorization is known rather than inferred: each injected example is "
    "seen by one model and unseen by the others. The paper profile runs bert-base-uncased on GLUE from the hub. "
    "Which parts are our reconstruction of the paper is stated in docs/scoring.md.</p>"
)


def _caption(notebook: Path) -> str:
    """The title of a notebook: its first markdown line, without the leading '#'."""
    nb = json.loads(notebook.read_text())
    first = next("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    return first.splitlines()[0].lstrip("# ").strip()


def _headline(figs: Path) -> str:
    """The compendium's answer in sentences, generated from figures/ (empty without the study):
    the pooled answer when it exists, else the main run's."""
    import re

    from precog.compendium import present

    pooled, fig6, effects = (figs / f"{n}.json" for n in ("study_effects_pooled", "fig6_gain_by_memorization", "study_effects"))
    if pooled.is_file() and fig6.is_file():
        texts = present.gains(json.loads(pooled.read_text()))
        link = "<a href='fig6_gain_by_memorization.html'>Figure 6</a>"
    elif effects.is_file():
        texts = [present.study(json.loads(effects.read_text()), [])]  # the answer, the control, transfer
        link = "<a href='fig5_study_effects.html'>Figure 5</a>"
    else:
        return ""
    body = "".join("<p>" + re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(t)) + "</p>" for t in texts)
    return f"<h2>The answer</h2>{body}<p>Details: {link}.</p>"


def _table(csv: Path) -> str:
    """A table of figures/ as its notebook shows it (rounded, intervals in brackets, none for
    bins under plotting.MIN_N), with the notebook's title as heading and a link to it."""
    import pandas as pd

    from precog.compendium import present
    from precog.compendium.plotting import MIN_N

    title = _caption(paths.NOTEBOOKS / f"{csv.stem}.ipynb")
    df = pd.read_csv(csv).drop(columns=["bin", "lo", "hi"], errors="ignore")
    value = "accuracy" if "accuracy" in df else "estimate"
    if {"ci_low", "ci_high", value} <= set(df.columns):
        df = present.with_ci(df, value, min_n=MIN_N if value == "accuracy" and "k" in df else None)
    if {"model", "task"} <= set(df.columns) and "k" not in df:  # Table 0: models x tasks, as in its notebook
        df = df.pivot(index="model", columns="task", values=f"{value} [95% CI]").reset_index()
    return (f"<h3>{html.escape(title)} — <a href='{csv.stem}.html'>notebook</a></h3>"
            + "<div class='scroll'>" + df.to_html(index=False, na_rep="–", border=0, classes="table") + "</div>")


def write_index(build: Path, profile: Profile, timings: dict[str, float]) -> Path:
    """build/<profile>/index.html, the landing page: title, introduction, the headline
    numbers (generated), every figure with its caption and a link to its notebook's HTML,
    the tables, links to every notebook and to README."""
    from precog.compendium.profiles import figures_dir

    figs = figures_dir(profile)
    rel = Path(os.path.relpath(figs, build))
    readme = Path(os.path.relpath(paths.ROOT / "README.md", build))
    items = "\n".join(  # no run times: the page is a function of the results alone (its screenshots' digest holds)
        f'<li><a href="{n}.html">{html.escape(_caption(paths.NOTEBOOKS / f"{n}.ipynb"))}</a></li>' for n in ORDER
    )
    figures = []
    place = {n: i for i, n in enumerate(ORDER)}
    for p in sorted(figs.glob("*.png"), key=lambda p: (place.get(FIGURE_OF.get(p.stem, p.stem), len(ORDER)), p.stem)):
        notebook = FIGURE_OF.get(p.stem, p.stem)
        caption = _caption(paths.NOTEBOOKS / f"{notebook}.ipynb") if (paths.NOTEBOOKS / f"{notebook}.ipynb").is_file() else p.stem
        figures.append(f'<figure><img src="{rel / p.name}" alt="{html.escape(caption, quote=True)}">'
                       f'<figcaption>{html.escape(caption)} — <a href="{notebook}.html">notebook</a></figcaption></figure>')
    tables = "".join(_table(c) for c in sorted(figs.glob("tab*.csv")))
    style = ("body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;line-height:1.5;"
             "overflow-wrap:anywhere}img{max-width:100%;height:auto}figure{margin:2em 0}"
             "figcaption{font-size:90%;color:#444}.scroll{overflow-x:auto;max-width:100%}"
             "table{border-collapse:collapse;font-size:85%;overflow-wrap:normal}"
             "td,th{padding:2px 8px;border-bottom:1px solid #ddd}")
    page = (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>PreCog — {profile.name} profile</title>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<style>{style}</style></head><body>"
        f"<h1>PreCog compendium — {profile.name} profile</h1>{INTRO}"
        f"<p>How to rerun, what each part means and where the numbers come from: <a href='{readme}'>README</a>.</p>"
        f"{_headline(figs)}<h2>Figures</h2>{''.join(figures)}<h2>Tables</h2>{tables}"
        f"<h2>Notebooks</h2><ol>{items}</ol></body></html>\n"
    )
    path = build / "index.html"
    path.write_text(page)
    return path
