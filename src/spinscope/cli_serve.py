"""``spinscope serve``: the HTTP service (FastAPI app from :mod:`spinscope.api` on uvicorn).

Kept out of ``cli.py`` so that the other commands never import the web stack.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

err = Console(stderr=True)
_NEEDS = "fastapi, uvicorn and python-multipart"


def register(app: typer.Typer) -> None:
    app.command()(serve)


HostOpt = Annotated[
    str,
    typer.Option(
        "--host",
        help="Address to listen on. Keep 127.0.0.1 unless other machines should reach it.",
    ),
]
PortOpt = Annotated[int, typer.Option("--port", help="TCP port.", min=1, max=65535)]
ModelDirOpt = Annotated[
    Path | None,
    typer.Option("--model-dir", help="Technique model directory (default: the shipped model)."),
]
MaxBytesOpt = Annotated[
    int,
    typer.Option("--max-bytes", help="Largest request body, and largest page fetched.", min=1),
]
TimeoutOpt = Annotated[
    float,
    typer.Option("--timeout", help="Seconds one request may take before a 504.", min=1),
]
FetchTimeoutOpt = Annotated[
    float,
    typer.Option("--fetch-timeout", help="Seconds to connect to or read from a URL.", min=0.1),
]
ConcurrencyOpt = Annotated[
    int,
    typer.Option("--concurrency", help="Analyses at once (they share the models).", min=1),
]
LogLevelOpt = Annotated[str, typer.Option("--log-level", help="uvicorn log level.")]


def serve(
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    model_dir: ModelDirOpt = None,
    max_bytes: MaxBytesOpt = 5 * 1024 * 1024,
    timeout: TimeoutOpt = 60.0,
    fetch_timeout: FetchTimeoutOpt = 10.0,
    concurrency: ConcurrencyOpt = 1,
    log_level: LogLevelOpt = "info",
) -> None:
    """Serve the analysis over HTTP: a page at /, POST /analyze, GET /health, docs at /docs."""
    from spinscope.errors import SpinscopeError

    try:
        import uvicorn

        from spinscope.api import ServiceSettings, create_app
    except ImportError as exc:
        err.print(
            f"[bold red]error:[/] the service needs {_NEEDS}: {escape(str(exc))}", highlight=False
        )
        raise typer.Exit(1) from None
    from spinscope.components.registry import analysis_components
    from spinscope.pipeline import Analyzer

    try:
        components = analysis_components(model_dir=str(model_dir) if model_dir else None)
    except SpinscopeError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from None
    if not _is_loopback(host):
        note = f"listening on {host}: anyone who can reach it can submit articles and URLs."
        err.print(f"[yellow]note:[/] {escape(note)}", highlight=False)
    settings = ServiceSettings(
        max_request_bytes=max_bytes, timeout=timeout, fetch_timeout=fetch_timeout,
        concurrency=concurrency,
    )  # fmt: skip
    analyzer = Analyzer(components=components, max_bytes=max_bytes, timeout=fetch_timeout)
    uvicorn.run(
        create_app(analyzer, settings),
        host=host,
        port=port,
        log_level=log_level,
        server_header=False,
        proxy_headers=False,
        timeout_keep_alive=5,
        limit_concurrency=64,
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
