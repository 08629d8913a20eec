"""Command line: ``precog score``, ``precog fetch``, ... (``precog --help``).

Each sub-command maps its flags 1:1 onto a package function; errors the user can fix are
printed as one line, ``precog: error: ...``, with exit status 2.
"""

from __future__ import annotations

import argparse
import logging
import sys
import typing

from precog.compendium import commands
from precog.compendium.commands import CONCURRENT_HELP, CONTROLLED
from precog.compendium.profiles import PROFILES, default
from precog.errors import PrecogError


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="precog", description=__doc__.splitlines()[0])
    parser.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_score(sub)
    _add_fetch(sub)
    _add_tasks(sub)
    _add_pretrain(sub)
    _add_finetune(sub)
    commands.add_all(sub)  # reproduce, replicate, render-readme, verify, screenshots, lesson, prepare-notebooks
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
