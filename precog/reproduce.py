"""``precog reproduce``: run the notebooks in dependency order with papermill.

Executed notebooks go to ``build/<profile>/``, with an HTML copy of each and an
``index.html`` linking them and the figures. A notebook is skipped when its executed
copy is newer than its inputs: the notebook itself, the profile file, the package source
and the notebooks it depends on (the expensive steps are cached by the package anyway).
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import os
import time
from pathlib import Path

from precog import paths
from precog.profiles import load_profile

log = logging.getLogger("precog")

PIPELINE = ["00_pretrain_demo_model", "01_score", "02_finetune"]
ARTIFACTS = [
    "fig1_accuracy_by_precog",
    "tab1_accuracy_by_bin",
    "fig2_membership_auc",
    "tab2_correlations",
    "fig3_datamap_by_precog",
    "fig4_calibration_by_bin",
    "precog_explained",
]
ORDER = PIPELINE + ARTIFACTS
# Steps that run for minutes without printing (their progress bars stay inside the kernel).
SLOW = {
    ("00_pretrain_demo_model", "demo"): ", ~15 min on 2 CPU cores the first time",
    ("02_finetune", "demo"): ", a few minutes the first time",
}


def _digest(files: list[Path], extra: str = "") -> str:
    h = hashlib.sha256(extra.encode())
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def stamp(name: str, profile: str, upstream: dict[str, str]) -> str:
    """What a notebook's result depends on: its source, the profile, the package, upstream stamps."""
    sources = sorted((paths.ROOT / "precog").glob("*.py"))
    deps = "" if name in PIPELINE[:1] else json.dumps({k: upstream[k] for k in sorted(upstream)})
    return _digest([paths.NOTEBOOKS / f"{name}.ipynb", paths.PARAMS / f"{profile}.yaml", *sources], deps)


def prepare(profile: str, out: Path) -> list[Path]:
    """Copies of every notebook with the profile's parameters injected (not executed): for nbval."""
    import papermill as pm

    out.mkdir(parents=True, exist_ok=True)
    params = load_profile(profile)
    written = []
    for name in ORDER:
        target = out / f"{name}.ipynb"
        pm.execute_notebook(
            paths.NOTEBOOKS / f"{name}.ipynb",
            target,
            parameters=params,
            prepare_only=True,
            kernel_name="python3",
            progress_bar=False,
        )
        written.append(target)
    return written


def reproduce(profile: str = "demo", force: bool = False) -> Path:
    """Execute every notebook for ``profile``; return the build folder (with index.html)."""
    import papermill as pm

    params = load_profile(profile)
    build = paths.BUILD / profile
    build.mkdir(parents=True, exist_ok=True)
    stamps_file = build / "stamps.json"
    old = json.loads(stamps_file.read_text()) if stamps_file.is_file() else {}
    new: dict[str, str] = {}
    timings: dict[str, float] = {}
    for i, name in enumerate(ORDER, 1):
        new[name] = stamp(name, profile, {k: new[k] for k in PIPELINE if k in new})
        target = build / f"{name}.ipynb"
        if not force and target.is_file() and old.get(name) == new[name]:
            log.info("[%d/%d] %s: up to date, skipped", i, len(ORDER), name)
            continue
        log.info(
            "[%d/%d] %s: running%s (executed copy: %s)",
            i,
            len(ORDER),
            name,
            SLOW.get((name, profile), ""),
            target.relative_to(paths.ROOT),
        )
        start = time.perf_counter()
        pm.execute_notebook(
            paths.NOTEBOOKS / f"{name}.ipynb",
            target,
            parameters=params,
            kernel_name="python3",
            cwd=str(paths.NOTEBOOKS),
            progress_bar=False,
            log_output=False,
        )
        timings[name] = round(time.perf_counter() - start, 1)
        log.info("[%d/%d] %s: done in %.0f s", i, len(ORDER), name, timings[name])
        _to_html(target)
        old[name] = new[name]
        stamps_file.write_text(json.dumps(old, indent=1, sort_keys=True) + "\n")
    write_index(build, profile, timings)
    return build


def _to_html(notebook: Path) -> None:
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_filename(str(notebook))
    notebook.with_suffix(".html").write_text(body)


def write_index(build: Path, profile: str, timings: dict[str, float]) -> Path:
    """build/<profile>/index.html: links to the executed notebooks and the figures."""
    from precog.pipeline import figures_dir

    figs = figures_dir(load_profile(profile))
    rel = Path(os.path.relpath(figs, build))
    items = "\n".join(
        f'<li><a href="{n}.html">{n}</a> (<a href="{n}.ipynb">ipynb</a>)'
        + (f" — ran in {timings[n]} s" if n in timings else "")
        + "</li>"
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
