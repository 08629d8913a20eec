"""`precog score` end to end: formats, errors, resume after a kill, two processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from tiny import CORPUS

from precog.tables import read_table

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
ROWS = 96  # of the input table; the resume test splits it into ROWS / 2 chunks


def precog_process(*args) -> subprocess.CompletedProcess:
    """``python -m precog ARGS`` in a new process (for what only a real process shows: logging, signals)."""
    return subprocess.run([sys.executable, "-m", "precog", *map(str, args)], capture_output=True, text=True, env=ENV)


def precog(*args) -> subprocess.CompletedProcess:
    """``precog ARGS`` run in this process (the same ``main`` the console script calls), with
    its exit status and output captured; tests that need real processes use subprocess."""
    import contextlib
    import io

    from precog.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exit_:  # argparse errors
            code = exit_.code
    return subprocess.CompletedProcess(["precog", *map(str, args)], code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    path = tmp_path_factory.mktemp("in") / "in.jsonl"
    n = ROWS
    pd.DataFrame(
        {
            "id": range(n),
            "a": [CORPUS[i % 4] for i in range(n)],
            "b": [CORPUS[(i + 1) % 4] for i in range(n)],
            "label": [i % 2 for i in range(n)],
        }
    ).to_json(path, orient="records", lines=True)
    return path


@pytest.mark.parametrize("fmt", [".jsonl", ".csv", ".parquet"])
def test_score_file_carries_columns(tiny_models, table, tmp_path, fmt):
    out = tmp_path / f"out{fmt}"
    r = precog(
        "score",
        "--model",
        tiny_models["bert"],
        "--input",
        table,
        "--text-field",
        "a",
        "--text-pair-field",
        "b",
        "--k",
        "1",
        "5",
        "--out",
        out,
    )
    assert r.returncode == 0, r.stderr
    df = read_table(out)
    assert list(df.columns[:4]) == ["id", "a", "b", "label"]
    assert df["id"].tolist() == list(range(ROWS))
    assert {"precog@1", "precog@5", "pll", "minkpp20"} <= set(df.columns)
    assert df["precog@5"].between(0, 1).all() and (df["precog@5"] >= df["precog@1"]).all()
    assert not (tmp_path / f"out{fmt}.parts").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--input", "missing.jsonl", "--text-field", "a"], "no such file"),
        (["--input", "{table}", "--text-field", "nope"], "no field 'nope'"),
        (["--input", "{table}"], "needs --text-field"),
        (["--input", "{table}", "--text-field", "a", "--model", "no/such-model"], "cannot load 'no/such-model'"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(tiny_models, table, tmp_path, args, message):
    args = [a.replace("{table}", str(table)) for a in args]
    model = [] if "--model" in args else ["--model", str(tiny_models["bert"])]
    out = tmp_path / "out.csv"
    r = precog("score", *model, *args, "--out", out)
    assert r.returncode == 2
    err = [line for line in r.stderr.splitlines() if line.startswith("precog: error:")]
    assert len(err) == 1 and message in err[0], r.stderr
    assert not out.exists()


def test_unknown_output_extension(tiny_models, table, tmp_path):
    r = precog(
        "score", "--model", tiny_models["bert"], "--input", table, "--text-field", "a", "--out", tmp_path / "o.xlsx"
    )
    assert r.returncode == 2 and "unknown table format '.xlsx'" in r.stderr


def test_killed_run_resumes_to_identical_output(tiny_models, table, tmp_path):
    args = [
        "score",
        "--model",
        tiny_models["bert"],
        "--input",
        table,
        "--text-field",
        "a",
        "--text-pair-field",
        "b",
        "--chunk-rows",
        "2",
    ]
    ref = tmp_path / "ref.csv"
    assert precog(*args, "--out", ref).returncode == 0
    out = tmp_path / "out.csv"
    parts = tmp_path / "out.csv.parts"
    proc = subprocess.Popen(
        [sys.executable, "-m", "precog", *map(str, args), "--out", str(out)],
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while len(list(parts.glob("*.parquet"))) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = len(list(parts.glob("*.parquet")))
    assert not out.exists() and 3 <= done < ROWS // 2, "the run must be killed part-way"
    r = precog_process(*args, "--out", out)
    assert r.returncode == 0, r.stderr
    assert f"resuming: {done} of {ROWS // 2} chunks already done" in r.stderr
    assert out.read_bytes() == ref.read_bytes()
    assert not parts.exists()


def test_two_processes_give_the_single_process_output(tiny_models, table, tmp_path):
    args = ["score", "--model", tiny_models["roberta"], "--input", table, "--text-field", "a", "--chunk-rows", "16"]
    single, multi = tmp_path / "single.parquet", tmp_path / "multi.parquet"
    assert precog(*args, "--out", single).returncode == 0
    accelerate = Path(sys.executable).with_name("accelerate")  # the venv's, whatever PATH says
    r = subprocess.run(
        [
            str(accelerate),
            "launch",
            "--multi_gpu",
            "--num_processes",
            "2",
            "--num_machines",
            "1",
            "--mixed_precision",
            "no",
            "--dynamo_backend",
            "no",
            "-m",
            "precog",
            *map(str, args),
            "--out",
            str(multi),
        ],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert "chunks (process 1)" in r.stderr, "the work must really be split over two processes"
    assert multi.read_bytes() == single.read_bytes()


@pytest.mark.parametrize("task", ["rt-polarity", "subjectivity"])
def test_score_a_registered_demo_task(tiny_models, tmp_path, task):
    """The first --limit rows of the task's split, scored (the split's size is tests/test_tasks.py's)."""
    from precog.cli import main
    from precog.data.tasks import get_task

    out = tmp_path / "s.parquet"
    args = ["-q", "score", "--model", str(tiny_models["bert"]), "--task", task, "--split", "validation"]
    assert main([*args, "--limit", "40", "--out", str(out)]) == 0
    df = read_table(out)
    first = get_task(task).load("validation").select(range(40))
    assert df["id"].tolist() == first["id"] and df["precog@50"].notna().all() and "n_unk" in df
    r = precog(*args[1:], "--limit", "0", "--out", tmp_path / "none.parquet")
    assert r.returncode == 2 and "--limit must be at least 1" in r.stderr


