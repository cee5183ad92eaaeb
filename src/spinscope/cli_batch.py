"""Corpus commands: ``batch``, ``stats``, ``export`` and ``plot`` (registered by cli.py).

Front end only: the work is in ``batch``, ``engines``, ``store``, ``stats`` and ``plot``.
Every failure a user can cause ends in one ``error:`` line and exit code 1.
"""

from __future__ import annotations

import csv
import io
import json
import signal
import sys
import time
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from spinscope.errors import SpinscopeError
from spinscope.ingest.load import DEFAULT_MAX_BYTES

err = Console(stderr=True)

StoreOpt = Annotated[
    Path, typer.Option("--store", help="The DuckDB store file (batch creates it).")
]
OutletOpt = Annotated[
    list[str] | None, typer.Option("--outlet", help="Only these outlets (repeatable).")
]
SinceOpt = Annotated[
    str | None, typer.Option("--since", help="Only articles dated on or after YYYY-MM-DD.")
]
UntilOpt = Annotated[
    str | None, typer.Option("--until", help="Only articles dated on or before YYYY-MM-DD.")
]


class Engine(StrEnum):
    local = "local"
    ray = "ray"


class StatsFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class ReportName(StrEnum):
    overview = "overview"
    techniques = "techniques"
    sourcing = "sourcing"
    speakers = "speakers"


class Grouping(StrEnum):
    outlet = "outlet"
    month = "month"
    outlet_month = "outlet-month"
    all = "all"


class ExportTable(StrEnum):
    documents = "documents"
    techniques = "techniques"
    quotes = "quotes"
    entities = "entities"
    errors = "errors"
    runs = "runs"
    documents_json = "documents-json"


class ExportFormat(StrEnum):
    parquet = "parquet"
    csv = "csv"
    jsonl = "jsonl"


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(1)


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(f"{option} wants a date as YYYY-MM-DD, not {value!r}") from None


# --------------------------------------------------------------------------- progress


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-:--:--"
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class ProgressView:
    """Count, rate and ETA on stderr: a live bar on a terminal, a line every few seconds
    otherwise (logs, CI), nothing with ``--quiet``."""

    def __init__(self, quiet: bool = False, every: float = 10.0) -> None:
        self.quiet, self.every = quiet, every
        self.live = None
        self.last_line = 0.0
        if not quiet and err.is_terminal:
            from rich.progress import BarColumn, Progress, TextColumn

            self.live = Progress(
                TextColumn("[bold]batch[/]"), BarColumn(),
                TextColumn("{task.fields[line]}"), console=err, transient=False,
            )  # fmt: skip
            self.task = self.live.add_task("batch", total=None, line="starting")
            self.live.start()

    @staticmethod
    def line(counts: Any) -> str:
        total = f"/{counts.total:,}" if counts.total is not None else ""
        parts = [f"{counts.done:,}{total}", f"{counts.rate():.1f} docs/s",
                 f"ETA {_duration(counts.eta())}"]  # fmt: skip
        if counts.skipped:
            parts.append(f"{counts.skipped:,} already stored")
        if counts.errors:
            parts.append(f"{counts.errors:,} errors")
        return " · ".join(parts)

    def __call__(self, counts: Any) -> None:
        if self.quiet:
            return
        if self.live is not None:
            self.live.update(self.task, completed=counts.done, total=counts.total,
                             line=self.line(counts))  # fmt: skip
        elif time.monotonic() - self.last_line >= self.every:
            self.last_line = time.monotonic()
            err.print(f"batch: {self.line(counts)}", markup=False, highlight=False, soft_wrap=True)

    def stop(self) -> None:
        if self.live is not None:
            self.live.stop()


def _sigterm_as_interrupt() -> None:
    """SIGTERM (a scheduler stopping the job) ends a run like Ctrl-C: finished rows kept."""

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


# --------------------------------------------------------------------------- commands


