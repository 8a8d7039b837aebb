"""The ``nlp-coder`` command line. Each command is a thin wrapper around a library function.

Commands print counts and scores, never report text.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from pathlib import Path
from typing import Annotated, ContextManager, TextIO

import typer

__all__ = ["app", "main"]

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Suggest brain MRI CPT codes with evidence.")
logger = logging.getLogger("nlp_coder")


def _open_out(path: str) -> ContextManager[TextIO]:
    if path == "-":
        return contextlib.nullcontext(sys.stdout)  # never close the process's stdout
    return open(path, "w", encoding="utf-8")  # noqa: SIM115


@app.command()
def extract(
    input_path: Annotated[str, typer.Argument(metavar="IN", help="JSONL, CSV or Parquet; - for JSONL on stdin.")],
    output: Annotated[str, typer.Option("--output", "-o", help="Output JSONL; - for stdout.")] = "-",
    id_column: Annotated[str, typer.Option(help="CSV/Parquet id column.")] = "id",
    text_column: Annotated[str, typer.Option(help="CSV/Parquet text column.")] = "text",
    batch_size: Annotated[int, typer.Option(help="Reports per nlp.pipe batch.")] = 64,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Extract the evidence of every report: output lines {"id": ..., "evidence": [...]}."""
    from nlp_coder.backlog import BacklogJob
    from nlp_coder.bulk import extract_records

    if input_path != "-" and not Path(input_path).is_file():
        raise typer.BadParameter(f"no such file: {input_path}")
    job = BacklogJob(input=input_path, output=output, id_column=id_column, text_column=text_column)
    with _open_out(output) as sink:
        summary = extract_records(job, sink, batch_size=batch_size, progress=not quiet)
    typer.echo(f"{summary['ok']} reports extracted, {summary['errors']} errors", err=True)
    for reason, count in sorted(summary["reasons"].items()):
        typer.echo(f"  {reason}: {count}", err=True)


@app.command("evaluate-extraction")
def evaluate_extraction(
    corpus: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Gold corpus JSONL.")] = Path(
        "corpus/reports.jsonl"
    ),
    split: Annotated[str | None, typer.Option(help="train, dev or test (default: all).")] = None,
    strict: Annotated[bool, typer.Option(help="Exact offsets instead of overlap.")] = False,
) -> None:
    """Precision, recall and F1 of extraction against the corpus gold spans, per kind and per value."""
    from nlp_coder.corpus import load_corpus
    from nlp_coder.extraction_eval import score_extraction
    from nlp_coder.pipeline import extract_many

    records = [r for r in load_corpus(corpus, split) if r.get("gold_spans") is not None]
    predictions = list(extract_many(r["text"] for r in records))
    scores = score_extraction([r["gold_spans"] for r in records], predictions, strict=strict)
    mode = "strict (exact offsets)" if strict else "lenient (overlap)"
    typer.echo(f"{len(records)} reports, split={split or 'all'}, matching {mode}")
    typer.echo(f"{'row':<26}{'P':>7}{'R':>7}{'F1':>7}{'support':>9}{'pred':>7}")
    for key, prf in scores.items():
        indent = "  " if ":" in key else ""
        typer.echo(
            f"{indent + key:<26}{prf.precision:>7.3f}{prf.recall:>7.3f}{prf.f1:>7.3f}{prf.support:>9}"
            f"{prf.true_positives + prf.false_positives:>7}"
        )


@app.command()
def train(
    corpus: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Labeled corpus JSONL.")] = Path(
        "corpus/reports.jsonl"
    ),
    out: Annotated[Path, typer.Option(help="Model file to write (.skops, with .meta.json beside it).")] = Path(
        "models/brain_mri_cpt.skops"
    ),
    seed: Annotated[int, typer.Option(help="Random seed (same data and seed give the same model).")] = 0,
) -> None:
    """Train the classifier on the train split, choose the review threshold on dev, save with skops."""
    from nlp_coder.persistence import save_model
    from nlp_coder.training import train as run_train

    result = run_train(corpus, seed=seed)
    meta = save_model(result.model, out, result.metadata)
    typer.echo(f"model {meta['model_version']} -> {out} (threshold {result.threshold:.3f})")


