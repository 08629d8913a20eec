"""Effects of the controlled study on hand-made frames, and the baselines on a file task."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from precog import effects
from precog.configs import FinetuneConfig


def study_rows() -> pd.DataFrame:
    """Two tasks; per task: 2 never examples, 2 text@4 (one in A, one in B), 2 text+label@4.

    Correctness is chosen so that text has no effect and text+label one of +0.5.
    """
    rows = []
    for task in ("t1", "t2"):
        spec = [  # id, arm, dose, injected_into, correct under A, correct under B
            (1, "never", 0, "-", 1.0, 0.0),
            (2, "never", 0, "-", 0.5, 0.5),
            (3, "text", 4, "A", 1.0, 1.0),
            (4, "text", 4, "B", 0.0, 0.0),
            (5, "text+label", 4, "A", 1.0, 0.5),
            (6, "text+label", 4, "B", 0.5, 1.0),
        ]
        for i, arm, dose, into, ca, cb in spec:
            for model, c in (("A", ca), ("B", cb)):
                rows.append({"task": task, "id": i, "label": i % 2, "model": model, "correct": c, "arm": arm,
                             "dose": dose, "injected_into": into, "seen": into == model})
    return pd.DataFrame(rows)


def test_crossover_pairs_seen_with_unseen():
    d = effects.crossover(study_rows(), "text+label", 4)
    assert len(d) == 4 and (d["diff"] == 0.5).all()
    assert d.set_index(["task", "id"]).loc[("t1", 5), "seen"] == 1.0


def test_cell_effects_and_headline():
    cells = effects.cell_effects(study_rows(), passes=3)
    pooled = cells[cells["task"] == "all"].set_index("arm")
    assert pooled.loc["text", "estimate"] == 0 and pooled.loc["text+label", "estimate"] == 0.5
    assert pooled.loc["text+label", "ci_low"] == pooled.loc["text+label", "ci_high"] == 0.5
    assert (cells["exposures"] == 12).all() and pooled.loc["text", "n"] == 4
    unseen = pd.DataFrame({"task": ["t1", "t1", "t2", "t2"], "id": [1, 2, 1, 2],
                           "correct_pretrained": [1.0, 0.5, 1.0, 1.0], "correct_random": [0.5, 0.5, 0.0, 1.0]})
    transfers = effects.transfer(unseen)
    assert transfers.set_index("task")["estimate"].to_dict() == {"t1": 0.25, "t2": 0.5}
    h = effects.headline(cells, transfers, passes=3)
    assert h["positive_control"]["estimate"] == 0.5 and h["text_only"]["estimate"] == 0
    assert h["exposures_per_copy"] == 3 and h["top_dose"] == 4 and set(h["pretraining_transfer"]) == {"t1", "t2"}
    assert h["text_only"]["mde"] >= 0


def test_arm_regression_finds_the_positive_control():
    rng = np.random.default_rng(0)
    base = study_rows()
    big = pd.concat([base.assign(id=base["id"] + 10 * k) for k in range(30)], ignore_index=True)
    big["correct"] = np.clip(big["correct"] + rng.normal(0, 0.01, len(big)), 0, 1)
    reg = effects.arm_regression(big).set_index(["model", "term"])
    assert reg.loc[("adjusted", "seen text+label@4"), "coef"] > 0
    assert set(reg.index.get_level_values(0)) == {"adjusted", "unadjusted"}


def test_label_balance_table():
    m = pd.DataFrame({"task": "t", "arm": ["never"] * 4 + ["text"] * 2, "dose": [0] * 4 + [8] * 2,
                      "label": [0, 1, 0, 1, 1, 0]})
    out = effects.label_balance(m)
    assert out["share_label1"].tolist() == [0.5, 0.5] and out["task_mean"].tolist() == [0.5, 0.5]


def test_baselines_on_a_learnable_file_task(tmp_path, monkeypatch):
    from precog import baselines
    from precog.tasks import file_task

    rng = np.random.default_rng(0)
    for split, n in (("train", 200), ("validation", 40)):
        label = np.arange(n) % 2
        text = [f"{rng.choice(['film', 'plot', 'story'])} {'good' if y else 'bad'} {rng.choice(['a', 'the'])}" for y in label]
        pd.DataFrame({"text": text, "label": label}).to_json(tmp_path / f"{split}.jsonl", orient="records", lines=True)
    task = file_task("kw", {"train": tmp_path / "train.jsonl", "validation": tmp_path / "validation.jsonl"}, ["text"])
    monkeypatch.setattr(baselines, "get_task", lambda name: task)
    out = baselines.baseline_records("kw", FinetuneConfig(train_examples=100), None)
    acc = out.groupby("model")["correct"].mean()
    assert acc["tfidf+lr"] == 1.0 and acc["majority"] == pytest.approx(0.5)
    assert set(acc.index) == {"majority", "tfidf+lr", "tfidf+lr (full train)"}
    assert out.groupby("model").size().eq(40).all()