H = {
    "inputs": "Files, directories (recursive), JSONL (.jsonl, .ndjson, .gz), WARC (.warc, "
    ".warc.gz), URL lists (.urls, or .txt of URLs), or URLs.",
    "workers": "Local worker processes, each loading the models once (0: in this process). "
    "Default: one per core, at most 4.",
    "engine": "local: worker processes on this machine; ray: a Ray cluster "
    "(needs the ray extra of spinscope).",
    "address": "Ray cluster address (host:6379 or 'auto'). Default: a local Ray instance.",
    "shards": "Ray: directory for the Parquet result shards (shared storage on a cluster). "
    "Default: next to the store.",
    "extract_only": "Ingest and clean only, no models: fast, for building a corpus first.",
    "skip": "Leave out a component (repeatable): segment, techniques, quotes, entities, ...",
    "model_dir": "Technique model directory (default: the model shipped with spinscope).",
    "components": "MODULE:FUNCTION returning the component list to run instead.",
    "retry_errors": "Try inputs recorded in the errors table again (e.g. URLs that timed out).",
    "max_bytes": "Record inputs larger than this many bytes as errors.",
    "log_every": "Seconds between progress lines when stderr is not a terminal (logs).",
    "input_timeout": "Seconds one input may take before its worker is stopped and the input "
    "recorded as an error (worker processes only).",
    "report": "overview: per outlet; techniques: technique prevalence; sourcing: "
    "single-source articles; speakers: most quoted speakers per outlet.",
    "by": "Grouping for techniques (default outlet-month) and sourcing (default outlet).",
    "output": "Write here instead of standard output.",
    "export_output": "File to write (format from its suffix unless --format).",
    "table": "Which table; documents-json: each full Document JSON on its own line.",
    "with_document": "documents: include the full Document JSON column.",
    "out": "Directory for technique_trends.png and technique_trends.html.",
    "technique": "Plot these techniques (PTC labels, repeatable) instead of the top ones.",
}


def batch(
    inputs: Annotated[list[str], typer.Argument(help=H["inputs"])],
    store: StoreOpt,
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", help=H["workers"], min=0)
    ] = None,
    engine: Annotated[Engine, typer.Option("--engine", help=H["engine"])] = Engine.local,
    address: Annotated[str | None, typer.Option("--address", help=H["address"])] = None,
    shards: Annotated[Path | None, typer.Option("--shards", help=H["shards"])] = None,
    extract_only: Annotated[bool, typer.Option("--extract-only", help=H["extract_only"])] = False,
    skip: Annotated[list[str] | None, typer.Option("--skip", help=H["skip"])] = None,
    model_dir: Annotated[Path | None, typer.Option("--model-dir", help=H["model_dir"])] = None,
    components: Annotated[str | None, typer.Option("--components", help=H["components"])] = None,
    retry_errors: Annotated[bool, typer.Option("--retry-errors", help=H["retry_errors"])] = False,
    max_bytes: Annotated[
        int, typer.Option("--max-bytes", help=H["max_bytes"], min=1)
    ] = DEFAULT_MAX_BYTES,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for a URL.", min=0.1)
    ] = 15.0,
    threads: Annotated[
        int, typer.Option("--threads-per-worker", help="Model threads in each worker.", min=1)
    ] = 1,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
    log_every: Annotated[float, typer.Option("--log-every", help=H["log_every"], min=0.05)] = 10.0,
    input_timeout: Annotated[
        float, typer.Option("--input-timeout", help=H["input_timeout"], min=1)
    ] = 600.0,
) -> None:
    """Analyse a corpus into a DuckDB store; run it again to resume where it stopped.

    Inputs are keyed by a hash of their content: those already stored are skipped.

    A bad input is recorded in the store's errors table and the run goes on (exit code 0).
    """
    import duckdb

    from spinscope.batch import BatchOptions, ComponentSpec, default_workers

    spec = ComponentSpec(
        extract_only=extract_only, skip=tuple(skip or ()),
        model_dir=str(model_dir) if model_dir else None, factory=components,
    )  # fmt: skip
    n_workers = default_workers() if workers is None else workers
    view = ProgressView(quiet, every=log_every)
    _sigterm_as_interrupt()
    try:
        if engine is Engine.ray:
            from spinscope.engines.ray_engine import run_ray

            counts = run_ray(
                inputs, store, spec, address=address, workers=workers, shards_dir=shards,
                max_bytes=max_bytes, timeout=timeout, retry_errors=retry_errors,
                threads_per_worker=threads, progress=view,
            )  # fmt: skip
        else:
            from spinscope.batch import run_local

            options = BatchOptions(
                workers=n_workers, max_bytes=max_bytes, timeout=timeout,
                retry_errors=retry_errors, threads_per_worker=threads,
                input_timeout=input_timeout,
            )  # fmt: skip
            counts = run_local(inputs, store, spec, options, progress=view)
    except SpinscopeError as exc:
        view.stop()
        raise _fail(str(exc)) from None
    except duckdb.Error as exc:  # e.g. the disk filled up under the store
        view.stop()
        raise _fail(f"the store {store} failed: {exc}") from None
    except KeyboardInterrupt:
        view.stop()
        err.print("interrupted: finished inputs are stored; run the same command to resume")
        raise typer.Exit(130) from None
    view.stop()
    rate = (counts.analysed + counts.errors) / counts.elapsed if counts.elapsed else 0.0
    summary = (
        f"{counts.analysed:,} analysed, {counts.skipped:,} already stored, "
        f"{counts.duplicates:,} duplicates, {counts.errors:,} errors "
        f"in {_duration(counts.elapsed)} ({rate:.1f} docs/s) → {store}"
    )
    err.print(f"done: {summary}", markup=False, highlight=False, soft_wrap=True)
    if counts.errors:
        hint = f"see them with: spinscope export --store {store} --table errors -o errors.csv"
        err.print(hint, markup=False, highlight=False, soft_wrap=True)


