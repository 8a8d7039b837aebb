from __future__ import annotations

import json

from typer.testing import CliRunner

from nlp_coder.cli import app

runner = CliRunner()


def test_extract_bulk_with_bad_records(tmp_path):
    source = tmp_path / "in.jsonl"
    lines = [
        json.dumps({"id": "a", "text": "MRI brain. Post-contrast T1 after gadolinium."}),
        "{not json",
        json.dumps({"id": "b", "text": ""}),
        json.dumps({"text": "no id here SENTINEL-TEXT"}),
        json.dumps({"id": "a", "text": "duplicate"}),
        json.dumps({"id": "c", "text": 42}),
        json.dumps({"id": "d", "text": "Non-contrast MRI brain."}),
    ]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["extract", str(source), "-o", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    # a duplicate id is reported by its line (ids stay unique in the output)
    assert [r.get("id") for r in rows] == ["a", None, "b", None, None, "c", "d"]
    assert [r.get("error") for r in rows] == [
        None,
        "malformed_json",
        "empty_text",
        "missing_id",
        "duplicate_id",
        "text_not_string",
        None,
    ]
    assert any(e["kind"] == "contrast_administration" for e in rows[0]["evidence"])
    assert "SENTINEL-TEXT" not in result.output
    assert "2 reports extracted, 5 errors" in result.output


def test_extract_invalid_utf8(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_bytes(json.dumps({"id": "a", "text": "T1"}).encode() + b"\n" + b'{"id": "b", "text": "\xff\xfe"}\n')
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["extract", str(source), "-o", str(out), "--quiet"])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r.get("error") for r in rows] == [None, "invalid_utf8"]


def test_demo_runs_the_pipeline():
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0
    assert "sample-70553" in result.output and "Gadavist" in result.output
