"""The ``spinscope`` command line: a thin Typer front end over the pipeline.

Exit codes: 0 ok, 1 bad input (one clear line on stderr per input), 2 usage error.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from spinscope.errors import SpinscopeError
from spinscope.ingest.load import DEFAULT_MAX_BYTES
from spinscope.techniques.windows import STRIDE_TOKENS, WINDOW_TOKENS

app = typer.Typer(
    help="Analyse how news articles persuade: clean text, technique spans, sources and voices.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
train_app = typer.Typer(help="Train models from labelled data.", no_args_is_help=True)
evaluate_app = typer.Typer(help="Evaluate models on labelled data.", no_args_is_help=True)


@train_app.callback()
def _train_group() -> None:
    """Train models from labelled data (needs the train extra)."""


@evaluate_app.callback()
def _evaluate_group() -> None:
    """Evaluate models on labelled data."""


app.add_typer(train_app, name="train")
app.add_typer(evaluate_app, name="evaluate")
err = Console(stderr=True)


class AnalyzeFormat(StrEnum):
    json = "json"
    jsonl = "jsonl"
    ptc = "ptc"
    html = "html"
    term = "term"


class ExtractFormat(StrEnum):
    json = "json"
    jsonl = "jsonl"
    text = "text"


InputsArg = Annotated[
    list[str],
    typer.Argument(
        help="Files (plain text or HTML, detected from content), http(s) URLs, or - for stdin."
    ),
]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write here instead of standard output.")
]
MaxBytesOpt = Annotated[
    int, typer.Option("--max-bytes", help="Refuse inputs larger than this many bytes.", min=1)
]
TimeoutOpt = Annotated[
    float, typer.Option("--timeout", help="Seconds to wait for a URL before giving up.", min=0.1)
]


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)


def _write(content: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(content)
        sys.stdout.flush()
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".part")
    tmp.write_text(content, encoding="utf-8")
    tmp.replace(output)


def _each(inputs: list[str], run) -> Iterator[tuple[str, object]]:
    """``run`` on each input, paired with its result or with the input's own error."""
    from spinscope.pipeline import INPUT_ERRORS

    for item in inputs:
        try:
            yield item, run(item)
        except INPUT_ERRORS as exc:
            yield item, exc


def _collect(total: int, results: Iterable[tuple[str, object]]) -> tuple[list, int]:
    """Gather documents with a progress bar; a bad input is reported and skipped, never fatal."""
    docs, failures = [], 0
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=err, disable=total <= 1, transient=True,
    )  # fmt: skip
    with progress:
        task = progress.add_task("analysing", total=total)
        for item, result in results:
            if isinstance(result, Exception):
                failures += 1
                message = (
                    str(result)
                    if isinstance(result, SpinscopeError)
                    else f"{result.__class__.__name__}: {result}"
                )
                progress.console.print(
                    f"[bold red]error:[/] {item}: {message}", highlight=False, soft_wrap=True
                )
            else:
                docs.append(result)
            progress.advance(task)
    return docs, failures


@app.command()
def analyze(
    inputs: InputsArg,
    format: Annotated[
        AnalyzeFormat,
        typer.Option(
            "--format",
            "-f",
            help=(
                "json: one document (an array for many inputs); jsonl: one document per line; "
                "ptc: PTC label lines (id, technique, start, end); html: a self-contained "
                "report; term: coloured spans and a summary in the terminal."
            ),
        ),
    ] = AnalyzeFormat.json,
    output: OutputOpt = None,
    no_clean: Annotated[
        bool,
        typer.Option(
            "--no-clean",
            help=(
                "Analyse plain-text input exactly as given (no removal of page furniture), "
                "so offsets index the file."
            ),
        ),
    ] = False,
    max_bytes: MaxBytesOpt = DEFAULT_MAX_BYTES,
    timeout: TimeoutOpt = 15.0,
    model_dir: Annotated[
        Path | None,
        typer.Option(
            "--model-dir",
            help="Technique model directory (default: the model shipped with spinscope).",
        ),
    ] = None,
) -> None:
    """Full analysis: clean text, metadata, sentences, techniques, quotes, entities, summary."""
    from spinscope.components.registry import analysis_components
    from spinscope.pipeline import Analyzer

    try:
        components = analysis_components(model_dir=str(model_dir) if model_dir else None)
    except SpinscopeError as exc:
        _fail(str(exc))
        raise typer.Exit(1) from None
    analyzer = Analyzer(
        components=components, max_bytes=max_bytes, timeout=timeout, clean=not no_clean
    )
    docs, failures = _collect(len(inputs), analyzer.analyze_many(inputs))
    _emit(docs, format.value, output)
    raise typer.Exit(1 if failures else 0)