@app.command()
def score(
    input_path: Annotated[str, typer.Argument(metavar="IN", help="JSONL, CSV or Parquet; - for JSONL on stdin.")],
    output: Annotated[str, typer.Option("--output", "-o", help="JSONL or Parquet (by suffix); - for stdout.")] = "-",
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (or Dask workers for a LocalCluster).")] = 1,
    engine: Annotated[str, typer.Option(help="local or dask.")] = "local",
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address (default: a LocalCluster).")] = None,
    errors: Annotated[str | None, typer.Option("--errors", help="Write error records here instead of OUT.")] = None,
    id_column: Annotated[str, typer.Option(help="CSV/Parquet id column.")] = "id",
    text_column: Annotated[str, typer.Option(help="CSV/Parquet text column.")] = "text",
    input_format: Annotated[str | None, typer.Option(help="jsonl, csv or parquet (default: by suffix).")] = None,
    output_format: Annotated[str | None, typer.Option(help="jsonl or parquet (default: by suffix).")] = None,
    model: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help="Model file.")] = None,
    batch_size: Annotated[
        int, typer.Option(min=1, help="Reports per chunk (one nlp.pipe batch; a kill redoes at most one per worker).")
    ] = 256,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Suggest a code for every report of a backlog; rerun the same command to resume after a stop."""
    from nlp_coder.backlog import BacklogJob, run_backlog

    if engine not in ("local", "dask"):
        raise typer.BadParameter("engine must be local or dask")
    if input_path != "-" and not Path(input_path).is_file():
        raise typer.BadParameter(f"no such file: {input_path}")
    job = BacklogJob(
        input=input_path,
        output=output,
        input_format=input_format,
        output_format=output_format,
        id_column=id_column,
        text_column=text_column,
        errors_path=errors,
        workers=workers,
        batch_size=batch_size,
        engine=engine,
        scheduler=scheduler,
        model_path=str(model) if model else None,
        progress=not quiet,
    )
    summary = run_backlog(job)
    typer.echo(
        f"{summary['scored_this_run']} records this run ({summary['resumed_from']} already done) in "
        f"{summary['seconds']} s: {summary['reports_per_second']} reports/s overall, start-up "
        f"{summary['startup_seconds']} s, steady {summary['steady_reports_per_second']} reports/s",
        err=True,
    )
    for status, count in sorted(summary["statuses"].items()):
        typer.echo(f"  {status}: {count}", err=True)
    for reason, count in sorted(summary["error_reasons"].items()):
        typer.echo(f"  error {reason}: {count}", err=True)


@app.command()
def evaluate(
    corpus: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Labeled corpus JSONL.")] = Path(
        "corpus/reports.jsonl"
    ),
    split: Annotated[str, typer.Option(help="Corpus split to evaluate.")] = "test",
    realworld: Annotated[
        Path | None, typer.Option(exists=True, file_okay=False, help="A realworld folder (labels.jsonl + texts).")
    ] = None,
    model: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help="Model file.")] = None,
) -> None:
    """Per-class P/R/F1, confusion matrix, coverage, accuracy on suggested, ECE; rules baseline beside it."""
    from nlp_coder.classifier import rules_baseline
    from nlp_coder.corpus import load_corpus, load_realworld
    from nlp_coder.evaluation import expected_outcome, extras_summary, summarize
    from nlp_coder.suggest import Suggester
    from nlp_coder.training import corpus_features

    suggester = Suggester(model) if model else Suggester()
    sets = [(f"corpus {split}", load_corpus(corpus, split))]
    if realworld is not None:
        sets.append((f"realworld {realworld}", load_realworld(realworld)))
    typer.echo(f"model {suggester.model_version}, review threshold {suggester.threshold:.3f}")
    for name, records in sets:
        suggestions = list(suggester.suggest_many([r["text"] for r in records], [r["id"] for r in records]))
        result = summarize(records, suggestions)
        features = corpus_features(records)
        baseline = [rules_baseline(f) for f in features]
        baseline_accuracy = sum(
            b == expected_outcome(r["label"]) for b, r in zip(baseline, records, strict=True)
        ) / len(records)
        _print_summary(name, result, baseline_accuracy)
        if name.startswith("corpus"):
            extras = extras_summary(records, suggestions)
            typer.echo(
                f"extras on {extras['n_right_code']} reports with the right code: "
                f"modifier accuracy {extras['modifier_accuracy']:.3f} (recall on {extras['n_modifier_gold']} gold "
                f"modifiers {extras['modifier_recall']:.3f}), also-codes exact {extras['also_codes_accuracy']:.3f}, "
                f"supply HCPCS {extras['supply_hcpcs_accuracy']:.3f} (n={extras['n_supply']}), "
                f"units {extras['supply_units_accuracy']:.3f} (n={extras['n_units']}); "
                f"ICD-10-CM precision {extras['icd10cm_precision']:.3f} recall {extras['icd10cm_recall']:.3f}"
            )


def _print_summary(name: str, result: dict, baseline_accuracy: float) -> None:
    from nlp_coder.types import OUTCOMES as labels

    typer.echo(f"\n== {name}: {result['n']} reports")
    typer.echo(f"{'outcome':<14}{'P':>7}{'R':>7}{'F1':>7}{'support':>9}")
    for label in labels:
        row = result["per_class"][label]
        typer.echo(f"{label:<14}{row['precision']:>7.3f}{row['recall']:>7.3f}{row['f1']:>7.3f}{row['support']:>9}")
    typer.echo("confusion (rows expected, columns output):")
    typer.echo(" " * 14 + "".join(f"{label[:12]:>14}" for label in labels))
    for label in labels:
        row = result["confusion"][label]
        typer.echo(f"{label:<14}" + "".join(f"{row.get(c, 0):>14}" for c in labels))
    typer.echo(f"coverage of in-scope reports (suggested): {result['coverage_in_scope']:.3f}")
    typer.echo(f"accuracy on suggested: {result['accuracy_on_suggested']:.3f} ({result['n_suggested']} suggested)")
    typer.echo(f"outcome accuracy, model: {result['accuracy_outcome']:.3f}; rules baseline: {baseline_accuracy:.3f}")
    typer.echo(f"expected calibration error: {result['ece']:.3f}")
    if "confident_errors" in result:
        typer.echo(f"confident errors (outside accept): {len(result['confident_errors'])} {result['confident_errors']}")
        typer.echo(
            f"kind=report records right: {result['reports_right']}/{result['reports_total']} "
            f"(exactly the label; {result['reports_accepted']} within their accept lists)"
        )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (each loads the model once).")] = 1,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Run the API (and the coder widget) with uvicorn."""
    import uvicorn

    logging.getLogger().setLevel(log_level.upper())
    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,  # our middleware logs request id, route, status and latency instead
    )


