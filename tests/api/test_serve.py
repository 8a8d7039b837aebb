"""`nlp-coder serve` starts a real server that answers over HTTP."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port, wait_ready


@pytest.mark.slow
def test_serve_answers_over_http(tmp_path):
    port = free_port()
    exe = shutil.which("nlp-coder") or str(Path(sys.executable).with_name("nlp-coder"))
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [exe, "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ},
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}")
        response = httpx.post(
            f"http://127.0.0.1:{port}/v1/suggest", json={"text": "MRI brain without contrast. Axial T2, FLAIR."}
        )
        assert response.status_code == 200
        assert response.json()["code"] == "70551"
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