@app.command()
def extract(
    inputs: InputsArg,
    format: Annotated[
        ExtractFormat,
        typer.Option(
            "--format",
            "-f",
            help=(
                "json: one document (an array for many inputs); jsonl: one per line; "
                "text: the clean article text only."
            ),
        ),
    ] = ExtractFormat.json,
    output: OutputOpt = None,
    max_bytes: MaxBytesOpt = DEFAULT_MAX_BYTES,
    timeout: TimeoutOpt = 15.0,
) -> None:
    """Ingest and clean only (fast, no models): clean text, block roles, metadata, language."""
    from spinscope.pipeline import Analyzer

    analyzer = Analyzer(components=[], max_bytes=max_bytes, timeout=timeout)
    docs, failures = _collect(len(inputs), _each(inputs, analyzer.extract))
    _emit(docs, format.value, output)
    raise typer.Exit(1 if failures else 0)


def _emit(docs: list, fmt: str, output: Path | None) -> None:
    from spinscope.render import formats

    if not docs:
        return
    if fmt == "html":
        from spinscope.render.html import render_html_many

        _write(render_html_many(docs), output)
        return
    if fmt == "term":
        from spinscope.render.terminal import render_terminal

        if output is None:
            for doc in docs:
                render_terminal(doc, Console())
            return
        with open(output, "w", encoding="utf-8") as handle:
            for doc in docs:
                render_terminal(doc, Console(file=handle, width=100))
        return
    render = {
        "json": formats.to_json,
        "jsonl": formats.to_jsonl,
        "ptc": formats.to_ptc,
        "text": formats.to_text,
    }[fmt]
    _write(render(docs), output)


def _start_training_run(data: Path) -> None:
    """Progress of training on stderr (spinscope's own log lines only); refuse a directory
    that is not in the PTC layout before any work starts."""
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(lambda record: record.name.startswith("spinscope"))
    if not (data / "train.ids").is_file():
        _fail(f"{data} is not a PTC directory (no train.ids)")
        raise typer.Exit(1)


@train_app.command("techniques")
def train_techniques(
    data: Annotated[
        Path,
        typer.Option(
            "--data", help="PTC directory with articles/, labels.tsv, train.ids, dev.ids."
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="Directory for the trained model, its checkpoint and model card."
        ),
    ] = Path("runs/techniques"),
    epochs: Annotated[
        int, typer.Option("--epochs", help="Passes over the training windows.", min=1)
    ] = 6,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed (fixed for reproducibility).")
    ] = 13,
    batch_size: Annotated[
        int, typer.Option("--batch-size", help="Windows per optimisation step.", min=1)
    ] = 16,
    max_articles: Annotated[
        int | None,
        typer.Option("--max-articles", help="Use only this many training articles (smoke tests)."),
    ] = None,
    max_steps: Annotated[
        int | None, typer.Option("--max-steps", help="Stop after this many steps (smoke tests).")
    ] = None,
    threads: Annotated[int, typer.Option("--threads", help="CPU threads for PyTorch.", min=1)] = 2,
    window: Annotated[
        int,
        typer.Option(
            "--window",
            help="Content tokens per model window (the encoder reads 512).",
            min=16,
            max=510,
        ),
    ] = WINDOW_TOKENS,
    stride: Annotated[
        int, typer.Option("--stride", help="Tokens between window starts (<= window).", min=1)
    ] = STRIDE_TOKENS,
    any_weights: Annotated[
        list[float] | None,
        typer.Option(
            "--any-weight",
            help="Loss weight of the any-technique token column against each technique column. "
            "Repeat it to train one member per value from the same seed and ship the average "
            "of their weights (default: 14 and 28).",
            min=0.0,
        ),
    ] = None,
    install: Annotated[
        bool,
        typer.Option(
            "--install",
            help="Copy the exported model into the package (src/spinscope/models/techniques).",
        ),
    ] = False,
) -> None:
    """Train the technique detector (needs the train extra; see the README)."""
    try:
        import torch  # noqa: F401

        from spinscope.training.train import TrainConfig, train
    except ImportError as exc:
        _fail(f"training needs the train extra (pip install -e '.[train]'): {exc}")
        raise typer.Exit(1) from None
    _start_training_run(data)
    if stride > window:
        _fail(f"--stride ({stride}) must not exceed --window ({window})")
        raise typer.Exit(1)
    config = TrainConfig(
        data_dir=data, out_dir=out, epochs=epochs, seed=seed, batch_size=batch_size,
        max_articles=max_articles, max_steps=max_steps, threads=threads, window=window,
        stride=stride, **({"any_weights": tuple(any_weights)} if any_weights else {}),
    )  # fmt: skip
    card = train(config)
    if install:
        from spinscope.training.install import install_model

        target = install_model(out)
        err.print(f"installed model into {target}")
    typer.echo(json.dumps({k: card["dev_onnx_int8"][k] for k in ("si", "tc", "full")}))


