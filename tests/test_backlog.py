"""Backlog scoring as a revenue-cycle team runs it: formats, bad records, kill -9 and resume, Dask."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from nlp_coder.backlog import BacklogJob, run_backlog

TEXTS = [
    "EXAM: MRI BRAIN WITHOUT CONTRAST\nTECHNIQUE: Axial T2, FLAIR, DWI.\nIMPRESSION: Normal.",
    "EXAM: MRI BRAIN WITHOUT AND WITH CONTRAST\nTECHNIQUE: T2, FLAIR, then axial T1 after 7.5 mL IV Gadavist.",
    "CT HEAD WITHOUT CONTRAST. No hemorrhage.",
]


def _write_jsonl(path: Path, n: int, bad: bool = True) -> set[str]:
    keys = set()
    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            handle.write(json.dumps({"id": f"r{i}", "text": TEXTS[i % len(TEXTS)]}) + "\n")
            keys.add(f"r{i}")
        if bad:
            handle.write("{not json\n")
            keys.add(f"line:{n + 1}")
            handle.write(json.dumps({"id": "r0", "text": "duplicate"}) + "\n")
            keys.add(f"line:{n + 2}")
            handle.write(json.dumps({"id": "big", "text": "x" * 1_000_001}) + "\n")
            keys.add("big")
    return keys


def _keys(path: Path) -> list[str]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [row.get("_key") or row["id"] for row in rows]


def test_jsonl_with_bad_records(tmp_path):
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    expected = _write_jsonl(source, 9)
    summary = run_backlog(BacklogJob(input=str(source), output=str(out), progress=False))
    keys = _keys(out)
    assert sorted(keys) == sorted(expected) and len(keys) == len(set(keys))
    assert summary["error_reasons"] == {"malformed_json": 1, "duplicate_id": 1, "oversize_text": 1}
    rows = {json.loads(line).get("id"): json.loads(line) for line in out.read_text().splitlines()}
    assert rows["r1"]["code"] == "70553" and rows["big"]["status"] == "error"
    assert "x" * 50 not in out.read_text()


def test_stdin_to_stdout_as_a_pipe():
    # `... | nlp-coder score - -o - | ...`: one JSON line per record, UTF-8 (the widget-free way to script it)
    lines = [json.dumps({"id": f"r{i}", "text": text}) for i, text in enumerate(TEXTS)]
    lines.append(json.dumps({"id": "é1", "text": "IRM cérébrale sans injection. Axial T2, FLAIR — normal."}))
    cli = shutil.which("nlp-coder") or str(Path(sys.executable).with_name("nlp-coder"))
    done = subprocess.run(
        [cli, "score", "-", "-o", "-", "--quiet"],
        input="\n".join(lines).encode("utf-8"),
        capture_output=True,
        timeout=300,
        check=True,
    )
    rows = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines() if line.startswith("{")]
    assert [row["id"] for row in rows] == ["r0", "r1", "r2", "é1"]
    assert rows[1]["code"] == "70553"


def test_errors_file(tmp_path):
    source, out, errors = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    _write_jsonl(source, 6)
    run_backlog(BacklogJob(input=str(source), output=str(out), errors_path=str(errors), progress=False))
    assert len(out.read_text().splitlines()) == 6
    assert {json.loads(line)["error"] for line in errors.read_text().splitlines()} == {
        "malformed_json",
        "duplicate_id",
        "oversize_text",
    }


def test_csv_with_configured_columns_and_parquet_output(tmp_path):
    import pyarrow.parquet as pq

    source = tmp_path / "in.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["accession", "report_text"])
        for i, text in enumerate(TEXTS):
            writer.writerow([f"A{i}", text])  # texts hold newlines: CSV quoting keeps them
        writer.writerow(["", "no id"])
    out = tmp_path / "out.parquet"
    run_backlog(
        BacklogJob(input=str(source), output=str(out), id_column="accession", text_column="report_text", progress=False)
    )
    table = pq.read_table(out).to_pylist()
    assert sorted(r["key"] for r in table) == ["A0", "A1", "A2", "line:5"]
    codes = {r["id"]: r["code"] for r in table}
    assert codes["A1"] == "70553"
    assert json.loads(next(r for r in table if r["id"] == "A0")["result_json"])["evidence"]


def test_parquet_input(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": ["a", "b"], "text": TEXTS[:2]}), source)
    out = tmp_path / "out.jsonl"
    run_backlog(BacklogJob(input=str(source), output=str(out), progress=False))
    assert sorted(_keys(out)) == ["a", "b"]


def test_resume_skips_done_and_drops_a_cut_line(tmp_path):
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    expected = _write_jsonl(source, 12)
    run_backlog(BacklogJob(input=str(source), output=str(out), progress=False))
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(lines[:5]) + lines[5][:20])  # as if killed while writing line 6
    summary = run_backlog(BacklogJob(input=str(source), output=str(out), progress=False))
    assert summary["resumed_from"] == 5
    keys = _keys(out)
    assert sorted(keys) == sorted(expected) and len(keys) == len(set(keys))


def _cli() -> str:
    return shutil.which("nlp-coder") or str(Path(sys.executable).with_name("nlp-coder"))


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_kill_9_mid_run_then_resume(tmp_path, workers):
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    # enough reports that the kill lands mid-run however fast the scoring (short reports: ~5,000/s)
    expected = _write_jsonl(source, 20_000)
    command = [_cli(), "score", str(source), "-o", str(out), "--workers", str(workers), "--quiet", "--batch-size", "16"]
    process = subprocess.Popen(command, start_new_session=True, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline:
        if out.exists() and out.stat().st_size > 200_000:
            break
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    partial = len(out.read_text().splitlines())
    assert 0 < partial < len(expected), "the kill must land mid-run"
    subprocess.run(command, check=True, stderr=subprocess.DEVNULL, timeout=600)
    keys = _keys(out)
    duplicates = [k for k, n in Counter(keys).items() if n > 1]
    assert not duplicates
    assert set(keys) == expected


@pytest.mark.slow
def test_dask_local_cluster(tmp_path):
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    expected = _write_jsonl(source, 40)
    summary = run_backlog(
        BacklogJob(input=str(source), output=str(out), engine="dask", workers=1, batch_size=8, progress=False)
    )
    keys = _keys(out)
    assert sorted(keys) == sorted(expected) and len(keys) == len(set(keys))
    assert summary["statuses"]["error"] == 3


def test_a_worker_rebuilds_its_pipeline_when_the_vocabulary_grows_past_the_limit(monkeypatch):
    """Every new word (accession numbers, dates) stays in spaCy's vocabulary: a long backlog would grow a
    worker without bound. Past VOCAB_LIMIT the worker starts a fresh pipeline, the old one is freed, and the
    suggestions are the same."""
    import gc
    import weakref

    from nlp_coder import backlog

    monkeypatch.setattr(backlog, "_WORKER_SUGGESTER", None)
    report = "MRI brain without contrast. Accession {n}. Axial FLAIR and DWI. No acute infarct."
    chunk = [(f"r{n}", f"r{n}", n, report.format(n=n * 7919 + 1000003), None) for n in range(40)]
    first = backlog.score_chunk(chunk[:20], None)
    old = weakref.ref(backlog._WORKER_SUGGESTER.nlp)
    monkeypatch.setattr(backlog, "VOCAB_LIMIT", len(backlog._WORKER_SUGGESTER.nlp.vocab) - 1)
    second = backlog.score_chunk(chunk[20:], None)
    try:
        gc.collect()
        assert old() is None  # the old pipeline and its vocabulary are gone
        assert [json.loads(line)["code"] for _, _, line in first] == [json.loads(line)["code"] for _, _, line in second]
        assert {json.loads(line)["code"] for _, _, line in second} == {"70551"}
    finally:
        backlog._WORKER_SUGGESTER = None
        gc.unfreeze()
