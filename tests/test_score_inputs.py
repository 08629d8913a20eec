"""`precog score` fed the files people really have: every bad input is refused in one line
that names the file, the row and the fix, with exit status 2, before anything is written
(no output, no .parts folder, no list of skipped rows); the Python API says the same."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pandas as pd
import pytest
from test_cli import precog

import precog as api
from precog.errors import PrecogError
from precog.tables import read_table

GOOD = [{"sentence": "the movie was good"}, {"sentence": "a bad plot"}, {"sentence": "fine"}]


def jsonl(rows) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def damaged_parquet() -> bytes:
    import io

    buf = io.BytesIO()
    pd.DataFrame(GOOD).to_parquet(buf)
    return buf.getvalue()[:40]


# name, input file name, its bytes (None: no file), extra flags, --out (relative to tmp), message
CASES = [
    ("empty jsonl", "in.jsonl", b"", [], "out.parquet", "in.jsonl is empty (0 rows)"),
    ("only blank lines", "in.jsonl", b"\n  \n\n", [], "out.parquet", "is empty (0 rows)"),
    ("an int text", "in.jsonl", jsonl([GOOD[0], {"sentence": 3}]), [], "out.parquet",
     "in.jsonl row 2: 'sentence' is an int, not text"),
    ("a null text", "in.jsonl", jsonl([GOOD[0], GOOD[1], {"sentence": None}]), [], "out.parquet",
     "row 3: 'sentence' is missing (null)"),
    ("a row without the field", "in.jsonl", jsonl([GOOD[0], {"text": "x"}]), [], "out.parquet",
     "row 2: 'sentence' is missing (null)"),
    ("a list text", "in.jsonl", jsonl([GOOD[0], {"sentence": ["a", "b"]}]), [], "out.parquet",
     "row 2: 'sentence' is a list, not text"),
    ("a bool text", "in.jsonl", jsonl([{"sentence": True}]), [], "out.parquet", "row 1: 'sentence' is a bool, not text"),
    ("bad JSON", "in.jsonl", jsonl(GOOD[:1]) + b'{"sentence": "x",\n', [], "out.parquet", "row 2: not valid JSON"),
    ("a JSON array line", "in.jsonl", jsonl(GOOD[:1]) + b'["x"]\n', [], "out.parquet", "row 2: a JSON list, not an object"),
    ("latin-1 bytes", "in.jsonl", jsonl(GOOD[:1]) + '{"sentence": "caf\u00e9"}\n'.encode("latin-1"), [], "out.parquet",
     "row 2: byte 0xe9 is not UTF-8"),
    ("no such field", "in.jsonl", jsonl([{"text": "x"}]), [], "out.parquet",
     "in.jsonl has no field 'sentence'; its fields are: text"),
    ("a pair field that is not text", "in.jsonl", jsonl([{"sentence": "a", "b": "c"}, {"sentence": "a", "b": 7}]),
     ["--text-pair-field", "b"], "out.parquet", "row 2: 'b' is an int, not text"),
    ("a header-only csv", "in.csv", b"sentence,label\n", [], "out.parquet", "in.csv is empty (0 rows)"),
    ("a ragged csv", "in.csv", b"sentence,label\nfine,1\na,b,c\n", [], "out.parquet",
     "in.csv row 3: 3 cells where the header has 2"),
    ("a ragged csv after a cell of two lines", "in.csv", b'sentence,label\n"two\nlines",1\n\na,b,c\n', [], "out.parquet",
     "in.csv row 5: 3 cells where the header has 2"),
    ("a bad row, --out in a new folder", "in.jsonl", jsonl([GOOD[0], {"sentence": 3}]), [], "new/out.parquet",
     "row 2: 'sentence' is an int, not text"),
    ("a damaged parquet", "in.parquet", damaged_parquet(), [], "out.csv", "cannot be read as parquet"),
    ("an unknown input format", "in.txt", b"hello\n", [], "out.csv", "unknown table format '.txt'"),
    ("a missing input", "in.jsonl", None, [], "out.csv", "in.jsonl: no such file"),
    ("score columns already there", "in.jsonl", jsonl([{"sentence": "a", "pll": 1.0}]), [], "out.csv",
     "already has score columns ['pll']"),
    ("an output folder that cannot be made", "in.jsonl", jsonl(GOOD), [], "/proc/x/out.parquet",
     "--out /proc/x/out.parquet: cannot write in folder /proc/x"),
    ("an output that is a folder", "in.jsonl", jsonl(GOOD), [], ".", "is a folder; name a file in it"),
    ("an output that is the input", "in.jsonl", jsonl(GOOD), [], "in.jsonl", "is the input file"),
    ("an unknown output format", "in.jsonl", jsonl(GOOD), [], "out.xlsx", "unknown table format '.xlsx'"),
    ("k = 0", "in.jsonl", jsonl(GOOD), ["--k", "0"], "out.csv", "k must be positive integers"),
    ("k past the vocabulary", "in.jsonl", jsonl(GOOD), ["--k", "1", "100000"], "out.csv",
     "k = 100000 is larger than the model's vocabulary"),
]


@pytest.mark.parametrize(("name", "file", "data", "flags", "out", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_in_one_line_and_nothing_is_written(name, file, data, flags, out, message, tiny_models,
                                                                tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    if data is not None:
        (tmp_path / file).write_bytes(data)
    before = sorted(p.name for p in tmp_path.iterdir())
    r = precog("score", "--model", tiny_models["bert"], "--input", file, "--text-field", "sentence", *flags,
               "--out", out)
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("precog: error: "), r.stderr
    assert message in lines[0], lines[0]
    assert "Traceback" not in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before, "something was written"


def test_the_cases_cover_at_least_twelve_kinds():
    assert len(CASES) >= 12 and len({c[0] for c in CASES}) == len(CASES)


def test_the_output_has_the_umasks_mode_and_no_parts_are_left(tiny_models, tmp_path):
    (tmp_path / "in.jsonl").write_bytes(jsonl(GOOD))
    old = os.umask(0o022)
    try:
        r = precog("score", "--model", tiny_models["bert"], "--input", tmp_path / "in.jsonl", "--text-field",
                   "sentence", "--out", tmp_path / "new" / "out.parquet")
    finally:
        os.umask(old)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "new" / "out.parquet"
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert sorted(p.name for p in out.parent.iterdir()) == ["out.parquet"]


def test_skip_bad_rows_scores_the_rest_and_lists_what_it_skipped(tiny_models, tmp_path):
    rows = [GOOD[0], {"sentence": 3}, GOOD[1], {"sentence": None}, GOOD[2]]
    (tmp_path / "in.jsonl").write_bytes(jsonl(rows))
    out = tmp_path / "out.csv"
    r = precog("score", "--model", tiny_models["bert"], "--input", tmp_path / "in.jsonl", "--text-field", "sentence",
               "--skip-bad-rows", "--out", out)
    assert r.returncode == 0, r.stderr
    assert read_table(out)["sentence"].tolist() == [g["sentence"] for g in GOOD]
    skipped = read_table(tmp_path / "out.skipped.csv")
    assert skipped.to_dict("records") == [{"row": 2, "field": "sentence", "problem": "an int, not text"},
                                          {"row": 4, "field": "sentence", "problem": "missing (null)"}]


def test_a_csv_with_a_byte_order_mark_and_number_like_text_is_read_as_text(tiny_models, tmp_path):
    (tmp_path / "in.csv").write_bytes("\ufeffsentence,label\n3,1\nthe movie,0\n".encode())
    out = tmp_path / "out.jsonl"
    r = precog("score", "--model", tiny_models["bert"], "--input", tmp_path / "in.csv", "--text-field", "sentence",
               "--out", out)
    assert r.returncode == 0, r.stderr
    assert read_table(out)["sentence"].tolist() == ["3", "the movie"]


@pytest.mark.parametrize(("texts", "message"), [
    (["a good film", 3], "texts row 2: 'text' is an int, not text"),
    ([None], "texts row 1: 'text' is missing (null)"),
])
def test_the_python_api_refuses_the_same_way(texts, message, tiny_models):
    with pytest.raises(PrecogError, match=message.replace("(", r"\(").replace(")", r"\)")):
        api.score(texts, tiny_models["bert"], progress=False)
    with pytest.raises(PrecogError, match="k = 100000 is larger than the model's vocabulary"):
        api.score(["a good film"], tiny_models["bert"], k=(1, 100000), progress=False)
    with pytest.raises(PrecogError, match="text row 1: 'text' is an int, not text"):
        api.explain(3, tiny_models["bert"])
    skipped = api.score(texts, tiny_models["bert"], progress=False, skip_bad_rows=True)
    assert len(skipped) == len(texts) and skipped["precog@1"].isna().sum() >= 1


def test_the_parts_folder_appears_only_once_scoring_starts(tiny_models, tmp_path, monkeypatch):
    """A model that cannot be loaded fails after every check, and still leaves no .parts folder."""
    (tmp_path / "in.jsonl").write_bytes(jsonl(GOOD))
    r = precog("score", "--model", tmp_path / "no-model", "--input", tmp_path / "in.jsonl", "--text-field", "sentence",
               "--out", tmp_path / "out.parquet")
    assert r.returncode == 2 and "cannot load" in r.stderr
    assert sorted(p.name for p in Path(tmp_path).iterdir()) == ["in.jsonl"]


def test_json_lines_may_hold_unicode_line_separators(tiny_models, tmp_path):
    rows = [{"sentence": "the movie\u2028was good"}, {"sentence": "a bad plot"}]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    out = tmp_path / "out.csv"
    r = precog("score", "--model", tiny_models["bert"], "--input", tmp_path / "in.jsonl", "--text-field", "sentence",
               "--out", out)
    assert r.returncode == 0, r.stderr
    assert len(read_table(out)) == 2


def test_a_clean_run_removes_an_earlier_list_of_skipped_rows(tiny_models, tmp_path):
    (tmp_path / "in.jsonl").write_bytes(jsonl(GOOD))
    (tmp_path / "out.skipped.csv").write_text("row,field,problem\n2,sentence,an int, not text\n")
    r = precog("score", "--model", tiny_models["bert"], "--input", tmp_path / "in.jsonl", "--text-field", "sentence",
               "--out", tmp_path / "out.csv")
    assert r.returncode == 0, r.stderr
    assert not (tmp_path / "out.skipped.csv").exists()