def _emit_report(report: Any, fmt: StatsFormat, output: Path | None) -> None:
    from spinscope.stats import Report

    assert isinstance(report, Report)
    if fmt is StatsFormat.table:
        from rich.table import Table

        table = Table(*report.columns, title=report.name)
        for row in report.rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                Console(file=handle, width=160).print(table)
        else:
            # Piped output has no terminal width: keep rows whole rather than wrapping at 80.
            Console(width=None if sys.stdout.isatty() else 160).print(table)
        return
    if fmt is StatsFormat.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(report.columns)
        writer.writerows(report.rows)
        text = buffer.getvalue()
    else:
        text = json.dumps(report.records(), default=str, ensure_ascii=False, indent=1) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def stats(
    report: Annotated[ReportName, typer.Argument(help=H["report"])] = ReportName.overview,
    store: StoreOpt = Path("corpus.duckdb"),
    by: Annotated[Grouping | None, typer.Option("--by", help=H["by"])] = None,
    format: Annotated[
        StatsFormat, typer.Option("--format", "-f", help="table, csv or json.")
    ] = StatsFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help=H["output"])] = None,
    top: Annotated[int, typer.Option("--top", help="Speakers per outlet.", min=1)] = 10,
    outlet: OutletOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
) -> None:
    """Technique prevalence, single-source articles, top speakers: no SQL needed."""
    from spinscope.stats import Filters
    from spinscope.stats import report as make_report
    from spinscope.store import open_store

    filters = Filters(outlet or (), _date(since, "--since"), _date(until, "--until"))
    try:
        with open_store(store) as opened:
            result = make_report(opened.con, report.value, by=by.value if by else None,
                                 top=top, filters=filters)  # fmt: skip
    except SpinscopeError as exc:
        raise _fail(str(exc)) from None
    _emit_report(result, format, output)


def export(
    output: Annotated[Path, typer.Option("--output", "-o", help=H["export_output"])],
    store: StoreOpt = Path("corpus.duckdb"),
    table: Annotated[
        ExportTable, typer.Option("--table", "-t", help=H["table"])
    ] = ExportTable.documents,
    format: Annotated[
        ExportFormat | None, typer.Option("--format", "-f", help="parquet, csv or jsonl.")
    ] = None,
    with_document: Annotated[
        bool, typer.Option("--with-document", help=H["with_document"])
    ] = False,
) -> None:
    """Export a whole table (no row cap) to Parquet, CSV or JSONL."""
    from spinscope.store import export as export_table
    from spinscope.store import open_store

    try:
        with open_store(store) as opened:
            count = export_table(opened, table.value, output, format.value if format else None,
                                 with_document)  # fmt: skip
    except SpinscopeError as exc:
        raise _fail(str(exc)) from None
    done = f"wrote {count:,} rows of {table.value} to {output}"
    err.print(done, markup=False, highlight=False, soft_wrap=True)


def plot(
    store: StoreOpt = Path("corpus.duckdb"),
    out: Annotated[Path, typer.Option("--out", help=H["out"])] = Path("charts"),
    top: Annotated[
        int, typer.Option("--top", help="How many techniques (the most prevalent).", min=1)
    ] = 6,
    technique: Annotated[list[str] | None, typer.Option("--technique", help=H["technique"])] = None,
    png: Annotated[bool, typer.Option("--png/--no-png", help="Write the PNG chart.")] = True,
    html: Annotated[
        bool, typer.Option("--html/--no-html", help="Write the interactive HTML chart.")
    ] = True,
    outlet: OutletOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
) -> None:
    """Charts of technique trends over time by outlet (PNG and interactive HTML)."""
    from spinscope.plot import plot_trends
    from spinscope.stats import Filters
    from spinscope.store import open_store

    formats = tuple(f for f, on in (("png", png), ("html", html)) if on)
    if not formats:
        raise _fail("nothing to write: both --no-png and --no-html")
    filters = Filters(outlet or (), _date(since, "--since"), _date(until, "--until"))
    try:
        with open_store(store) as opened:
            written = plot_trends(opened.con, out, formats=formats, top=top,
                                  techniques=technique or None, filters=filters)  # fmt: skip
    except SpinscopeError as exc:
        raise _fail(str(exc)) from None
    except ImportError as exc:
        need = f"plot needs matplotlib and plotly: pip install matplotlib plotly ({exc})"
        raise _fail(need) from None
    for path in written:
        typer.echo(str(path))


def register(app: typer.Typer) -> None:
    """Add the corpus commands to the main ``spinscope`` app."""
    app.command("batch")(batch)
    app.command("stats")(stats)
    app.command("export")(export)
    app.command("plot")(plot)
