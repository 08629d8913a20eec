"""Command line: ``precog score``, ``precog fetch``, ... (``precog --help``).

Each sub-command maps its flags 1:1 onto a package function; errors the user can fix are
printed as one line, ``precog: error: ...``, with exit status 2.
"""

from __future__ import annotations

import argparse
import logging
import sys
import typing

from precog.compendium.profiles import PROFILES, default
from precog.errors import PrecogError

CONTROLLED = tuple(p for p in PROFILES if p != "paper")  # the profiles that pre-train their own models


def _add_score(sub) -> None:
    from precog.configs import PRECOG_K, ScoreConfig

    p = sub.add_parser("score", help="PreCog scores of every row of a table or registered task split")
    p.add_argument("--model", required=True, help="hub id (e.g. bert-base-uncased) or folder of a masked LM")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--input", help="a .jsonl, .csv or .parquet file")
    src.add_argument("--task", help="a registered task (see `precog tasks`)")
    p.add_argument("--split", help="split of --task (default: its evaluation split)")
    p.add_argument("--text-field", help="column holding the text (default with --task: the task's)")
    p.add_argument("--text-pair-field", help="column holding the second segment of pair inputs")
    p.add_argument("--k", type=int, nargs="+", default=list(PRECOG_K), help=f"the k of each precog@k (default: {PRECOG_K})")
    add_config_flags(p, ScoreConfig, from_profile=False)
    p.add_argument("--chunk-rows", type=int, default=256, help="rows per resumable chunk")
    p.add_argument("--limit", type=int, default=None, help="score only the first LIMIT rows (a quick look; default: all)")
    p.add_argument("--device", default=None, help="torch device (default: CUDA if available, else CPU)")
    p.add_argument("--out", required=True, help="output .jsonl, .csv or .parquet")
    p.add_argument("--skip-bad-rows", action="store_true",
                   help="leave out rows whose text cannot be scored (missing, a number, a list) and list them in "
                        "OUT's folder as <name>.skipped.csv, instead of refusing the file")
    p.set_defaults(func=_run_score)


def _run_score(args) -> None:
    from pathlib import Path

    from precog.engine.inputs import check_k, check_output, read_input
    from precog.engine.score_files import score_to_file
    from precog.precision import resolve

    check_output(args.out, args.input)  # before the input is read: a bad --out is refused at once
    check_k(args.k)
    resolve(args.precision, args.device)  # fp16 without a GPU: refused before the input is read
    if args.limit is not None and args.limit < 1:
        raise PrecogError(f"--limit must be at least 1, got {args.limit}")
    if args.input:
        if not args.text_field:
            raise PrecogError("--input needs --text-field (and --text-pair-field for pair inputs)")
        df, text_field, pair_field = read_input(args.input), args.text_field, args.text_pair_field
        source = Path(args.input)
    else:
        from precog.data.tasks import get_task

        task = get_task(args.task)
        source = f"task {task.name} ({args.split or task.eval_split})"
        df = task.load(args.split).to_pandas()
        text_field = args.text_field or task.text_fields[0]
        pair_field = args.text_pair_field or (task.text_fields[1] if len(task.text_fields) > 1 else None)
    if args.limit is not None:
        df = df.head(args.limit)
    result = score_to_file(
        df,
        args.model,
        args.out,
        text_field=text_field,
        text_pair_field=pair_field,
        k=args.k,
        unit=args.unit,
        batch_tokens=args.batch_tokens,
        chunk_rows=args.chunk_rows,
        device=args.device,
        precision=args.precision,
        source=source,
        skip_bad_rows=args.skip_bad_rows,
    )
    if result is not None:
        print(f"wrote {len(result)} rows to {args.out}", file=sys.stderr)


def _add_fetch(sub) -> None:
    p = sub.add_parser("fetch", help="download the pinned, checksummed raw data into data/raw (make data)")
    p.set_defaults(func=_run_fetch)


def _run_fetch(args) -> None:
    from precog.data.sources import fetch_all

    for path in fetch_all():
        print(f"ok  {path}")


def _add_tasks(sub) -> None:
    p = sub.add_parser("tasks", help="list the registered tasks")
    p.set_defaults(func=_run_tasks)


def _run_tasks(args) -> None:
    from precog.data.tasks import get_task, task_names

    for name in task_names():
        t = get_task(name)
        labels = "/".join(t.label_names) or "regression"
        print(
            f"{name:12s} {t.source:5s} fields={','.join(t.text_fields):22s} labels={labels:38s} "
            f"metric={t.metric:9s} splits={','.join(t.splits)}"
        )


def _converter(hint):
    """argparse type for a field's type hint: int, float, str, bool, or one of them | None
    ("none" / "null" / "all" give None); None for other types (dicts stay in the YAML files)."""
    options = [t for t in typing.get_args(hint) if t is not type(None)] if typing.get_args(hint) else [hint]
    if len(options) != 1 or options[0] not in (int, float, str, bool):
        return None
    base = _boolean if options[0] is bool else options[0]
    if type(None) in typing.get_args(hint):
        return lambda text: None if text.lower() in ("none", "null", "all") else base(text)
    return base


