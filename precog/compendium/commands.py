"""The compendium's commands: ``precog reproduce``, ``replicate``, ``render-readme``, ``verify``,
``screenshots``, ``lesson`` and ``prepare-notebooks`` (the step commands, ``score``, ``pretrain``,
``finetune``, ``fetch`` and ``tasks``, are in :mod:`precog.cli`, which adds these with :func:`add_all`).

Each ``_add_<name>`` registers one sub-command whose flags map onto one package function; a
user error is a :class:`precog.errors.PrecogError`, printed by the CLI as one line (exit 2).
"""

from __future__ import annotations

import sys

from precog.compendium.profiles import PROFILES
from precog.errors import PrecogError

CONTROLLED = tuple(p for p in PROFILES if p != "paper")  # the profiles that pre-train their own models
CONCURRENT_HELP = ("fine-tuning runs at once on one device: a number, or 'auto' (default: $PRECOG_CONCURRENT_RUNS, "
                   "else as many as the free GPU memory holds, one on CPU)")


def add_all(sub) -> None:
    """Register every compendium command on the CLI's sub-parsers ``sub``."""
    for add in (_add_reproduce, _add_replicate, _add_render, _add_screenshots, _add_verify, _add_lesson):
        add(sub)


def _add_reproduce(sub) -> None:
    p = sub.add_parser("reproduce", help="run every notebook of a profile with papermill (make reproduce)")
    p.add_argument("--profile", default="demo", choices=PROFILES)
    p.add_argument("--force", action="store_true", help="re-execute notebooks that are up to date")
    p.add_argument("--concurrent-runs", default=None, help=CONCURRENT_HELP)
    p.add_argument("--jobs", type=int, default=2,
                   help="artifact notebooks executed at once after the pipeline notebooks (default 2)")
    p.set_defaults(func=_run_reproduce)
    q = sub.add_parser("prepare-notebooks", help="write notebooks with a profile's parameters injected (for nbval)")
    q.add_argument("--profile", default="smoke", choices=PROFILES)
    q.add_argument("--out", required=True)
    q.set_defaults(func=_run_prepare)


def _run_reproduce(args) -> None:
    import os

    from precog.compendium.reproduce import reproduce

    if args.concurrent_runs is not None:  # read by the notebooks' kernels (precog.concurrent.resolve_runs)
        os.environ["PRECOG_CONCURRENT_RUNS"] = str(args.concurrent_runs)
    build = reproduce(args.profile, force=args.force, jobs=args.jobs)
    print(f"done: open {build / 'index.html'}")


def _add_replicate(sub) -> None:
    p = sub.add_parser("replicate", help="rerun the controlled study with another assignment of its examples "
                       "(and, by the profile's plan, another base model); writes <figures>/replicate<N>/; make replicate")
    p.add_argument("--profile", default="demo", choices=CONTROLLED)
    p.add_argument("--number", type=int, default=None,
                   help="one replicate (1, 2, ...; 0 is the main run); default: every replicate of the profile's plan")
    p.add_argument("--pretrain-seed", type=int, default=None,
                   help="with --number: the base model's pre-training seed (default: the plan's, else the main run's)")
    p.set_defaults(func=_run_replicate)


def _run_replicate(args) -> None:
    from precog.compendium.profiles import load_profile
    from precog.compendium.replication import replicate
    from precog.errors import PrecogError
    from precog.progress import quiet_hugging_face

    quiet_hugging_face()  # weight-loading and dataset bars, here and in every worker; the study's own progress stays
    profile = load_profile(args.profile)
    plan = dict(profile.replicates)
    if args.number is None:
        if args.pretrain_seed is not None:
            raise PrecogError("--pretrain-seed goes with --number")
        todo = list(plan.items())
    else:
        if args.number < 1:
            raise PrecogError(f"--number must be 1 or more (0 is the main run, made by `make reproduce`), got {args.number}")
        todo = [(args.number, args.pretrain_seed if args.pretrain_seed is not None else plan.get(args.number))]
    for number, seed in todo:
        out = replicate(profile, number, seed)
        print(f"done: {out / 'study_effects.json'}")


