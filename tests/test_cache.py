"""Code identity in cache keys: a code change recomputes what it affects, and only that."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from precog import cache, paths, pipeline
from precog.configs import FinetuneConfig, ScoreConfig
from precog.profiles import Profile


@pytest.fixture()
def package_copy(tmp_path, monkeypatch):
    copy = tmp_path / "precog"
    shutil.copytree(paths.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(paths, "PACKAGE", copy)
    cache.module_sources.cache_clear()
    yield copy
    cache.module_sources.cache_clear()


def test_digest_follows_the_imports_of_a_module(package_copy):
    scoring, finetune = cache.code_digest("scoring"), cache.code_digest("finetune")
    assert package_copy / "models.py" in cache.module_sources("scoring")
    assert package_copy / "baselines.py" not in cache.module_sources("finetune")
    (package_copy / "baselines.py").write_text((package_copy / "baselines.py").read_text() + "\n# edited\n")
    cache.module_sources.cache_clear()
    assert (cache.code_digest("scoring"), cache.code_digest("finetune")) == (scoring, finetune)
    (package_copy / "models.py").write_text((package_copy / "models.py").read_text() + "\n# edited\n")
    cache.module_sources.cache_clear()
    assert cache.code_digest("scoring") != scoring and cache.code_digest("finetune") != finetune


def test_scores_recompute_after_a_code_change_and_not_otherwise(tiny_models, tmp_path, monkeypatch):
    from precog import scoring
    from precog.tasks import file_task

    monkeypatch.setattr(paths, "CACHE", tmp_path / "cache")
    pd.DataFrame({"text": ["the movie was good", "a bad plot"], "label": [1, 0]}).to_json(
        tmp_path / "v.jsonl", orient="records", lines=True)
    file_task("digest-demo", {"train": tmp_path / "v.jsonl", "validation": tmp_path / "v.jsonl"}, ["text"])
    profile = Profile(name="t", model=str(tiny_models["bert"]), tasks=("digest-demo",), k=(1, 50), seeds=(0,),
                      pretrain=None, study=None, finetune=FinetuneConfig(head="cls"), score=ScoreConfig())
    calls = []
    real = scoring.score_to_file
    monkeypatch.setattr(scoring, "score_to_file", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = pipeline.scores(profile, progress=False)
    pipeline.scores(profile, progress=False)
    assert len(calls) == 1, "an unchanged tree reuses the cache"
    real_digest = cache.code_digest
    monkeypatch.setattr(cache, "code_digest", lambda *m: real_digest(*m) + ("-edited" if "scoring" in m else ""))
    again = pipeline.scores(profile, progress=False)
    assert len(calls) == 2, "a change to the scoring code recomputes the scores"
    pd.testing.assert_frame_equal(first, again)