@train_app.command("decoder")
def train_decoder(
    model_dir: Annotated[
        Path, typer.Option("--model-dir", help="An exported technique model directory.")
    ],
    data: Annotated[
        Path,
        typer.Option(
            "--data", help="PTC directory with articles/, labels.tsv, train.ids, dev.ids."
        ),
    ],
    stride: Annotated[
        int | None,
        typer.Option(
            "--stride",
            help="Read articles in windows this many tokens apart from now on (the window's "
            "length: no overlap); default: as the model reads now.",
        ),
    ] = None,
) -> None:
    """Re-fit an exported model's decoder without retraining the encoder: token thresholds
    and calibration on dev, the span filter on train's candidates (threshold on dev). The
    last step of `train techniques`; needs no PyTorch."""
    from spinscope.training.export import refit_decoder

    _start_training_run(data)
    try:
        figures = refit_decoder(model_dir, data, stride)
    except SpinscopeError as exc:
        _fail(str(exc))
        raise typer.Exit(1) from None
    typer.echo(json.dumps({k: figures[k] for k in ("si", "tc", "full")}))


@evaluate_app.command("ptc")
def evaluate_ptc(
    data: Annotated[
        Path, typer.Option("--data", help="Directory with articles/, labels.tsv and NAME.ids.")
    ],
    split: Annotated[
        str, typer.Option("--split", help="Which NAME.ids to evaluate on (e.g. dev).")
    ] = "dev",
    as_json: Annotated[
        bool, typer.Option("--json", help="End with one line of JSON figures.")
    ] = False,
    model_dir: Annotated[
        Path | None,
        typer.Option("--model-dir", help="Technique model directory (default: shipped model)."),
    ] = None,
) -> None:
    """SI, TC, full-task and per-technique figures of the technique detector on a PTC split."""
    from rich.table import Table

    from spinscope.techniques.detector import load_detector
    from spinscope.training.evaluate import EncodedArticle, score
    from spinscope.training.ptc import load_split

    try:
        articles = load_split(data, split)
        detector = load_detector(str(model_dir) if model_dir else None)
    except SpinscopeError as exc:
        _fail(str(exc))
        raise typer.Exit(1) from None
    items = []
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("evaluating", total=len(articles))
        for article in articles:
            items.append(EncodedArticle(article, detector.encode(article.text)))
            progress.advance(task)
    figures = score(items, detector.head, detector.settings, detector.span_filter)
    out = Console()
    out.print(
        f"PTC {split}: {len(articles)} articles, {sum(len(a.spans) for a in articles)} gold spans"
    )
    for name in ("si", "full"):
        row = figures[name]
        out.print(f"{name.upper():4} P {row['p']:.4f}  R {row['r']:.4f}  F1 {row['f1']:.4f}")
    out.print(f"TC   micro-F1 {figures['tc']['micro_f1']:.4f}")
    table = Table("technique", "gold spans", "TC F1", "full F1")
    for label, row in figures["per_technique"].items():
        table.add_row(label, str(row["support"]), f"{row['tc_f1']:.3f}", f"{row['full_f1']:.3f}")
    out.print(table)
    if as_json:
        sys.stdout.write(json.dumps(figures) + "\n")


def _register_plugins() -> None:
    """Front ends that live in their own modules add their commands here."""
    import importlib

    for name in ("spinscope.cli_serve", "spinscope.cli_batch"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(app)


_register_plugins()


def main() -> None:
    """Console entry point: usage errors exit 2 (Click), input errors 1, never a traceback."""
    try:
        app()
    except SpinscopeError as exc:
        _fail(str(exc))
        sys.exit(1)
    except KeyboardInterrupt:
        _fail("interrupted")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence for users
        if os.environ.get("SPINSCOPE_DEBUG"):
            raise
        _fail(
            f"internal error ({exc.__class__.__name__}: {exc}); set SPINSCOPE_DEBUG=1 for details"
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
