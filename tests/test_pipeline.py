"""The pipeline's own memory behaviour: a processed report is freed when dropped, with no collector run."""

from __future__ import annotations

import gc
import weakref

from nlp_coder.evidence import doc_to_extraction
from nlp_coder.pipeline import get_nlp, release

TEXT = (
    "EXAM: MRI brain without and with contrast.\nTECHNIQUE: Sagittal T1, axial FLAIR. After 7 mL gadobutrol IV, "
    "axial T1.\nFINDINGS: No abnormal enhancement.\nIMPRESSION: Normal."
)


def test_a_released_doc_is_freed_by_reference_counting():
    doc = get_nlp()(TEXT)
    assert doc_to_extraction(doc).evidence
    ref = weakref.ref(doc)
    gc.disable()
    try:
        release(doc)
        del doc
        assert ref() is None  # no reference cycle left for the garbage collector
    finally:
        gc.enable()


def test_the_default_pipeline_leaves_no_reference_cycle_even_unreleased():
    # targets are kept as tuples, not Spans (a Span refers back to its doc): nothing waits for the collector
    doc = get_nlp()(TEXT)
    assert doc._.nlp_coder_targets
    ref = weakref.ref(doc)
    gc.disable()
    try:
        del doc
        assert ref() is None
    finally:
        gc.enable()