def test_score_every_glue_task_from_a_local_copy(tiny_models, tmp_path, monkeypatch):
    from test_tasks import write_glue_like

    from precog.cli import main
    from precog.data.tasks import GLUE

    monkeypatch.setenv("PRECOG_GLUE_DIR", str(tmp_path / "glue"))
    for config, (fields, _, _, evals) in GLUE.items():
        write_glue_like(tmp_path / "glue", config, evals[0])
        out = tmp_path / f"{config}.csv"
        assert (
            main(["-q", "score", "--model", str(tiny_models["distilbert"]), "--task", config, "--out", str(out)]) == 0
        )
        df = read_table(out)
        # words outside the tiny vocabulary are [UNK]: not scored, but counted
        assert len(df) == 6 and set(fields) <= set(df.columns) and (df["n_scored"] + df["n_unk"]).gt(0).all()


def test_glue_offline_is_one_line(tiny_models, tmp_path):
    r = precog("score", "--model", tiny_models["bert"], "--task", "sst2", "--out", tmp_path / "o.csv")
    assert r.returncode == 2 and "demo profile" in r.stderr and not (tmp_path / "o.csv").exists()


def test_finetune_cli_writes_runs(tiny_models, tmp_path):
    r = precog(
        "finetune",
        "--task",
        "rt-polarity",
        "--model",
        tiny_models["bert"],
        "--seeds",
        "0",
        "--head",
        "cls",
        "--epochs",
        "1",
        "--train-examples",
        "64",
        "--max-length",
        "32",
        "--out",
        tmp_path,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert "rt-polarity seed 0: accuracy" in r.stdout
    rec = read_table(tmp_path / "rt-polarity" / "seed0" / "predictions.parquet")
    assert len(rec) == 1000 and {"p_gold", "p_pred", "p_gold_epoch1", "correct"} <= set(rec.columns)


def test_help_is_fast_because_imports_are_lazy():
    r = subprocess.run([sys.executable, "-c", "import sys, precog.cli; print(sorted(m for m in sys.modules if m in ('torch', 'transformers', 'pandas')))"],
                       capture_output=True, text=True, env=ENV)
    assert r.stdout.strip() == "[]", r.stdout


def test_config_flags_come_from_the_dataclass():
    from dataclasses import fields

    from precog.cli import build_parser
    from precog.configs import FinetuneConfig

    commands = build_parser()._subparsers._group_actions[0].choices
    text = commands["finetune"].format_help()
    for f in fields(FinetuneConfig):
        assert "--" + f.name.replace("_", "-") in text
    assert "--concurrent-runs" in text and "--concurrent-runs" in commands["reproduce"].format_help()