@app.command()
def demo(
    reports: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help="JSONL of sample reports.")] = None,
) -> None:
    """Run the real pipeline on the bundled sample reports and print what it found, report by report."""
    from nlp_coder.pipeline import extract as run_extract

    path = reports or Path(__file__).resolve().parent / "samples" / "reports.jsonl"
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            evidence = run_extract(record["text"])
            typer.echo(f"== {record['id']} ({len(evidence)} evidence)")
            for item in evidence:
                extra = {
                    k: v for k, v in item.attributes.items() if k in ("phase", "agent", "protocol", "value", "unit")
                }
                typer.echo(
                    f"  {item.kind:<24} {item.assertion:<12} {item.section:<14} [{item.start}:{item.end}] "
                    f"{item.text!r} {extra if extra else ''}"
                )


feedback_app = typer.Typer(no_args_is_help=True, help="Coder feedback from the widget: export and statistics.")
app.add_typer(feedback_app, name="feedback")


def _feedback_store(url: str | None):
    from nlp_coder.feedback import FeedbackStore
    from nlp_coder.settings import get_settings

    settings = get_settings()
    return FeedbackStore(url or settings.feedback_url, store_text=settings.store_feedback_text)


@feedback_app.command("export")
def feedback_export(
    output: Annotated[str, typer.Option("--output", "-o", help="File to write; - for stdout.")] = "-",
    fmt: Annotated[str, typer.Option("--format", help="jsonl or csv.")] = "jsonl",
    url: Annotated[str | None, typer.Option(help="SQLAlchemy URL (default: NLP_CODER_FEEDBACK_URL).")] = None,
) -> None:
    """Write every feedback row (for retraining) as JSONL or CSV."""
    if fmt not in ("jsonl", "csv"):
        raise typer.BadParameter("format must be jsonl or csv")
    with _open_out(output) as sink:
        n = _feedback_store(url).export(sink, fmt)
    typer.echo(f"{n} feedback rows exported", err=True)


@feedback_app.command("stats")
def feedback_stats(
    url: Annotated[str | None, typer.Option(help="SQLAlchemy URL (default: NLP_CODER_FEEDBACK_URL).")] = None,
) -> None:
    """Acceptance rate per suggested code and the override confusion matrix."""
    stats = _feedback_store(url).stats()
    finals = ("70551", "70552", "70553", "not_codable")
    typer.echo(f"{'suggested':<14}{'n':>6}{'accepted':>10}{'rate':>8}")
    for code, row in stats["acceptance"].items():
        typer.echo(f"{code:<14}{row['n']:>6}{row['accepted']:>10}{row['rate']:>8.1%}")
    typer.echo("\nconfusion (rows suggested, columns final):")
    typer.echo(" " * 14 + "".join(f"{f:>13}" for f in finals))
    for code, row in stats["confusion"].items():
        typer.echo(f"{code:<14}" + "".join(f"{row.get(f, 0):>13}" for f in finals))


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for noisy in ("httpx", "urllib3", "numexpr"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
