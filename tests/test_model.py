"""The bundled model: safe loading, metadata, and deterministic retraining."""

from __future__ import annotations

import json

import pytest
import skops.io as sio

from nlp_coder.errors import ModelError
from nlp_coder.persistence import DEFAULT_MODEL, TRUSTED_TYPES, load_model, meta_path


def test_bundled_model_holds_only_trusted_types():
    assert set(sio.get_untrusted_types(file=DEFAULT_MODEL)) <= set(TRUSTED_TYPES)


def test_metadata_describes_the_model():
    meta = json.loads(meta_path(DEFAULT_MODEL).read_text())
    for key in ("model_version", "model_sha256", "threshold", "training_data", "versions", "classes"):
        assert key in meta
    assert meta["training_data"]["sha256"]
    assert set(meta["versions"]) >= {"scikit-learn", "skops", "spacy", "medspacy"}


def test_tampered_model_is_refused(tmp_path):
    copy = tmp_path / "m.skops"
    copy.write_bytes(DEFAULT_MODEL.read_bytes() + b"x")
    meta_path(copy).write_text(meta_path(DEFAULT_MODEL).read_text())
    with pytest.raises(ModelError, match="checksum"):
        load_model(copy)


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        load_model(tmp_path / "none.skops")


@pytest.mark.slow
def test_training_is_deterministic(tmp_path):
    from nlp_coder.corpus import load_corpus
    from nlp_coder.training import corpus_features, train

    first = train("corpus/reports.jsonl", seed=0)
    second = train("corpus/reports.jsonl", seed=0)
    test = load_corpus("corpus/reports.jsonl", "test")
    features = corpus_features(test)
    assert (first.model.predict_proba(features) == second.model.predict_proba(features)).all()
    assert first.threshold == second.threshold


def test_fast_probabilities_equal_scikit_learns_bit_for_bit():
    """The suggester's own predict path gives exactly the probabilities of ``model.predict_proba``."""
    from nlp_coder.classifier import FastProbabilities
    from nlp_coder.corpus import load_corpus
    from nlp_coder.training import corpus_features

    model, _ = load_model(DEFAULT_MODEL)
    fast = FastProbabilities(model)
    assert fast._parts is not None  # the bundled model takes the fast path
    features = corpus_features(load_corpus("corpus/reports.jsonl", "test"))
    features += [{}, {"no such feature": 1.0}, {name: 1.0 for name in features[0]}]
    assert (fast(features) == model.predict_proba(features)).all()
    assert (fast(features[:1]) == model.predict_proba(features[:1])).all()


def test_fast_probabilities_fall_back_for_values_that_are_not_numbers():
    from nlp_coder.classifier import FastProbabilities

    model, _ = load_model(DEFAULT_MODEL)
    features = [{"exam:brain": "yes"}]  # DictVectorizer one-hot encodes strings; the fast path does not
    assert (FastProbabilities(model)(features) == model.predict_proba(features)).all()
