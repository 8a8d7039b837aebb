"""The code classifier: a scikit-learn Pipeline over evidence features, calibrated; and the rules baseline.

    features(evidence) -> DictVectorizer -> RandomForestClassifier, in CalibratedClassifierCV (isotonic)

Classes: 70551, 70552, 70553, out_of_scope, and needs_review. The corpus labels reports a coder could not
code ("unclear": conflicting statements, garbled or truncated text, unfilled templates, non-reports);
learning them as a class lets the model route look-alikes to review instead of spreading their
probability over the codes. The four coding outcomes stay calibrated probabilities in the output.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_extraction import DictVectorizer
from sklearn.pipeline import Pipeline

from nlp_coder.features import rules_baseline
from nlp_coder.types import CODES, OUTCOMES, REVIEW

__all__ = ["CLASSES", "CODES", "REVIEW", "FastProbabilities", "build_model", "label_to_class", "rules_baseline"]

CLASSES = OUTCOMES


def label_to_class(label: str) -> str:
    """Corpus label -> training class ("unclear" reports are the review class)."""
    return REVIEW if label == "unclear" else label


def build_model(random_state: int = 0, n_estimators: int = 100) -> CalibratedClassifierCV:
    """An unfitted, calibrated classifier (deterministic for a given random_state)."""
    pipeline = Pipeline(
        [
            # feature dicts -> dense matrix, columns in sorted feature-name order
            ("features", DictVectorizer(sparse=False, sort=True)),
            # trees capture the interactions coders reason with (contrast given x pre-contrast imaging)
            (
                "forest",
                RandomForestClassifier(
                    n_estimators=n_estimators, min_samples_leaf=1, random_state=random_state, n_jobs=1
                ),
            ),
        ]
    )
    # Isotonic calibration on 5 stratified folds; one final forest (ensemble=False) keeps prediction fast.
    return CalibratedClassifierCV(pipeline, method="isotonic", cv=5, ensemble=False)


class FastProbabilities:
    """``model.predict_proba`` for the model ``build_model`` makes, computed as scikit-learn computes it,
    without its per-call overhead.

    For a batch of a few hundred reports scikit-learn spends most of its time around the arithmetic:
    validating input, running each of the forest's trees through joblib, building a sparse matrix from
    the feature dicts. Here the dicts fill a dense matrix directly and each tree's ``tree_.predict`` is
    summed in the forest's order, then the isotonic calibrators and their normalisation are applied as in
    ``sklearn.calibration``: the same float operations, so the same probabilities bit for bit
    (``tests/test_model.py`` checks on the corpus). A model of any other shape, or a feature value that is
    not a number, goes to ``model.predict_proba``.
    """

    def __init__(self, model: Any):
        self.model = model
        self._parts = self._unpack(model)

    @staticmethod
    def _unpack(model: Any) -> list[tuple[dict[str, int], Any, Any, np.ndarray]] | None:
        if not isinstance(model, CalibratedClassifierCV) or model.method != "isotonic" or len(model.classes_) < 3:
            return None  # (binary calibration normalises differently)
        parts = []
        for calibrated in model.calibrated_classifiers_:
            estimator = calibrated.estimator
            if not isinstance(estimator, Pipeline) or len(estimator.steps) != 2:
                return None
            vectorizer, forest = estimator.steps[0][1], estimator.steps[1][1]
            if (
                not isinstance(vectorizer, DictVectorizer)
                or vectorizer.sparse
                or vectorizer.dtype is not np.float64
                or not isinstance(forest, RandomForestClassifier)
                or forest.n_outputs_ != 1
            ):
                return None
            # the calibrated column of each of the forest's classes
            columns = np.searchsorted(model.classes_, forest.classes_)
            if not np.array_equal(model.classes_[columns], forest.classes_):
                return None
            parts.append((vectorizer.vocabulary_, forest, calibrated.calibrators, columns))
        return parts

    def __call__(self, features: Sequence[dict[str, float]]) -> np.ndarray:
        if self._parts is None or not all(
            type(v) in (float, int, bool) for f in features for v in f.values()
        ):
            return self.model.predict_proba(features)
        n_classes = len(self.model.classes_)
        mean = np.zeros((len(features), n_classes))
        for vocabulary, forest, calibrators, columns in self._parts:
            x = np.zeros((len(features), len(vocabulary)))
            for row, feats in enumerate(features):
                for name, value in feats.items():
                    column = vocabulary.get(name)
                    if column is not None:
                        x[row, column] = value
            x = x.astype(np.float32)  # the trees' input type
            votes = np.zeros((len(features), forest.n_classes_))
            for tree in forest.estimators_:
                votes += tree.tree_.predict(x)[:, : forest.n_classes_]
            votes /= len(forest.estimators_)
            proba = np.zeros((len(features), n_classes))
            for column, scores, calibrator in zip(columns, votes.T, calibrators, strict=True):
                proba[:, column] = calibrator.predict(scores)
            denominator = np.sum(proba, axis=1)[:, np.newaxis]
            uniform = np.full_like(proba, 1 / n_classes)
            proba = np.divide(proba, denominator, out=uniform, where=denominator != 0)
            proba[(1.0 < proba) & (proba <= 1.0 + 1e-5)] = 1.0
            mean += proba
        mean /= len(self._parts)
        return mean
