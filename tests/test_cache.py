"""Code identity in cache keys: a code change recomputes what it affects, and only that."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from precog import cache, paths
from precog.compendium import pipeline
from precog.compendium.profiles import Profile
from precog.configs import FinetuneConfig, ScoreConfig


@pytest.fixture()
def package_copy(tmp_path, monkeypatch):
    copy = tmp_path / "precog"
    shutil.copytree(paths.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(paths, "PACKAGE", copy)
    cache.module_sources.cache_clear()
    yield copy
    cache.module_sources.cache_clear()


def _edit(path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    cache.module_sources.cache_clear()


STEPS = ("study.pretrain", "engine.scoring", "engine.finetune")  # the cached steps' digests


def test_digest_follows_the_imports_of_a_module(package_copy):
    scoring, finetune = cache.code_digest("engine.scoring"), cache.code_digest("engine.finetune")
    assert package_copy / "engine" / "models.py" in cache.module_sources("engine.scoring")
    assert package_copy / "stats" / "baselines.py" not in cache.module_sources("engine.finetune")
    _edit(package_copy / "stats" / "baselines.py", "def ", "def _added_helper():\n    return 1\n\n\ndef ")
    assert (cache.code_digest("engine.scoring"), cache.code_digest("engine.finetune")) == (scoring, finetune)
    _edit(package_copy / "engine" / "models.py", "capped at 512.\"\"\"", "capped at 512.\"\"\"\n    _ = 0")
    assert cache.code_digest("engine.scoring") != scoring and cache.code_digest("engine.finetune") != finetune


def test_a_docstring_or_comment_edit_to_any_module_leaves_every_key_unchanged(package_copy):
    before = [cache.code_digest(m) for m in STEPS]
    for path in package_copy.rglob("*.py"):
        text = path.read_text()
        text = text.replace('"""', '"""Edited. ', 1) if text.startswith('"""') else text
        path.write_text("# an added comment\n" + text.replace("\n\n\ndef ", "\n\n\n# another\ndef "))
    _edit(package_copy / "configs.py", '"attention heads."', '"attention heads (help edited)."')
    _edit(package_copy / "cache.py", "def key_of", "def _unused():\n    return 0\n\n\ndef key_of")  # the key machinery
    assert [cache.code_digest(m) for m in STEPS] == before


def test_moving_a_function_leaves_the_key_and_a_code_change_changes_it(package_copy):
    before = cache.code_digest("engine.finetune")
    # training_subset moves from data/tasks.py into engine/finetune.py, which imported it from there
    tasks = (package_copy / "data" / "tasks.py").read_text()
    moved = tasks[tasks.index("def training_subset"):]
    (package_copy / "data" / "tasks.py").write_text(tasks[: tasks.index("def training_subset")])
    _edit(package_copy / "engine" / "finetune.py", "def append_mask", moved.rstrip() + "\n\n\ndef append_mask")
    _edit(package_copy / "engine" / "finetune.py", ", training_subset\n", "\n")
    assert cache.code_digest("engine.finetune") == before
    _edit(package_copy / "engine" / "finetune.py", "random.Random(SEED).shuffle(order)", "random.Random(SEED + 1).shuffle(order)")
    assert cache.code_digest("engine.finetune") != before


def test_definitions_ignore_layout_but_not_code():
    one = 'def f(x):\n    """Doc."""\n    # note\n    import os\n    return x + 1\n'
    two = "def f(x):\n\n    return x + 1  # other note\n"
    assert cache.definitions(one) == cache.definitions(two)
    assert cache.definitions(one) != cache.definitions(one.replace("x + 1", "x + 2"))


def test_cached_marks_an_entry_done_only_when_its_body_finishes(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "CACHE", tmp_path)
    with pytest.raises(RuntimeError), cache.cached("demo", "k1") as e:
        assert not e.done
        (e.folder / "part.txt").write_text("half")
        raise RuntimeError("interrupted")
    assert not cache.is_done(e.folder)
    with cache.cached("demo", "k1", resume=True) as again:  # resume keeps the partial file
        assert not again.done and (again.folder / "part.txt").is_file()
        (again.folder / "result.txt").write_text("whole")
    assert cache.is_done(again.folder)
    with cache.cached("demo", "k1") as third:
        assert third.done  # a finished entry is read, not rebuilt
    with cache.cached("demo", "k2") as fresh:
        assert list(fresh.folder.iterdir()) == []


def test_scores_recompute_after_a_code_change_and_not_otherwise(tiny_models, tmp_path, monkeypatch):
    from precog.data.tasks import file_task
    from precog.engine import score_files

    monkeypatch.setattr(paths, "CACHE", tmp_path / "cache")
    pd.DataFrame({"text": ["the movie was good", "a bad plot"], "label": [1, 0]}).to_json(
        tmp_path / "v.jsonl", orient="records", lines=True)
    file_task("digest-demo", {"train": tmp_path / "v.jsonl", "validation": tmp_path / "v.jsonl"}, ["text"])
    profile = Profile(name="t", model=str(tiny_models["bert"]), tasks=("digest-demo",), k=(1, 50), seeds=(0,),
                      pretrain=None, study=None, finetune=FinetuneConfig(head="cls"), score=ScoreConfig())
    calls = []
    real = score_files.score_to_file
    monkeypatch.setattr(score_files, "score_to_file", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = pipeline.scores(profile, progress=False)
    pipeline.scores(profile, progress=False)
    assert len(calls) == 1, "an unchanged tree reuses the cache"
    real_digest = cache.code_digest
    monkeypatch.setattr(cache, "code_digest", lambda *m: real_digest(*m) + ("-edited" if "engine.score_files" in m else ""))
    again = pipeline.scores(profile, progress=False)
    assert len(calls) == 2, "a change to the scoring code recomputes the scores"
    pd.testing.assert_frame_equal(first, again)