def _boolean(text: str) -> bool:
    if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
        raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")
    return text.lower() in ("true", "1", "yes")


def add_config_flags(parser, cls, from_profile: bool = True, skip: tuple[str, ...] = ()) -> None:
    """One ``--flag`` per field of config dataclass ``cls``, generated from the field: type
    from its type hint, help from its metadata, default from the dataclass (``from_profile``:
    the flag defaults to None and the profile's value is used)."""
    from dataclasses import fields

    hints = typing.get_type_hints(cls)
    for f in fields(cls):
        convert = _converter(hints[f.name])
        if convert is None or f.name in skip:
            continue
        default = f.default
        note = f"profile value; default {default!r}" if from_profile else f"default {default!r}"
        parser.add_argument(f"--{f.name.replace('_', '-')}", dest=f.name, type=convert, choices=f.metadata.get("choices"),
                            default=None if from_profile else default, metavar=getattr(convert, "__name__", "VALUE").upper(),
                            help=f"{f.metadata.get('help', '')} ({note})")


def overrides(args, cls) -> dict:
    """The config fields set on the command line."""
    from dataclasses import fields

    return {f.name: getattr(args, f.name) for f in fields(cls) if getattr(args, f.name, None) is not None}


def _add_pretrain(sub) -> None:
    from precog.configs import PretrainConfig

    p = sub.add_parser("pretrain", help="pre-train (or load from cache) the demo's base model, its K study models and random init")
    p.add_argument("--profile", default="demo", choices=CONTROLLED)
    add_config_flags(p, PretrainConfig)
    p.set_defaults(func=_run_pretrain)


def _run_pretrain(args) -> None:
    from dataclasses import replace

    from precog.compendium.pipeline import models
    from precog.compendium.profiles import load_profile
    from precog.configs import PretrainConfig

    profile = load_profile(args.profile)
    profile = replace(profile, pretrain=replace(profile.pretrain, **overrides(args, PretrainConfig)))
    for name, folder in models(profile).items():
        print(f"{name}\t{folder}")


CONCURRENT_HELP = ("fine-tuning runs at once on one device: a number, or 'auto' (default: $PRECOG_CONCURRENT_RUNS, "
                   "else as many as the free GPU memory holds, one on CPU)")


def _add_finetune(sub) -> None:
    from precog.configs import FinetuneConfig

    p = sub.add_parser("finetune", help="fine-tune a classifier per seed and keep per-example predictions")
    p.add_argument("--task", required=True, help="a registered task (see `precog tasks`)")
    p.add_argument("--model", required=True, help="hub id or folder (e.g. a folder printed by `precog pretrain`)")
    p.add_argument("--seeds", type=int, nargs="+", default=list(default("seeds")),
                   help=f"fine-tuning seeds (default: {default('seeds')})")
    p.add_argument("--out", help="folder for the runs (<out>/<task>/seed<k>/); default: the cache")
    p.add_argument("--concurrent-runs", default=None, help=CONCURRENT_HELP)
    p.add_argument("--profile", choices=PROFILES, default="demo",
                   help="take the recipe from this profile (default demo); flags below override it")
    add_config_flags(p, FinetuneConfig)
    p.set_defaults(func=_run_finetune)


def _run_finetune(args) -> None:
    from dataclasses import replace
    from pathlib import Path

    from precog import cache
    from precog.compendium.profiles import load_profile
    from precog.concurrent import resolve_runs
    from precog.configs import FinetuneConfig
    from precog.data.tasks import get_task
    from precog.engine.finetune import run_all
    from precog.engine.runs import Run, load_predictions, run_key

    config = replace(load_profile(args.profile).finetune, **overrides(args, FinetuneConfig))
    config.validate(get_task(args.task))
    runs = [Run(args.task, args.model, seed, config, None,
                Path(args.out) / args.task / f"seed{seed}" if args.out else
                cache.entry("finetune", run_key(get_task(args.task), args.model, seed, config)))
            for seed in args.seeds]
    for seed, run in zip(args.seeds, run_all(runs, resolve_runs(args.concurrent_runs), progress=True), strict=True):
        rec = load_predictions(run)
        print(f"{args.task} seed {seed}: accuracy {rec['correct'].mean():.4f} on {len(rec)} examples -> {run}")


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="precog", description=__doc__.splitlines()[0])
    parser.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_score(sub)
    _add_fetch(sub)
    _add_tasks(sub)
    _add_pretrain(sub)
    _add_finetune(sub)
    _add_reproduce(sub)
    _add_replicate(sub)
    _add_render(sub)
    _add_screenshots(sub)
    _add_verify(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="precog: %(message)s")
    for handler in logging.getLogger().handlers:  # only precog's own messages (and others' errors)
        handler.addFilter(lambda r: r.name.startswith("precog") or r.levelno >= logging.ERROR)
    try:
        code = args.func(args)
    except PrecogError as err:
        print(f"precog: error: {err}", file=sys.stderr)
        return 2
    return code or 0


if __name__ == "__main__":
    sys.exit(main())
