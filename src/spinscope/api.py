"""The HTTP front end: ``POST /analyze``, a page at ``/``, ``GET /health``, docs at ``/docs``.

Like the CLI it analyses nothing itself: one shared :class:`Analyzer` (models loaded once, at
start-up) runs in a small thread pool. What the service adds is what a public endpoint needs:
a request size limit, a per-request time limit, a bounded queue, and URL fetching that never
reaches private, loopback, link-local or metadata addresses. Request fields say what they
are (``text``, ``html``, ``url``, a file): nothing is guessed to be a path or URL, so no
request can make the service read a local file.
"""

from __future__ import annotations

import asyncio
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import Markup
from pydantic import BaseModel, Field

from spinscope import __version__
from spinscope.components.language import LanguageDetector
from spinscope.document import Document
from spinscope.errors import InputError, SpinscopeError
from spinscope.ingest.decode import decode_bytes, looks_like_html
from spinscope.ingest.load import LoadedInput
from spinscope.ingest.url import BlockedAddressError, fetch
from spinscope.pipeline import Analyzer, document_from_input
from spinscope.render.html import asset, content_security_policy, environment, render_html

log = logging.getLogger("spinscope.api")

FIELDS = ("text", "html", "url")
WARM_UP_TEXT = (
    "The minister said on Tuesday that the new plan would help families across the country. "
    "Critics called it a disaster and said the government had ignored the evidence."
)


@dataclass
class ServiceSettings:
    """Limits of the service; ``spinscope serve`` exposes each as an option."""

    max_request_bytes: int = 5 * 1024 * 1024
    #: Seconds for one request: waiting for a worker, fetching a URL and analysing.
    timeout: float = 60.0
    #: Seconds to connect or read when fetching a URL; the whole fetch gets twice that.
    fetch_timeout: float = 10.0
    #: Analyses at once (each uses the shared models), and requests allowed to wait.
    concurrency: int = 1
    max_queue: int = 16
    warm_up: bool = True


