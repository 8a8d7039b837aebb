"""Backlog scoring speed: `nlp-coder score` with 1 and 2 workers vs out-of-the-box medspaCy.

    python benchmarks/bulk_speed.py [--n 4000] [--rounds 3]

Writes N reports (the corpus texts, cycled) to a temporary JSONL, runs `nlp-coder score` end to end
(extraction, classifier, billing extras, JSON output) with 1 and then 2 worker processes, and times each
run from start to finish (process start-up and model loading included). Peak RSS is sampled for every
process of the run. The medspaCy baseline (`medspacy.load()` + sectionizer, one core) runs on the same
texts in the same invocation.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extraction_speed import _measure, _run_medspacy, _texts  # noqa: E402


# Peak RSS is the kernel's high-water mark of each process (VmHWM), so sampling it now and then loses no
# peak. The sampler shares the machine with the workers it measures: at 20 samples/s, listing the process
# tree and reading memory took ~4% of a core, CPU the two-worker run (every core busy) could not spare.
SAMPLE_SECONDS = 0.5


def _peak_rss_mib(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _score(cli: str, source: Path, out: Path, workers: int) -> tuple[float, float, dict[int, float]]:
    if out.exists():
        out.unlink()
    start = time.perf_counter()
    log = out.with_suffix(".log")
    process = psutil.Popen(
        [cli, "score", str(source), "-o", str(out), "--workers", str(workers), "--quiet"], stderr=log.open("w")
    )
    peaks: dict[int, float] = {}
    while True:
        try:
            for p in [process, *process.children(recursive=True)]:
                peak = _peak_rss_mib(p.pid)
                if peak is None:  # not Linux: the current RSS, sampled
                    peak = p.memory_info().rss / 2**20
                peaks[p.pid] = max(peaks.get(p.pid, 0.0), peak)
        except psutil.Error:
            pass
        try:
            process.wait(timeout=SAMPLE_SECONDS)  # returns as soon as the run ends
            break
        except psutil.TimeoutExpired:
            continue
    elapsed = time.perf_counter() - start
    match = re.search(r"steady ([0-9.]+) reports/s", log.read_text())
    return elapsed, float(match.group(1)) if match else float("nan"), peaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=Path, default=Path("corpus/reports.jsonl"))
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=3, help="baseline, 1 worker, 2 workers; repeated")
    args = parser.parse_args()
    texts = _texts(args.reports, args.n)
    cli = shutil.which("nlp-coder") or str(Path(sys.executable).with_name("nlp-coder"))
    rounds = []
    with tempfile.TemporaryDirectory() as tmp:
        source, out = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        with source.open("w", encoding="utf-8") as handle:
            for i, text in enumerate(texts):
                handle.write(json.dumps({"id": f"r{i}", "text": text}) + "\n")
        # A shared machine's speed drifts by 10-20% over minutes: each round measures the baseline and both
        # worker counts back to back, and the figures below are medians of the rounds' own ratios. The order
        # of the two worker counts alternates between rounds (1, 2 then 2, 1), so that a drift within a round
        # does not always fall on the same one.
        for number in range(args.rounds):
            # The baseline is slow: it runs on every 10th report, the same mix of reports as the scored run.
            baseline = _measure(_run_medspacy, texts[::10])
            results = {}
            for workers in (1, 2) if number % 2 == 0 else (2, 1):
                seconds, steady, peaks = _score(cli, source, out, workers)
                assert len(out.read_text().splitlines()) == len(texts)
                results[workers] = (len(texts) / seconds, steady, peaks)
            rounds.append((baseline, results))
    print(f"{len(texts)} reports, cpu count {os.cpu_count()}, {len(rounds)} rounds")
    for number, (baseline, results) in enumerate(rounds, 1):
        print(f"round {number}: medspaCy baseline (medspacy.load() + sectionizer, 1 core): {baseline:8.1f} reports/s")
        for workers, (overall, steady, peaks) in sorted(results.items()):
            rss = ", ".join(f"{mb:.0f}" for mb in sorted(peaks.values(), reverse=True))
            print(
                f"  score --workers {workers}: steady {steady:7.1f} reports/s ({steady / workers / baseline:.1f}x "
                f"baseline per core), overall incl. start-up {overall:6.1f}/s; peak RSS per process (MiB): {rss}"
            )
        print(f"  speed-up 1 -> 2 workers (steady): {results[2][1] / results[1][1]:.2f}x")
    print("medians over the rounds:")
    for workers in (1, 2):
        ratio = statistics.median(r[workers][1] / workers / b for b, r in rounds)
        print(f"  score --workers {workers}: {ratio:.1f}x baseline per core")
    print(f"  speed-up 1 -> 2 workers: {statistics.median(r[2][1] / r[1][1] for _, r in rounds):.2f}x")


if __name__ == "__main__":
    main()
