"""Backlog scoring: many reports, parallel, resumable, on one machine or a Dask cluster.

Reading: JSONL (``{"id": ..., "text": ...}`` lines), CSV (id and text columns configurable) or Parquet;
``-`` reads JSONL from stdin. Writing: JSONL (one contract object per line, in input order within a run)
or Parquet (parts written as work completes, merged at the end). Every input record yields exactly one
output record: a suggestion, or an error record with a reason (never the text).

Resuming: rerun the same command. The output written so far is read back (a JSONL line cut by a kill is
dropped), its record keys are skipped, and the run continues; the finished output holds every input
record once. A record's key is its id, or ``line:N`` for records without a usable id (missing or
duplicate ids), so error records resume too.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import logging
import os
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from nlp_coder.pipeline import MAX_CHARS, VOCAB_LIMIT, build_nlp

__all__ = ["BacklogJob", "Record", "read_records", "run_backlog"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Record:
    key: str
    id: str | None
    line: int
    text: str | None
    error: str | None


@dataclass
class BacklogJob:
    """What to score and how."""

    input: str
    output: str
    input_format: str | None = None
    output_format: str | None = None
    id_column: str = "id"
    text_column: str = "text"
    errors_path: str | None = None
    workers: int = 1
    batch_size: int = 256
    engine: str = "local"
    scheduler: str | None = None
    model_path: str | None = None
    max_chars: int = MAX_CHARS
    progress: bool = True
    summary: dict[str, Any] = field(default_factory=dict)


def _format_of(path: str, given: str | None) -> str:
    if given:
        return given
    if path == "-":
        return "jsonl"
    suffix = Path(path).suffix.lower()
    return {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}.get(suffix, "jsonl")


def _validated(line: int, raw_id: Any, text: Any, seen: set[str], max_chars: int) -> Record:
    if raw_id is None or (isinstance(raw_id, float) and raw_id != raw_id) or str(raw_id).strip() == "":
        return Record(f"line:{line}", None, line, None, "missing_id")
    record_id = str(raw_id)
    if record_id in seen:
        return Record(f"line:{line}", None, line, None, "duplicate_id")
    seen.add(record_id)
    if text is None:
        return Record(record_id, record_id, line, None, "missing_text")
    if not isinstance(text, str):
        return Record(record_id, record_id, line, None, "text_not_string")
    if not text.strip():
        return Record(record_id, record_id, line, None, "empty_text")
    if len(text) > max_chars:
        return Record(record_id, record_id, line, None, "oversize_text")
    return Record(record_id, record_id, line, text, None)


def read_records(job: BacklogJob) -> Iterator[Record]:
    """Every input record, validated, with its key (bad records carry an error reason)."""
    fmt = _format_of(job.input, job.input_format)
    seen: set[str] = set()
    if fmt == "jsonl":
        source = sys.stdin.buffer if job.input == "-" else open(job.input, "rb")  # noqa: SIM115
        with source:
            for line_no, raw in enumerate(source, 1):
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError:
                    yield Record(f"line:{line_no}", None, line_no, None, "invalid_utf8")
                    continue
                if not line.strip():
                    continue
                try:
                    obj = orjson.loads(line)
                except orjson.JSONDecodeError:  # also numbers out of 64-bit range, NaN: not plain JSON
                    yield Record(f"line:{line_no}", None, line_no, None, "malformed_json")
                    continue
                if not isinstance(obj, dict):
                    yield Record(f"line:{line_no}", None, line_no, None, "not_an_object")
                    continue
                yield _validated(line_no, obj.get("id"), obj.get("text"), seen, job.max_chars)
    elif fmt == "csv":
        with open(job.input, "rb") as handle:
            raw = handle.read()
        try:
            content = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            yield Record("line:1", None, 1, None, "invalid_utf8")
            return
        csv.field_size_limit(max(job.max_chars * 4, 1 << 20))
        reader = csv.DictReader(io.StringIO(content, newline=""))
        if (
            reader.fieldnames is None
            or job.id_column not in reader.fieldnames
            or job.text_column not in reader.fieldnames
        ):
            raise ValueError(f"CSV needs columns {job.id_column!r} and {job.text_column!r}")
        for row_no, row in enumerate(reader, 2):
            yield _validated(row_no, row.get(job.id_column), row.get(job.text_column), seen, job.max_chars)
    elif fmt == "parquet":
        import pyarrow.parquet as pq

        parquet = pq.ParquetFile(job.input)
        row_no = 0
        for batch in parquet.iter_batches(columns=[job.id_column, job.text_column], batch_size=1024):
            ids = batch.column(job.id_column).to_pylist()
            texts = batch.column(job.text_column).to_pylist()
            for raw_id, text in zip(ids, texts, strict=True):
                row_no += 1
                yield _validated(row_no, raw_id, text, seen, job.max_chars)
    else:
        raise ValueError(f"unknown input format {fmt!r}")


def count_records(job: BacklogJob) -> int | None:
    """Total input records, when it can be known cheaply (for the progress bar)."""
    fmt = _format_of(job.input, job.input_format)
    if job.input == "-":
        return None
    if fmt == "jsonl":
        with open(job.input, "rb") as handle:
            return sum(1 for line in handle if line.strip())
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(job.input).metadata.num_rows
    return sum(1 for _ in read_records(job))


# --- output --------------------------------------------------------------------------------------

FSYNC_SECONDS = 1.0


class _JsonlSink:
    def __init__(self, path: str):
        self.path = path
        self.done: set[str] = set()
        self.counts: Counter[str] = Counter()
        self._synced = time.monotonic()
        self._stdout = path == "-"
        if self._stdout:
            sys.stdout.flush()  # (rows go to the binary buffer beneath it)
            self.handle = sys.stdout.buffer
            return
        target = Path(path)
        if target.exists():
            self._recover(target)
        self.handle = open(target, "ab")  # noqa: SIM115

    def _recover(self, target: Path) -> None:
        data = target.read_bytes()
        cut = data.rfind(b"\n") + 1
        if cut < len(data):  # a line cut by a kill: drop it, its record is redone
            with open(target, "r+b") as handle:
                handle.truncate(cut)
        for line in data[:cut].splitlines():
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue
            self.done.add(obj.get("_key") or obj.get("id"))
            self.counts[obj.get("status", "error")] += 1

    def write(self, rows: list[tuple[str, str | None, bytes]]) -> None:
        # flush: a killed process (kill -9 included) loses nothing written; fsync at most once per
        # FSYNC_SECONDS: a machine crash loses at most that much output, which the rerun redoes.
        self.handle.write(b"".join(line + b"\n" for _, _, line in rows))
        self.handle.flush()
        if not self._stdout and time.monotonic() - self._synced >= FSYNC_SECONDS:
            os.fsync(self.handle.fileno())
            self._synced = time.monotonic()

    def close(self) -> None:
        if not self._stdout:
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()


class _ParquetSink:
    """Parts in ``OUT.parts/`` as work completes (the resumable state), merged into OUT at the end."""

    def __init__(self, path: str):
        self.path = Path(path)
        self.parts = self.path.with_name(self.path.name + ".parts")
        self.parts.mkdir(parents=True, exist_ok=True)
        self.done: set[str] = set()
        self.counts: Counter[str] = Counter()
        import pyarrow.parquet as pq

        for part in sorted(self.parts.glob("part-*.parquet")):
            table = pq.read_table(part, columns=["key", "status"])
            self.done.update(table.column("key").to_pylist())
            self.counts.update(table.column("status").to_pylist())
        self.next_part = len(list(self.parts.glob("part-*.parquet")))

    def write(self, rows: list[tuple[str, str | None, bytes]]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist([_flat(json.loads(line)) for _, _, line in rows], schema=_PARQUET_SCHEMA())
        tmp = self.parts / f".part-{self.next_part:06d}.tmp"
        pq.write_table(table, tmp)
        os.replace(tmp, self.parts / f"part-{self.next_part:06d}.parquet")  # atomic: a part is whole or absent
        self.next_part += 1

    def close(self) -> None:
        import pyarrow.parquet as pq

        parts = sorted(self.parts.glob("part-*.parquet"))
        if parts:
            tables = [pq.read_table(p) for p in parts]
            import pyarrow as pa

            pq.write_table(pa.concat_tables(tables), self.path)


def _PARQUET_SCHEMA():  # noqa: N802 - built lazily, pyarrow is imported on demand
    import pyarrow as pa

    return pa.schema(
        [
            ("key", pa.string()),
            ("id", pa.string()),
            ("status", pa.string()),
            ("code", pa.string()),
            ("confidence", pa.float64()),
            ("error", pa.string()),
            ("line", pa.int64()),
            ("result_json", pa.string()),
        ]
    )


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": row.get("_key") or row.get("id"),
        "id": row.get("id"),
        "status": row.get("status"),
        "code": row.get("code"),
        "confidence": row.get("confidence"),
        "error": row.get("error"),
        "line": row.get("line"),
        "result_json": json.dumps(row),
    }


# --- scoring -------------------------------------------------------------------------------------

_WORKER_SUGGESTER = None


def _worker_suggester(model_path: str | None):
    global _WORKER_SUGGESTER
    # past VOCAB_LIMIT vocabulary entries the worker builds its pipeline afresh (memory stays bounded)
    if _WORKER_SUGGESTER is not None and _WORKER_SUGGESTER.outgrown(VOCAB_LIMIT):
        logger.info("pipeline vocabulary past %d entries: rebuilding the pipeline", VOCAB_LIMIT)
        _WORKER_SUGGESTER = None
        gc.unfreeze()  # the old pipeline's objects, frozen by warm_up, must be collectable again
        gc.collect()
    if _WORKER_SUGGESTER is None:
        from nlp_coder.suggest import Suggester

        # a pipeline of the worker's own (not the process-wide one), so that it can be dropped
        nlp = build_nlp()
        _WORKER_SUGGESTER = Suggester(Path(model_path), nlp=nlp) if model_path else Suggester(nlp=nlp)
        _WORKER_SUGGESTER.warm_up()  # loads and freezes what lives as long as the worker
    return _WORKER_SUGGESTER


def score_chunk(
    chunk: list[tuple[str, str | None, int, str | None, str | None]], model_path: str | None
) -> list[tuple[str, str | None, bytes]]:
    """Score one chunk of records (in a worker process or on a Dask worker).

    Returns ``(status, error, json_line)`` per record, the line as UTF-8 bytes: serialised where the work
    is done, so the process that writes the output only writes (encoding ~3 KB of text per report in the
    parent cost about 13 us a report, which the parent, sharing the cores with the workers, takes from them).
    """
    suggester = _worker_suggester(model_path)
    good = [(key, rid, text) for key, rid, _, text, error in chunk if error is None]
    results = iter(suggester.suggest_many([t for _, _, t in good], [i for _, i, _ in good]))
    rows = []
    for key, rid, line, _, error in chunk:
        if error is None:
            row = next(results)
        else:
            row = {"id": rid, "line": line, "status": "error", "error": error}
        if key != rid:
            row["_key"] = key  # records without a usable id resume by their line
        rows.append((row.get("status"), row.get("error"), orjson.dumps(row)))
    return rows


def _chunks(records: Iterable[Record], done: set[str], size: int) -> Iterator[list[tuple]]:
    chunk: list[tuple] = []
    for r in records:
        if r.key in done:
            continue
        chunk.append((r.key, r.id, r.line, r.text, r.error))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run_backlog(job: BacklogJob) -> dict[str, Any]:
    """Score ``job.input`` into ``job.output``; returns a summary (counts by status and error reason)."""
    from tqdm import tqdm

    out_format = _format_of(job.output, job.output_format)
    sink: Any = _ParquetSink(job.output) if out_format == "parquet" else _JsonlSink(job.output)
    errors_sink = _JsonlSink(job.errors_path) if job.errors_path else None
    done = set(sink.done) | (errors_sink.done if errors_sink else set())
    total = count_records(job)
    bar = tqdm(total=total, initial=len(done), unit="report", desc="score", disable=not job.progress, file=sys.stderr)
    statuses: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    started = time.perf_counter()
    chunks = _chunks(read_records(job), done, job.batch_size)

    first_output: list[float] = []
    after_first = 0

    def consume(rows: list[tuple[str, str | None, bytes]]) -> None:
        nonlocal after_first
        if first_output:
            after_first += len(rows)
        else:
            first_output.append(time.perf_counter())
        good = [r for r in rows if r[0] != "error"]
        bad = [r for r in rows if r[0] == "error"]
        if errors_sink is not None:
            if good:
                sink.write(good)
            if bad:
                errors_sink.write(bad)
        else:
            sink.write(rows)
        for status, error, _ in rows:
            statuses[status] += 1
            if error:
                reasons[error] += 1
        bar.update(len(rows))

    try:
        if job.engine == "dask":
            _run_dask(job, chunks, consume)
        elif job.workers <= 1:
            for chunk in chunks:
                consume(score_chunk(chunk, job.model_path))
        else:
            import multiprocessing as mp

            context = mp.get_context("spawn")
            with context.Pool(job.workers) as pool:
                # Ordered results keep the output in input order; the parent alone writes.
                for rows in pool.imap(_score_chunk_star, ((c, job.model_path) for c in chunks)):
                    consume(rows)
    finally:
        bar.close()
        sink.close()
        if errors_sink is not None:
            errors_sink.close()
    elapsed = time.perf_counter() - started
    n_new = sum(statuses.values())
    summary = {
        "scored_this_run": n_new,
        "resumed_from": len(done),
        "statuses": dict(statuses),
        "error_reasons": dict(reasons),
        "seconds": round(elapsed, 2),
        "reports_per_second": round(n_new / elapsed, 1) if elapsed > 0 else None,
        # Start-up (processes, pipeline and model loading) is paid once; a long backlog runs at the
        # steady rate, measured from the first chunk written to the end.
        "startup_seconds": round(first_output[0] - started, 2) if first_output else None,
        # Only over at least a second of output: on a tiny run, chunks the other workers finished during
        # start-up arrive at once and would read as an absurd rate.
        "steady_reports_per_second": (
            round(after_first / (time.perf_counter() - first_output[0]), 1)
            if first_output and after_first and time.perf_counter() - first_output[0] >= 1.0
            else None
        ),
    }
    logger.info("backlog: %d records scored this run, %d already done", n_new, len(done))
    return summary


def _score_chunk_star(args: tuple) -> list[tuple[str, str | None, bytes]]:
    return score_chunk(*args)


def _run_dask(job: BacklogJob, chunks: Iterator[list[tuple]], consume) -> None:
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if job.scheduler:
        client = Client(job.scheduler)
    else:
        cluster = LocalCluster(
            n_workers=max(job.workers, 1), threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    try:
        # A bounded window of chunks in flight: a backlog of millions never sits in memory at once.
        window = max(job.workers, 1) * 4
        pending = as_completed()
        for chunk in chunks:
            pending.add(client.submit(score_chunk, chunk, job.model_path, pure=False))
            if pending.count() >= window:
                consume(next(pending).result())
        for future in pending:
            consume(future.result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
