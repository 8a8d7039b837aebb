"""The API as a client sees it: the contract, limits and errors."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from nlp_coder.settings import Settings

REPORT = (
    "EXAM: MRI BRAIN WITHOUT AND WITH CONTRAST\nTECHNIQUE: Sagittal T1, axial T2, FLAIR and DWI, followed by "
    "axial and coronal T1 after intravenous administration of 7.5 mL Gadavist.\nIMPRESSION: No enhancing lesion."
)


def test_suggest(client):
    response = client.post("/v1/suggest", json={"text": REPORT, "id": "r-17"})
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["code"], body["status"]) == ("r-17", "70553", "suggested")
    assert all(REPORT[e["start"] : e["end"]] == e["text"] for e in body["evidence"])
    assert response.headers["X-Request-ID"]


def test_batch(client):
    response = client.post("/v1/suggest/batch", json={"reports": [{"text": REPORT, "id": "a"}, {"text": "CT head."}]})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and [r["id"] for r in body["results"]] == ["a", None]


def test_codes_are_our_own_words(client):
    data = client.get("/v1/codes").json()["data"]
    codes = {row["code"]: row["description"] for row in data}
    assert {"70551", "70552", "70553", "A9585", "52", "53"} <= set(codes)
    assert "without contrast material(s), followed by contrast material(s)" not in codes["70553"]


def test_health_and_ready(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["model_version"].startswith("brain-mri-cpt-")


def test_docs(client):
    assert client.get("/docs").status_code == 200
    assert "/v1/suggest" in client.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 400, "invalid_json"),
        ({"json": {"text": 12}}, 422, "invalid_request"),
        ({"json": {"report": "x"}}, 422, "invalid_request"),
        ({"content": b"text", "headers": {"content-type": "text/plain"}}, 415, "unsupported_media_type"),
        ({"json": {"text": "a" * 100_001}}, 413, "report_too_large"),
        ({"json": {"text": "   \n"}}, 422, "empty_report"),
        (
            {"content": '{"text": "caf\xe9"}'.encode("latin-1"), "headers": {"content-type": "application/json"}},
            400,
            "invalid_body",
        ),
        ({"content": bytes(range(256)), "headers": {"content-type": "application/json"}}, 400, "invalid_json"),
    ],
)
def test_errors_are_clear_json(client, kwargs, status, code):
    response = client.post("/v1/suggest", **kwargs)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_batch_limit(client):
    response = client.post("/v1/suggest/batch", json={"reports": [{"text": "x"}] * 101})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "batch_too_large"


def test_configured_limit():
    with TestClient(create_app(Settings(max_report_chars=50))) as small:
        assert small.post("/v1/suggest", json={"text": "x" * 51}).status_code == 413
        assert small.post("/v1/suggest", json={"text": "x" * 50}).status_code == 200


def test_api_key():
    with TestClient(create_app(Settings(api_keys="k1,k2"))) as secured:
        assert secured.post("/v1/suggest", json={"text": REPORT}).status_code == 401
        assert secured.post("/v1/suggest", json={"text": REPORT}, headers={"X-API-Key": "bad"}).status_code == 401
        assert secured.post("/v1/suggest", json={"text": REPORT}, headers={"X-API-Key": "k2"}).status_code == 200
        assert secured.get("/healthz").status_code == 200


def test_cors_off_unless_configured(client):
    response = client.options(
        "/v1/suggest", headers={"Origin": "http://x.test", "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in response.headers
    with TestClient(create_app(Settings(cors_origins="http://x.test"))) as cors:
        response = cors.options(
            "/v1/suggest", headers={"Origin": "http://x.test", "Access-Control-Request-Method": "POST"}
        )
        assert response.headers["access-control-allow-origin"] == "http://x.test"
