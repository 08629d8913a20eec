"""``precog verify``: are the committed results intact, and does what is derived from them follow?

In seconds and without training, four checks of a profile's figures folder (``figures/`` for
the demo):

1. **Every file** against ``checksums.json``, which ``make reproduce`` writes last (sha256 of
   every file under the folder): a file missing, edited, truncated or not recorded is named.
2. **Every run** (the main run and each ``replicate<N>/``): its ``study_effects.json`` reads,
   and its ``study_rows.csv`` has the row count and sha256 that the JSON recorded when the run
   was written (:func:`precog.compendium.replication.read_run`, the same check pooling makes).
3. **The pooled answer**, recomputed from the committed run files, equals the committed
   ``study_effects_pooled.json``.
4. **README's and docs/study.md's rendered sections** equal what the committed JSON files render.

Each problem is one line naming the file and the fix; the command exits 1 if there is any.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from precog import cache, paths
from precog.errors import PrecogError

CHECKSUMS = "checksums.json"
FIX_REPRODUCE = "rerun `make reproduce` (or restore the file: `git checkout -- figures/`)"


OTHER_PROFILES = ("paper",)  # figures/paper/ is the paper profile's folder, not the demo's results


def file_checksums(figures: Path) -> dict[str, str]:
    """sha256 of every file under ``figures`` but its checksums.json (and other profiles' folders
    inside it), by path relative to it (sorted)."""
    out = {}
    for f in sorted(p for p in figures.rglob("*") if p.is_file()):
        rel = f.relative_to(figures)
        if str(rel) != CHECKSUMS and rel.parts[0] not in OTHER_PROFILES:
            out[str(rel)] = cache.sha256_file(f)
    return out


def write_checksums(figures: Path) -> Path:
    """Record every file of ``figures`` in ``figures/checksums.json`` (the last step of ``make reproduce``)."""
    out = figures / CHECKSUMS
    out.write_text(json.dumps({"sha256": file_checksums(figures)}, indent=1, sort_keys=True) + "\n")
    return out


def check_files(figures: Path) -> list[str]:
    """Problems of check 1: files missing, changed or unrecorded against checksums.json."""
    shown = _shown(figures)
    record = figures / CHECKSUMS
    try:
        recorded = json.loads(record.read_text())["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return [f"{shown}/{CHECKSUMS} is missing or corrupt; {FIX_REPRODUCE}"]
    found = file_checksums(figures)
    problems = [f"{shown}/{name} is missing; {FIX_REPRODUCE}" for name in sorted(set(recorded) - set(found))]
    problems += [f"{shown}/{name} differs from its recorded sha256 (edited or truncated); {FIX_REPRODUCE}"
                 for name in sorted(set(found) & set(recorded)) if found[name] != recorded[name]]
    problems += [f"{shown}/{name} is not in {CHECKSUMS} (not made by `make reproduce`); remove it or rerun "
                 "`make reproduce`" for name in sorted(set(found) - set(recorded))]
    return problems


def check_runs(figures: Path) -> tuple[list[str], tuple | None, list]:
    """Problems of check 2, and the runs read (main, replicates) when all of them are intact."""
    from precog.compendium import replication

    problems, replicates = [], []
    try:
        main = replication.read_run(figures)
    except PrecogError as err:
        problems.append(str(err))
        main = None
    for folder in replication.replicate_folders(figures):
        try:
            replicates.append(replication.read_replicate(folder))
        except PrecogError as err:
            problems.append(str(err))
    return problems, main, replicates


def differences(committed, recomputed, where: str = "", tolerance: float = 1.5e-6) -> list[str]:
    """Where two JSON values differ (numbers within ``tolerance``; NaN is null): dotted paths."""
    if isinstance(committed, dict) and isinstance(recomputed, dict):
        out = []
        for key in sorted(set(committed) | set(recomputed)):
            if key not in committed or key not in recomputed:
                out.append(f"{where}.{key}".lstrip("."))
            else:
                out += differences(committed[key], recomputed[key], f"{where}.{key}", tolerance)
        return out
    if isinstance(committed, list) and isinstance(recomputed, list):
        if len(committed) != len(recomputed):
            return [where.lstrip(".") or "."]
        return [d for i, (a, b) in enumerate(zip(committed, recomputed, strict=True))
                for d in differences(a, b, f"{where}.{i}", tolerance)]
    numbers = (int, float)
    if isinstance(committed, numbers) and isinstance(recomputed, numbers) and not isinstance(committed, bool):
        same = math.isclose(committed, recomputed, rel_tol=0, abs_tol=tolerance)
        return [] if same else [where.lstrip(".")]
    return [] if committed == recomputed else [where.lstrip(".")]


def check_pooled(figures: Path, main: tuple, replicates: list) -> list[str]:
    """Problems of check 3: the committed pooled answer against the one recomputed from the run files."""
    from precog.compendium import plotting, replication

    name = figures / f"{replication.POOLED}.json"
    try:
        committed = json.loads(name.read_text())
    except (OSError, ValueError):
        return [f"{_shown(name)} is missing or corrupt; {FIX_REPRODUCE}"]
    rows, runs, left = replication.gather(main, replicates)
    recomputed = plotting.rounded(replication.pooled_effects(rows, runs, left, int(main[0]["top_dose"])))
    diff = differences(committed, json.loads(json.dumps(recomputed)))
    if diff:
        return [f"{_shown(name)} does not follow from the committed runs (differs at {', '.join(diff[:3])}"
                f"{' and more' if len(diff) > 3 else ''}: stale); {FIX_REPRODUCE}"]
    return []


def check_documents(root: Path, figures: Path) -> list[str]:
    """Problems of check 4: README's and docs/study.md's rendered sections against the committed JSON files."""
    from precog.compendium.documents import BLOCKS

    problems = []
    for name, (document, begin, end, make) in BLOCKS.items():
        text = (root / document).read_text()
        start, stop = text.find(begin), text.find(end)
        if start < 0 or stop < start:
            problems.append(f"{name} has no rendered-section markers; restore them from git")
            continue
        try:
            expected = make(figures)
        except (OSError, ValueError, KeyError, TypeError) as err:
            problems.append(f"{name}'s rendered section cannot be made from {_shown(figures)} ({type(err).__name__}: "
                            f"{err}); {FIX_REPRODUCE}")
            continue
        if text[start:stop + len(end)] != expected:
            problems.append(f"{name}'s rendered section does not match {_shown(figures)}/*.json (stale or edited); "
                            "run `precog render-readme`")
    return problems


def verify(figures: Path | None = None, root: Path | None = None) -> list[str]:
    """Every problem of the four checks (see the module doc); an empty list when all hold.

    The pooled answer is recomputed only when every run is intact (otherwise its difference
    would only repeat theirs)."""
    figures = Path(figures or paths.FIGURES)
    root = Path(root or paths.ROOT)
    problems = check_files(figures)
    run_problems, main, replicates = check_runs(figures)
    problems += run_problems
    if not run_problems:
        problems += check_pooled(figures, main, replicates)
    if figures.resolve() == (root / "figures").resolve():
        problems += check_documents(root, figures)
    return problems


SCREENSHOTS = "landing.json"  # docs/: the digest of the page docs/landing-*.png show


def record_screenshots(page: Path, docs: Path) -> Path:
    """Write docs/landing.json: the sha256 of the landing page the screenshots were taken of, and of each screenshot."""
    shots = {f.name: cache.sha256_file(f) for f in sorted(Path(docs).glob("landing-*.png"))}
    out = Path(docs) / SCREENSHOTS
    out.write_text(json.dumps({"page": _shown(page), "page_sha256": cache.sha256_file(page), "screenshots": shots},
                              indent=1, sort_keys=True) + "\n")
    return out


def screenshot_note(page: Path, docs: Path) -> str | None:
    """A line when docs/landing-*.png show another landing page than ``page`` (or were never recorded);
    None when they show this one or there is no page yet. A note, not a failure: a rerun elsewhere moves the
    numbers, and with them the page, before anyone retakes the screenshots."""
    if not Path(page).is_file():
        return None
    try:
        recorded = json.loads((Path(docs) / SCREENSHOTS).read_text())["page_sha256"]
    except (OSError, ValueError, KeyError):
        return f"docs/{SCREENSHOTS} is missing: the screenshots' page is unknown; run `make screenshots`"
    if recorded != cache.sha256_file(page):
        return (f"docs/landing-*.png show an older {_shown(page)} (recorded digest {recorded[:12]}); "
                "run `make screenshots` to retake them")
    return None


def _shown(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(path)
