"""The code classifier: a scikit-learn Pipeline over evidence features, calibrated; and the rules baseline.

    features(evidence) -> DictVectorizer -> RandomForestClassifier, in CalibratedClassifierCV (isotonic)

Classes: 70551, 70552, 70553, out_of_scope, and needs_review. The corpus labels reports a coder could not
code ("unclear": conflicting statements, garbled or truncated text, unfilled templates, non-reports);
learning them as a class lets the model route look-alikes to review instead of spreading their
probability over the codes. The four coding outcomes stay calibrated probabilities in the output.
"""

from __future__ import annotations

from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_extraction import DictVectorizer
from sklearn.pipeline import Pipeline

from nlp_coder.features import rules_baseline
from nlp_coder.types import CODES, OUTCOMES, REVIEW

__all__ = ["CLASSES", "CODES", "REVIEW", "build_model", "label_to_class", "rules_baseline"]

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
