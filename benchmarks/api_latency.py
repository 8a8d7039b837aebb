"""API latency of a single report over loopback: p50/p99 at concurrency 1 and 8.

    python benchmarks/api_latency.py [--requests 400]

Starts `nlp-coder serve` (one worker) on a free port, warms it up, then sends single-report POST
/v1/suggest requests with corpus reports, first one at a time, then from 8 concurrent clients.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def _run(url: str, texts: list[str], concurrency: int, n: int) -> list[float]:
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(n))

    def worker() -> None:
        with httpx.Client(timeout=30) as client:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                start = time.perf_counter()
                response = client.post(url, json={"text": texts[i % len(texts)], "id": str(i)})
                elapsed = (time.perf_counter() - start) * 1000
                response.raise_for_status()
                with lock:
                    latencies.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=Path, default=Path("corpus/reports.jsonl"))
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    texts = [json.loads(line)["text"] for line in args.reports.read_text(encoding="utf-8").splitlines() if line.strip()]
    port = _free_port()
    exe = shutil.which("nlp-coder") or str(Path(sys.executable).with_name("nlp-coder"))
    server = subprocess.Popen(
        [exe, "serve", "--port", str(port), "--log-level", "warning"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        _run(f"{base}/v1/suggest", texts, 1, 50)  # warm-up
        mean_chars = statistics.mean(len(t) for t in texts)
        print(f"single-report POST /v1/suggest over loopback, mean report {mean_chars:.0f} characters, 1 worker")
        for concurrency in (1, 8):
            latencies = _run(f"{base}/v1/suggest", texts, concurrency, args.requests)
            print(
                f"concurrency {concurrency}: p50 {_percentile(latencies, 50):6.1f} ms  "
                f"p99 {_percentile(latencies, 99):6.1f} ms  ({len(latencies)} requests)"
            )
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