class AnalyzeRequest(BaseModel):
    """Exactly one of ``text``, ``html`` or ``url``."""

    text: str | None = Field(None, description="Article text (a naive scrape is cleaned).")
    html: str | None = Field(None, description="An article page's HTML.")
    url: str | None = Field(None, description="An http(s) URL of a public article page.")


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` (413), by Content-Length and while reading."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            response = JSONResponse({"detail": self.message()}, status_code=413)
            await response(scope, receive, send)
            return
        received = 0

        async def limited() -> dict:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge(self.message())
            return message

        await self.app(scope, limited, send)

    def message(self) -> str:
        return f"request body over the {self.max_bytes} byte limit"


@dataclass
class Job:
    kind: Literal["text", "html", "url", "file"]
    value: str = ""
    data: bytes = b""
    filename: str | None = None


@dataclass
class Service:
    """The shared analyzer, its worker threads and the service's limits."""

    analyzer: Analyzer
    settings: ServiceSettings
    executor: ThreadPoolExecutor = field(init=False)
    pending: int = 0
    ready: bool = False
    error: str | None = None

    def __post_init__(self) -> None:
        self.executor = ThreadPoolExecutor(
            max_workers=self.settings.concurrency, thread_name_prefix="spinscope-analyze"
        )

    async def run(self, job: Job) -> Document:
        """Analyse ``job`` in a worker within the time limit; 503 when the queue is full."""
        if self.pending >= self.settings.concurrency + self.settings.max_queue:
            raise ApiError(503, "the service is busy; try again in a minute")
        self.pending += 1
        future = self.executor.submit(analyze_job, self.analyzer, job, self.settings)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.settings.timeout)
        except TimeoutError:
            future.cancel()  # drops it if it is still queued; a running analysis finishes
            raise ApiError(
                504, f"the analysis took longer than the {self.settings.timeout:g} s limit"
            ) from None
        finally:
            self.pending -= 1

    async def warm_up(self) -> None:
        """Load every model now rather than on the first request."""
        job = Job("text", WARM_UP_TEXT)
        future = self.executor.submit(analyze_job, self.analyzer, job, self.settings)
        try:  # no time limit: loading models on a busy machine may take minutes, once
            await asyncio.wrap_future(future)
            self.ready = True
        except SpinscopeError as exc:
            self.error = str(exc)
            log.error("warm-up failed: %s", self.error)


def loaded_from_bytes(data: bytes, source: dict[str, Any], hint: str | None = None) -> LoadedInput:
    """Decode uploaded or fetched bytes; HTML or text is told from the content."""
    if not data.strip():
        raise InputError("the input is empty")
    text, encoding = decode_bytes(data, hint)
    if not text.strip():
        raise InputError("the input has no text")
    kind = "html" if looks_like_html(text) else "text"
    return LoadedInput(text, kind, {**source, "encoding": encoding, "format": kind})


def load_job(job: Job, analyzer: Analyzer, settings: ServiceSettings) -> LoadedInput:
    if job.kind == "url":
        result = fetch(
            job.value,
            timeout=settings.fetch_timeout,
            total_timeout=2 * settings.fetch_timeout,
            max_bytes=analyzer.max_bytes,
            public_only=True,
        )
        loaded = loaded_from_bytes(result.data, {"kind": "url", "url": result.url}, result.charset)
        loaded.url = result.url
        return loaded
    if job.kind == "file":
        source = {"kind": "bytes"} | ({"filename": job.filename} if job.filename else {})
        return loaded_from_bytes(job.data, source)
    if not job.value.strip():
        raise InputError(f"the {job.kind} is empty")
    return LoadedInput(job.value, job.kind, {"kind": "string", "format": job.kind})


def analyze_job(analyzer: Analyzer, job: Job, settings: ServiceSettings) -> Document:
    """The same steps as ``Analyzer.analyze``, from an input whose kind the request declared."""
    doc = document_from_input(load_job(job, analyzer, settings), clean=analyzer.clean)
    LanguageDetector()(doc)
    return analyzer.run_components(doc)


# --- reading requests -----------------------------------------------------------------------


async def read_job(request: Request, settings: ServiceSettings) -> Job:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        return _json_job(await request.body())
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return await _form_job(request, settings)
    raise ApiError(415, 'send JSON ({"text": …}, {"html": …} or {"url": …}) or a form upload')


def _json_job(body: bytes) -> Job:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "the body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise ApiError(422, 'expected a JSON object such as {"text": "…"}')
    unknown = sorted(set(payload) - set(FIELDS))
    if unknown:
        raise ApiError(422, f"unknown field(s): {', '.join(unknown)}; use one of {FIELDS}")
    given = {k: v for k, v in payload.items() if v not in (None, "")}
    if any(not isinstance(v, str) for v in given.values()):
        raise ApiError(422, "text, html and url must be strings")
    return _one(given, None)


async def _form_job(request: Request, settings: ServiceSettings) -> Job:
    try:
        form = await request.form(
            max_files=1, max_fields=len(FIELDS) + 2, max_part_size=settings.max_request_bytes
        )
    except _BodyTooLarge:
        raise
    except Exception as exc:  # malformed multipart: the parser's own exception types vary
        raise ApiError(400, f"cannot read the form: {exc}") from None
    upload = form.get("file")
    file_job = None
    if upload is not None and not isinstance(upload, str):
        data = await upload.read()
        if data:
            file_job = Job("file", data=data, filename=upload.filename)
    given = {k: v for k in FIELDS if isinstance(v := form.get(k), str) and v.strip()}
    return _one(given, file_job)


def _one(given: dict[str, str], file_job: Job | None) -> Job:
    count = len(given) + (file_job is not None)
    if count == 0:
        raise ApiError(400, "give the article: text, html, url or a file")
    if count > 1:
        names = [*given, *(["file"] if file_job else [])]
        raise ApiError(400, f"give only one of text, html, url or a file (got {', '.join(names)})")
    if file_job is not None:
        return file_job
    kind, value = next(iter(given.items()))
    return Job(kind, value.strip() if kind == "url" else value)  # type: ignore[arg-type]


# --- responses -------------------------------------------------------------------------------


def _security_headers(csp: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": csp + "; frame-ancestors 'none'",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


def _error(status: int, message: str, as_html: bool) -> Response:
    if not as_html:
        return JSONResponse({"detail": message}, status_code=status)
    page = (
        environment()
        .get_template("error.html.j2")
        .render(status=status, message=message, css=Markup(asset("report.css")))
    )
    return HTMLResponse(page, status_code=status, headers=_security_headers(_PAGE_CSP_NO_SCRIPT))


_PAGE_CSP_NO_SCRIPT = content_security_policy(form_action="'self'")

_JSON_BODY = {"application/json": {"schema": AnalyzeRequest.model_json_schema()}}
_FORM_BODY = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "properties": {
                "file": {"type": "string", "format": "binary", "description": "Text or HTML."},
                **{name: {"type": "string"} for name in FIELDS},
            },
        }
    }
}
_ANALYZE_DOC = {
    "requestBody": {"required": True, "content": _JSON_BODY | _FORM_BODY},
    "responses": {
        "200": {
            "description": "The document JSON (docs/document.schema.json), or with "
            "format=html the self-contained report.",
            "content": {"application/json": {}, "text/html": {}},
        },
        "400": {"description": "No input, several inputs, or an input that cannot be read."},
        "403": {"description": "The URL is, or resolves to, a non-public address."},
        "413": {"description": "The request body is over the size limit."},
        "415": {"description": "Neither JSON nor a form."},
        "422": {"description": "JSON of the wrong shape."},
        "503": {"description": "Busy, or the models could not be loaded."},
        "504": {"description": "The request took longer than the time limit."},
    },
}


def create_app(
    analyzer: Analyzer | None = None, settings: ServiceSettings | None = None
) -> FastAPI:
    """The service around one shared ``analyzer`` (default: the full pipeline)."""
    settings = settings or ServiceSettings()
    analyzer = analyzer or Analyzer(
        max_bytes=settings.max_request_bytes, timeout=settings.fetch_timeout
    )
    service = Service(analyzer, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if settings.warm_up:
            await service.warm_up()
        else:
            service.ready = True
        yield
        service.executor.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(
        title="spinscope",
        version=__version__,
        summary="Persuasion techniques, quotes and sourcing of news articles, with evidence.",
        lifespan=lifespan,
    )
    app.state.service = service
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_request_bytes)
    page_script = asset("page.js")
    page_csp = content_security_policy(page_script, form_action="'self'")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> HTMLResponse:
        html = (
            environment()
            .get_template("page.html.j2")
            .render(
                css=Markup(asset("report.css")),
                script=Markup(page_script),
                csp=page_csp,
                max_mb=f"{settings.max_request_bytes / 1024 / 1024:g}",
            )
        )
        return HTMLResponse(html, headers=_security_headers(page_csp))

    @app.get("/health")
    def health() -> dict[str, Any]:
        """Liveness and whether the models are loaded."""
        return {
            "status": "ok" if service.ready else ("error" if service.error else "starting"),
            "ready": service.ready,
            "error": service.error,
            "version": __version__,
            "components": [getattr(c, "name", type(c).__name__) for c in analyzer.components],
            "queue": service.pending,
        }

    @app.post("/analyze", openapi_extra=_ANALYZE_DOC, response_model=None)
    async def analyze(
        request: Request,
        format: Literal["json", "html"] = Query(
            "json", description="json: the document; html: the report page."
        ),
    ) -> Response:
        """Analyse one article given as JSON (text, html or url) or as a form (a file upload)."""
        as_html = format == "html"
        try:
            job = await read_job(request, settings)
            doc = await service.run(job)
        except ApiError as exc:
            return _error(exc.status, exc.message, as_html)
        except _BodyTooLarge as exc:
            return _error(413, str(exc), as_html)
        except BlockedAddressError as exc:
            return _error(403, str(exc), as_html)
        except InputError as exc:
            return _error(400, str(exc), as_html)
        except SpinscopeError as exc:
            log.error("analysis unavailable: %s", exc)
            return _error(503, f"analysis unavailable: {exc}", as_html)
        if as_html:
            report = render_html(doc, home_url="./")
            return HTMLResponse(report, headers=_security_headers(_report_csp()))
        return JSONResponse(doc.to_dict())

    return app


def _report_csp() -> str:
    return content_security_policy(asset("report.js"))
