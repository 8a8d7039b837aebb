"""`nlp-coder serve` starts a real server that answers over HTTP."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_serve_answers_over_http(tmp_path):
    port = _free_port()
    exe = shutil.which("nlp-coder") or str(Path(sys.executable).with_name("nlp-coder"))
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [exe, "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ},
    )
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        else:
            pytest.fail("server did not become ready")
        response = httpx.post(
            f"http://127.0.0.1:{port}/v1/suggest", json={"text": "MRI brain without contrast. Axial T2, FLAIR."}
        )
        assert response.status_code == 200
        assert response.json()["code"] == "70551"
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
