"""Non-neural baselines on the same training examples the models are fine-tuned on.

* ``majority``: the most frequent label of the fine-tuning training subset;
* ``tfidf+lr``: TF-IDF of word 1-2-grams (sublinear tf) and logistic regression, its
  inverse regularisation C chosen by 5-fold cross-validation on the training subset only;
* ``tfidf+lr (full train)``: the same with that C, trained on the whole training split (an
  upper reference: more labelled data than the models get).

Pair tasks join their two fields with " || " so the bag of words sees both.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegressionCV
from sklearn.pipeline import make_pipeline

from precog.configs import FinetuneConfig
from precog.data.tasks import SEED, Task, get_task

C_GRID = (0.1, 1.0, 10.0, 100.0)


def texts(task: Task, frame: pd.DataFrame) -> list[str]:
    """An example's input as one string (pair fields joined by ' || ')."""
    return frame[list(task.text_fields)].astype(str).agg(" || ".join, axis=1).tolist()


def tfidf_fit(train_text: Sequence[str], train_labels: np.ndarray, c: float | None = None):
    """TF-IDF (word 1-2-grams, sublinear tf) + logistic regression; C by 5-fold CV over
    C_GRID unless given. Returns the fitted pipeline.

    The fit runs with one BLAS thread: L-BFGS's small matrix products gain nothing from
    more, and beside another busy process (the artifact notebooks run two at a time) a
    second OpenBLAS thread spins and made the cross-validated fit 40x slower (16 s vs 0.4 s).
    """
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    if c is None:
        classifier = LogisticRegressionCV(Cs=list(C_GRID), cv=5, max_iter=2000, random_state=SEED, l1_ratios=(0.0,),
                                          scoring="accuracy", use_legacy_attributes=False)
    else:
        classifier = LogisticRegression(C=c, max_iter=2000, random_state=SEED)
    model = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), classifier)
    with threadpool_limits(limits=1, user_api="blas"):
        return model.fit(list(train_text), np.asarray(train_labels))


def baseline_records(task_name: str, config: FinetuneConfig, eval_ids: Sequence[int] | None) -> pd.DataFrame:
    """Per-example correctness of every baseline on the evaluation examples of one task.

    Returns:
        task, id, label, model (baseline name), correct (0/1 float).
    """
    from precog.data.tasks import training_subset

    task = get_task(task_name)
    train = task.load(task.train_split).to_pandas()
    subset = train.iloc[training_subset(len(train), config.train_examples)]
    test = task.load(task.eval_split).to_pandas()
    if eval_ids is not None:
        test = test[test["id"].isin(list(eval_ids))]
    test = test.sort_values("id").reset_index(drop=True)
    gold = test["label"].to_numpy()
    counts = subset["label"].value_counts()
    majority = int(counts[counts == counts.max()].index.min())
    small = tfidf_fit(texts(task, subset), subset["label"].to_numpy())
    predictions = {"majority": np.full(len(test), majority), "tfidf+lr": small.predict(texts(task, test))}
    if config.train_examples is not None and config.train_examples < len(train):
        chosen = float(small[-1].C_) if np.ndim(small[-1].C_) == 0 else float(np.ravel(small[-1].C_)[0])
        full = tfidf_fit(texts(task, train), train["label"].to_numpy(), c=chosen)  # C chosen on the subset
        predictions["tfidf+lr (full train)"] = full.predict(texts(task, test))
    return pd.concat(
        [
            pd.DataFrame({"task": task_name, "id": test["id"], "label": gold, "model": name,
                          "correct": (pred == gold).astype(float)})
            for name, pred in predictions.items()
        ],
        ignore_index=True,
    )