def _add_render(sub) -> None:
    p = sub.add_parser("render-readme", help="rewrite the rendered sections of README.md and docs/study.md from "
                       "figures/*.json (make reproduce does it)")
    p.set_defaults(func=_run_render)


def _run_render(args) -> None:
    from precog import paths
    from precog.compendium.documents import update_documents

    changed = update_documents(paths.ROOT, paths.FIGURES)
    print("rendered sections " + (f"rewritten: {', '.join(changed)}" if changed else "already up to date"))


def _add_verify(sub) -> None:
    p = sub.add_parser("verify", help="check the committed results without training: every file against its recorded "
                       "checksum, every run's rows file, the pooled answer and README recomputed (make verify)")
    p.add_argument("--profile", default="demo", choices=PROFILES)
    p.set_defaults(func=_run_verify)


def _run_verify(args) -> int:
    from precog.compendium.profiles import figures_dir, load_profile
    from precog.compendium.verify import verify

    figures = figures_dir(load_profile(args.profile))
    problems = verify(figures)
    for line in problems:
        print(f"precog: verify: {line}", file=sys.stderr)
    if problems:
        return 1
    print(f"verified: {figures} (every file, every run, the pooled answer{', README' if args.profile == 'demo' else ''})")
    if args.profile == "demo":
        from precog import paths
        from precog.compendium.verify import screenshot_note

        note = screenshot_note(paths.BUILD / "demo" / "index.html", paths.ROOT / "docs")
        if note:
            print(f"note: {note}")
    return 0


def _add_screenshots(sub) -> None:
    p = sub.add_parser("screenshots", help="screenshots of build/<profile>/index.html at 1280 and 390 px wide "
                       "(headless Chromium) into docs/; make screenshots")
    p.add_argument("--profile", default="demo", choices=PROFILES)
    p.set_defaults(func=_run_screenshots)


def _run_screenshots(args) -> None:
    from precog import paths
    from precog.compendium.browser import WIDTHS, screenshot

    page = paths.BUILD / args.profile / "index.html"
    if not page.is_file():
        raise PrecogError(f"{page.relative_to(paths.ROOT)} does not exist; run `precog reproduce --profile {args.profile}` first")
    for width in WIDTHS:
        print(screenshot(page, paths.ROOT / "docs" / f"landing-{width}.png", width, 1600 if width > 600 else 1800))
    if args.profile == "demo":
        from precog.compendium.verify import record_screenshots

        print(record_screenshots(page, paths.ROOT / "docs"))


def _run_prepare(args) -> None:
    from pathlib import Path

    from precog.compendium.reproduce import prepare

    for path in prepare(args.profile, Path(args.out)):
        print(path)


def _add_lesson(sub) -> None:
    from precog.compendium.lesson import CHOICES

    p = sub.add_parser("lesson", help="execute the lesson, notebooks/precog_explained.ipynb, into build/lesson/ "
                       "(about 2 minutes on 2 CPU cores from an empty cache; make lesson)")
    p.add_argument("--models", default="auto", choices=CHOICES,
                   help="auto (default): the demo's models when `make reproduce` has cached them all, else the "
                        "lesson profile's own tiny ones (notebooks/params/lesson.yaml), trained in seconds")
    p.add_argument("--out", default=None, help="folder for the executed notebook, its HTML and figures (default build/lesson)")
    p.set_defaults(func=_run_lesson)


def _run_lesson(args) -> None:
    from precog.compendium.lesson import run
    from precog.progress import quiet_hugging_face

    quiet_hugging_face()
    result = run(args.models, args.out)
    s = result["seconds"]
    print(f"done in {s['total']:.0f} s (models {s['models']:.0f} s, notebook {s['notebook']:.0f} s) on the "
          f"{result['profile']} profile's models: open {result['html']} (or {result['notebook']} in JupyterLab)")
