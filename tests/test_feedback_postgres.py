"""The feedback store on a real PostgreSQL server (Debian's postgresql, started here on loopback)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not BIN, reason="Debian's postgresql is not installed")]


def _as_postgres(args: list[str]) -> list[str]:
    # initdb and the server refuse to run as root.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


@pytest.fixture(scope="module")
def postgres_url():
    bin_dir = BIN[-1]
    # Not under pytest's tmp_path: its parents are private to root and the server runs as postgres.
    root = Path(tempfile.mkdtemp(prefix="nlp-coder-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    subprocess.run(
        _as_postgres([f"{bin_dir}/initdb", "-D", str(data), "-A", "trust", "-U", "postgres"]),
        check=True,
        capture_output=True,
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1"
    subprocess.run(
        _as_postgres([f"{bin_dir}/pg_ctl", "-D", str(data), "-o", options, "-w", "-l", str(root / "log"), "start"]),
        check=True,
        capture_output=True,
    )
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    yield url
    subprocess.run(_as_postgres([f"{bin_dir}/pg_ctl", "-D", str(data), "-m", "fast", "stop"]), capture_output=True)
    shutil.rmtree(root, ignore_errors=True)


def test_feedback_rows_on_postgres(postgres_url):
    import io

    from nlp_coder.feedback import FeedbackStore

    store = FeedbackStore(postgres_url)
    started = time.time()
    store.add(
        report_id="p1",
        suggested_code="70553",
        suggested_status="suggested",
        confidence=0.98,
        final_code="70553",
        action="accept",
        reason=None,
        model_version="m",
        text="report one",
    )
    store.add(
        report_id="p2",
        suggested_code="70552",
        suggested_status="suggested",
        confidence=0.95,
        final_code="70553",
        action="override",
        reason="pre-contrast T1 was done",
        model_version="m",
        text="report two",
    )
    rows = [r.to_dict() for r in store.rows()]
    assert [(r["report_id"], r["final_code"]) for r in rows][-2:] == [("p1", "70553"), ("p2", "70553")]
    assert all(r["text_sha256"] and "text" not in r for r in rows)
    sink = io.StringIO()
    assert store.export(sink, "csv") >= 2
    stats = store.stats()
    assert stats["confusion"]["70552"]["70553"] >= 1
    assert time.time() - started < 30
    store.close()
