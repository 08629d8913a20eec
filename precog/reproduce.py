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
from precog.errors import PrecogError
from precog.profiles import load_profile
from precog.progress import ENV as PROGRESS_ENV

log = logging.getLogger("precog")

PIPELINE = ["00_pretrain_demo_model", "01_score", "02_finetune"]
ARTIFACTS = [
    "tab0_baselines",
    "fig5_study_effects",
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


def stamp(name: str, profile: str, upstream: dict[str, str]) -> str:
    """What a notebook's result depends on: its source cells, the profile, the package code,
    and the stamps of the pipeline notebooks before it."""
    parts = {
        "notebook": source_digest(paths.NOTEBOOKS / f"{name}.ipynb"),
        "profile": hashlib.sha256((paths.PARAMS / f"{profile}.yaml").read_bytes()).hexdigest(),
        "code": cache.code_digest(*sorted(p.stem for p in paths.PACKAGE.glob("*.py"))),
        "upstream": {k: upstream[k] for k in sorted(upstream)},
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def clean(nb, replacements: dict[str, str]) -> None:
    """Make an executed notebook byte-stable, in place: drop papermill/execution metadata,
    widget state and execution counts' run-to-run noise; replace machine paths."""
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            data.pop(WIDGET_MIME, None)
            for key, value in list(data.items()):
                if isinstance(value, str) and key.startswith("text/"):
                    data[key] = _replace(value, replacements)
            if "text" in out:
                out["text"] = _replace(out["text"], replacements)


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


def run_notebook(name: str, profile: str, build: Path) -> Path:
    """Execute one notebook into ``build/<name>.ipynb``; a failure is one PrecogError line
    naming the notebook, the error and the executed copy holding the traceback."""
    import nbformat
    import papermill as pm
    from jupyter_client.manager import KernelManager
    from papermill.exceptions import PapermillExecutionError

    source = nbformat.read(paths.NOTEBOOKS / f"{name}.ipynb", as_version=4)
    strip_outputs(source)
    target = build / f"{name}.ipynb"
    parameters = {} if profile == "demo" else {"profile": profile}
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


def reproduce(profile: str = "demo", force: bool = False) -> Path:
    """Execute every notebook for ``profile``; return the build folder (with index.html)."""
    load_profile(profile)
    build = paths.BUILD / profile
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
    for i, name in enumerate(ORDER, 1):
        new[name] = stamp(name, profile, {k: new[k] for k in PIPELINE if k in new})
        published = paths.NOTEBOOKS / f"{name}.ipynb" if profile == "demo" else build / f"{name}.ipynb"
        if not force and old.get(name) == new[name] and (build / f"{name}.ipynb").is_file():
            log.info("[%d/%d] %s: up to date, skipped", i, len(ORDER), name)
            continue
        log.info("[%d/%d] %s: running", i, len(ORDER), name)
        start = time.perf_counter()
        with echo(progress_log):
            executed = run_notebook(name, profile, build)
        timings[name] = round(time.perf_counter() - start, 1)
        log.info("[%d/%d] %s: done in %.0f s", i, len(ORDER), name, timings[name])
        publish(executed, published)
        _to_html(published, build / f"{name}.html")
        old[name] = new[name]
        stamps_file.write_text(json.dumps(old, indent=1, sort_keys=True) + "\n")
        timings_file.write_text(json.dumps(timings, indent=1, sort_keys=True) + "\n")
    write_index(build, profile, timings)
    if profile == "demo":  # README's results section follows the demo's figures
        from precog.report import update_readme

        if update_readme(paths.ROOT / "README.md", paths.FIGURES):
            log.info("README.md: results section rewritten from figures/")
    return build


def _to_html(notebook: Path, target: Path) -> None:
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_filename(str(notebook))
    target.write_text(body)


def write_index(build: Path, profile: str, timings: dict[str, float]) -> Path:
    """build/<profile>/index.html: links to the executed notebooks and the figures."""
    from precog.pipeline import figures_dir

    figs = figures_dir(load_profile(profile))
    rel = Path(os.path.relpath(figs, build))
    items = "\n".join(
        f'<li><a href="{n}.html">{n}</a>' + (f" — ran in {timings[n]} s" if n in timings else "") + "</li>"
        for n in ORDER
    )
    images = "\n".join(
        f'<figure><img src="{rel / p.name}" width="720"><figcaption>{html.escape(p.stem)}</figcaption></figure>'
        for p in sorted(figs.glob("*.png"))
    )
    page = (
        f"<!doctype html><meta charset='utf-8'><title>PreCog — {profile} profile</title>"
        f"<h1>PreCog compendium — {profile} profile</h1><h2>Notebooks</h2><ol>{items}</ol><h2>Figures</h2>{images}\n"
    )
    path = build / "index.html"
    path.write_text(page)
    return path
