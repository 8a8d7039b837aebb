"""Extraction speed: nlp_coder.extract_many vs out-of-the-box medspaCy, same reports, same run.

    python benchmarks/extraction_speed.py [--reports corpus/reports.jsonl] [--n 400]

Each pipeline runs in its own fresh process (one core each, one after the other), is warmed up with one
untimed pass over the reports (steady state, as in a long backlog run, where the vocabulary has seen the
words before), then timed over the same report texts. Prints reports/s for both and the ratio. The baseline is
``medspacy.load()`` plus its sectionizer, as the issue defines it.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import time
from pathlib import Path


def _texts(path: Path, n: int | None) -> list[str]:
    texts = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if n is None:
        return texts
    out = []
    while len(out) < n:
        out.extend(texts)
    return out[:n]


def _run_nlp_coder(texts: list[str], queue: mp.Queue) -> None:
    from nlp_coder.pipeline import extract_many, get_nlp

    get_nlp()
    list(extract_many(texts))
    start = time.perf_counter()
    n_evidence = sum(len(e) for e in extract_many(texts))
    queue.put((time.perf_counter() - start, n_evidence))


def _run_medspacy(texts: list[str], queue: mp.Queue) -> None:
    import medspacy

    nlp = medspacy.load()
    nlp.add_pipe("medspacy_sectionizer")
    list(nlp.pipe(texts))
    start = time.perf_counter()
    n_ents = sum(len(doc.ents) for doc in nlp.pipe(texts))
    queue.put((time.perf_counter() - start, n_ents))


def _measure(target, texts: list[str]) -> float:
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()
    process = ctx.Process(target=target, args=(texts, queue))
    process.start()
    seconds, _ = queue.get()
    process.join()
    return len(texts) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=Path, default=Path("corpus/reports.jsonl"))
    parser.add_argument("--n", type=int, default=None, help="reports timed per pipeline (default: all)")
    parser.add_argument("--repeat", type=int, default=1, help="alternate runs; the median is reported")
    args = parser.parse_args()
    texts = _texts(args.reports, args.n)
    mean_chars = statistics.mean(len(t) for t in texts)
    ours, base = [], []
    for _ in range(args.repeat):
        base.append(_measure(_run_medspacy, texts))
        ours.append(_measure(_run_nlp_coder, texts))
    ours_rate, base_rate = statistics.median(ours), statistics.median(base)
    print(f"reports: {len(texts)} (mean {mean_chars:.0f} characters), cpu count {os.cpu_count()}")
    print(f"medspaCy baseline (medspacy.load() + sectionizer): {base_rate:8.1f} reports/s")
    print(f"nlp_coder.extract_many:                           {ours_rate:8.1f} reports/s")
    print(f"ratio: {ours_rate / base_rate:.1f}x")


if __name__ == "__main__":
    main()
