"""The routes behind the coder widget: queues and the feedback store."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.main import create_app
from nlp_coder.cli import app as cli
from nlp_coder.settings import Settings

REPORTS = [
    {"id": "q1", "text": "MRI brain without contrast. Axial T2 and FLAIR. Normal."},
    {"id": "q2", "text": "MRI brain without and with contrast: T2, FLAIR, then T1 after 7.5 mL IV Gadavist."},
]


def test_queue_walk(client):
    created = client.post("/v1/queue", json={"reports": REPORTS}).json()
    assert created["count"] == 2
    info = client.get(f"/v1/queue/{created['queue_id']}").json()
    assert info["ids"] == ["q1", "q2"]
    item = client.get(f"/v1/queue/{created['queue_id']}/items/1").json()
    assert item["id"] == "q2" and item["text"] == REPORTS[1]["text"] and item["suggestion"]["code"] == "70553"
    assert client.get(f"/v1/queue/{created['queue_id']}/items/2").status_code == 404
    assert client.get("/v1/queue/nope").status_code == 404


def test_feedback_rows_export_and_stats(tmp_path):
    url = f"sqlite:///{tmp_path}/fb.sqlite"
    with TestClient(create_app(Settings(feedback_url=url))) as client:
        base = {"suggested_status": "suggested", "confidence": 0.97, "model_version": "m1", "text": "SECRET-REPORT"}
        assert (
            client.post(
                "/v1/feedback",
                json={**base, "report_id": "a", "suggested_code": "70553", "final_code": "70553", "action": "accept"},
            ).status_code
            == 200
        )
        client.post(
            "/v1/feedback",
            json={
                **base,
                "report_id": "b",
                "suggested_code": "70553",
                "final_code": "70551",
                "action": "override",
                "reason": "contrast not given per MAR",
            },
        )
        bad = client.post("/v1/feedback", json={**base, "final_code": "99999", "action": "accept"})
        assert bad.status_code == 422 and "SECRET-REPORT" not in bad.text
    runner = CliRunner()
    exported = runner.invoke(cli, ["feedback", "export", "--url", url])
    rows = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [r["final_code"] for r in rows] == ["70553", "70551"]
    assert rows[1]["reason"] == "contrast not given per MAR"
    assert all(len(r["text_sha256"]) == 64 and "text" not in r for r in rows)
    assert "SECRET-REPORT" not in exported.stdout
    csv_out = runner.invoke(cli, ["feedback", "export", "--url", url, "--format", "csv"])
    assert csv_out.stdout.splitlines()[0].startswith("feedback_id,report_id")
    stats = runner.invoke(cli, ["feedback", "stats", "--url", url])
    assert stats.exit_code == 0
    assert "50.0%" in stats.stdout  # 70553: one accepted of two


def test_feedback_text_kept_only_when_configured(tmp_path):
    url = f"sqlite:///{tmp_path}/fb2.sqlite"
    with TestClient(create_app(Settings(feedback_url=url, store_feedback_text=True))) as client:
        client.post(
            "/v1/feedback",
            json={
                "suggested_status": "suggested",
                "suggested_code": "70551",
                "final_code": "70551",
                "action": "accept",
                "model_version": "m",
                "text": "kept",
            },
        )
    from nlp_coder.feedback import FeedbackStore

    (row,) = list(FeedbackStore(url, store_text=True).rows())
    assert row.text == "kept"
