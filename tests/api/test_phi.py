"""Report text never reaches a log line or an error body, on any route, failing or not."""

from __future__ import annotations

import logging

SENTINEL = "ZZSENTINEL-PHI-4242"


def test_sentinel_never_logged_or_echoed(client, caplog):
    caplog.set_level(logging.DEBUG)
    text = f"MRI brain without contrast. Patient {SENTINEL}. T2 and FLAIR."
    calls = [
        ("post", "/v1/suggest", {"json": {"text": text, "id": "x"}}),
        ("post", "/v1/suggest", {"json": {"text": 5, "id": SENTINEL}}),
        ("post", "/v1/suggest", {"json": {"text": text, "extra": SENTINEL}}),
        ("post", "/v1/suggest", {"json": {"text": text * 3000}}),
        (
            "post",
            "/v1/suggest",
            {"content": f'{{"text": "{SENTINEL}'.encode(), "headers": {"content-type": "application/json"}},
        ),
        ("post", "/v1/suggest", {"content": SENTINEL.encode(), "headers": {"content-type": "text/plain"}}),
        ("post", "/v1/suggest", {"json": {"text": text, "id": SENTINEL * 20}}),
        ("post", "/v1/suggest/batch", {"json": {"reports": [{"text": text}] * 101}}),
        ("post", "/v1/suggest/batch", {"json": {"reports": [{"text": text, "id": "a"}, {"txt": SENTINEL}]}}),
        ("post", "/v1/suggest/batch", {"json": {"reports": [{"text": text}]}}),
        ("get", f"/v1/codes?q={SENTINEL}", {}),
        ("get", "/healthz", {}),
        ("get", "/readyz", {}),
        ("get", f"/nope/{SENTINEL}", {}),
    ]
    for method, url, kwargs in calls:
        response = getattr(client, method)(url, **kwargs)
        assert response.status_code < 500
        if response.status_code >= 400:
            assert SENTINEL not in response.text, url
    server_records = [r for r in caplog.records if not r.name.startswith("httpx")]  # httpx: the test client
    assert any(r.name == "api" for r in server_records)
    for record in server_records:
        assert SENTINEL not in record.getMessage()
        assert SENTINEL not in str(record.args)
