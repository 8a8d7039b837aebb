"""A long-running service keeps its memory bounded: past the vocabulary limit the pipeline is renewed."""

from __future__ import annotations

import gc
import weakref

from fastapi.testclient import TestClient

from api.main import create_app
from nlp_coder.settings import Settings

REPORT = "MRI brain without contrast. Accession {n}. Axial FLAIR and DWI. No acute infarct."


def test_the_service_renews_its_pipeline_past_the_vocabulary_limit_and_frees_the_old_one():
    try:
        with TestClient(create_app(Settings())) as client:
            state = client.app.state
            first = client.post("/v1/suggest", json={"text": REPORT.format(n=7_919_001), "id": "a"})
            old = weakref.ref(state.suggester.nlp)
            # every new word stays in the vocabulary: a limit just under its size is passed by the next report
            state.renewal.limit = len(state.suggester.nlp.vocab) - 1
            during = client.post("/v1/suggest", json={"text": REPORT.format(n=7_919_002), "id": "b"})
            state.renewal.wait(timeout=120)
            state.renewal.limit = None  # the default limit again: the fresh pipeline is far below it
            after = client.post("/v1/suggest", json={"text": REPORT.format(n=7_919_003), "id": "c"})

            assert [r.status_code for r in (first, during, after)] == [200, 200, 200]
            assert {r.json()["code"] for r in (first, during, after)} == {"70551"}
            assert state.renewal.renewals == 1
            assert state.suggester.nlp is not old()
            gc.collect()
            assert old() is None  # the old pipeline and its vocabulary are gone
            assert client.get("/readyz").json()["model_version"] == first.json()["model_version"]
    finally:
        gc.unfreeze()
