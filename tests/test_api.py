"""The HTTP service: inputs, limits, errors, shared models, and URL fetching that refuses
private, loopback, link-local and metadata addresses (also after redirects and DNS).

Most tests run a real Analyzer with the components that need no model, so request handling is
tested in seconds; the last test starts ``spinscope serve`` with the full default pipeline.
"""

from __future__ import annotations

import asyncio
import http.server
import ipaddress
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import jsonschema
import pytest
from conftest import send_text
from fastapi.testclient import TestClient
from test_render_html import BODY, HEADLINE

from spinscope.api import ApiError, Job, Service, ServiceSettings, create_app
from spinscope.cli import app as cli_app
from spinscope.components.summary import Summarizer
from spinscope.errors import InputError
from spinscope.ingest import url as url_module
from spinscope.ingest.url import BlockedAddressError, fetch, is_public_address
from spinscope.pipeline import Analyzer

REPO = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((REPO / "docs" / "document.schema.json").read_text())
ARTICLE = (
    "Council approves new budget\n\n"
    "The city council approved the budget on Monday after a long debate about schools. "
    "\u201cThis is a good day for our children,\u201d the mayor said after the vote.\n"
)


class Counting:
    """A component that records its calls: shows one instance serves every request."""

    name = "counting"

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, doc) -> None:
        self.calls += 1


class Sleepy:
    name = "sleepy"

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __call__(self, doc) -> None:
        time.sleep(self.seconds)


def light_app(*components, **settings) -> TestClient:
    settings.setdefault("warm_up", False)
    analyzer = Analyzer(components=[*components, Summarizer()])
    return TestClient(create_app(analyzer, ServiceSettings(**settings)))


@pytest.fixture(autouse=True)
def only_loopback(monkeypatch):
    """No test here may open a connection outside this machine, whatever the code does."""
    real_connect = socket.socket.connect

    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else None
        if host is not None and not ipaddress.ip_address(host.split("%")[0]).is_loopback:
            raise OSError(f"test guard: refused connection to {host}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


# --- inputs and responses --------------------------------------------------------------------


def test_json_text_returns_a_schema_valid_document():
    with light_app() as client:
        response = client.post("/analyze", json={"text": ARTICLE})
    assert response.status_code == 200
    doc = response.json()
    jsonschema.validate(doc, SCHEMA)
    assert doc["source"] == {"kind": "string", "format": "text"}
    assert "approved the budget" in doc["text"]
    assert doc["summary"]["words"] > 10


def test_json_html_and_file_upload():
    page = f"<html><head><title>T</title></head><body><article><h1>Budget</h1><p>{ARTICLE}</p>"
    page += "</article></body></html>"
    with light_app() as client:
        as_html = client.post("/analyze", json={"html": page})
        upload = client.post(
            "/analyze", files={"file": ("story.txt", ARTICLE.encode(), "text/plain")}
        )
    assert as_html.status_code == 200 and as_html.json()["source"]["format"] == "html"
    assert "approved the budget" in as_html.json()["text"]
    assert upload.status_code == 200
    assert upload.json()["source"] == {
        "kind": "bytes", "filename": "story.txt", "encoding": "utf-8", "format": "text"
    }  # fmt: skip


def test_text_that_looks_like_a_path_or_url_is_only_text():
    with light_app() as client:
        for value in ("/etc/passwd", "http://127.0.0.1/"):
            response = client.post("/analyze", json={"text": value})
            assert response.status_code in (200, 400)
            if response.status_code == 200:
                assert "root:" not in response.text
                assert response.json()["source_text"] == value


def test_html_format_is_the_escaped_report_with_a_strict_policy():
    text = f"{HEADLINE}\n\n{BODY}\n"
    with light_app() as client:
        response = client.post("/analyze?format=html", json={"text": text})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'sha256-" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in response.text
    assert "<script>window" not in response.text and "<img" not in response.text


@pytest.mark.parametrize(
    ("kwargs", "status", "message"),
    [
        ({"json": {}}, 400, "give the article"),
        ({"json": {"text": "a", "url": "https://example.org/"}}, 400, "only one"),
        ({"json": {"text": "   "}}, 400, "empty"),
        ({"json": [1, 2]}, 422, "JSON object"),
        ({"json": {"txt": "a"}}, 422, "unknown field"),
        ({"json": {"text": 3}}, 422, "strings"),
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 400, "JSON"),
        ({"content": b"hello", "headers": {"content-type": "text/plain"}}, 415, "JSON"),
        ({"json": {"url": "file:///etc/passwd"}}, 400, "not an http(s) URL"),
        ({"json": {"url": "ftp://example.org/x"}}, 400, "not an http(s) URL"),
    ],
)
def test_bad_requests_get_a_clear_4xx(kwargs, status, message):
    with light_app() as client:
        response = client.post("/analyze", **kwargs)
    assert response.status_code == status
    assert message in response.json()["detail"]


def test_html_errors_are_pages_with_the_escaped_message():
    with light_app() as client:
        response = client.post("/analyze?format=html", data={"url": "http://127.0.0.1/<b>x"})
    assert response.status_code == 403
    assert "text/html" in response.headers["content-type"]
    assert "non-public address" in response.text and "<b>x" not in response.text


def test_request_size_limit_by_header_and_by_stream():
    with light_app(max_request_bytes=1000) as client:
        declared = client.post("/analyze", json={"text": "word " * 400})

        def chunks():
            for _ in range(10):
                yield b"x" * 500

        streamed = client.post(
            "/analyze", content=chunks(), headers={"content-type": "application/json"}
        )
        upload = client.post("/analyze", files={"file": ("a.txt", b"y" * 5000, "text/plain")})
        small = client.post("/analyze", json={"text": ARTICLE})
    assert declared.status_code == 413 and "limit" in declared.json()["detail"]
    assert streamed.status_code == 413
    assert upload.status_code == 413
    assert small.status_code == 200


def test_per_request_timeout():
    with light_app(Sleepy(2.0), timeout=0.3) as client:
        started = time.monotonic()
        response = client.post("/analyze", json={"text": ARTICLE})
    assert response.status_code == 504 and "limit" in response.json()["detail"]
    assert time.monotonic() - started < 1.9


def test_full_queue_is_refused_not_piled_up():
    analyzer = Analyzer(components=[Sleepy(0.5)])
    service = Service(analyzer, ServiceSettings(concurrency=1, max_queue=0, timeout=10))

    async def two():
        job = Job("text", ARTICLE)
        return await asyncio.gather(service.run(job), service.run(job), return_exceptions=True)

    results = asyncio.run(two())
    service.executor.shutdown(wait=True)
    assert sum(isinstance(r, ApiError) and r.status == 503 for r in results) == 1
    assert sum(not isinstance(r, Exception) for r in results) == 1


def test_models_are_loaded_at_start_up_and_shared():
    counting = Counting()
    analyzer = Analyzer(components=[counting, Summarizer()])
    app = create_app(analyzer, ServiceSettings(warm_up=True))
    with TestClient(app) as client:
        health = client.get("/health").json()
        assert counting.calls == 1  # the warm-up ran before the first request
        for _ in range(2):
            assert client.post("/analyze", json={"text": ARTICLE}).status_code == 200
    assert counting.calls == 3
    assert app.state.service.analyzer is analyzer
    assert health["ready"] is True and health["status"] == "ok"
    assert health["components"] == ["counting", "summary"]


def test_page_health_and_docs():
    with light_app() as client:
        page = client.get("/")
        docs = client.get("/docs")
        spec = client.get("/openapi.json").json()
    assert page.status_code == 200
    for needle in ('name="text"', 'name="url"', 'name="file"', 'action="analyze?format=html"'):
        assert needle in page.text
    assert "script-src 'sha256-" in page.headers["content-security-policy"]
    assert docs.status_code == 200
    body = spec["paths"]["/analyze"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(body)
    assert "/health" in spec["paths"]


def test_serve_command_is_registered():
    from typer.testing import CliRunner

    result = CliRunner().invoke(cli_app, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--max-bytes", "--timeout"):
        assert option in result.output


# --- URL fetching: never into the service's own network ---------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
        "100.64.0.1", "100.100.100.200", "0.0.0.0", "224.0.0.1", "255.255.255.255", "192.0.2.1",
        "::1", "::", "fe80::1", "fc00::1", "fd00:ec2::254", "::ffff:127.0.0.1",
        "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "2002:7f00:1::", "2002:a00:1::",
        "2001:0:4136:e378:8000:63bf:3fff:fdd2", "ff02::1",
    ],
)  # fmt: skip
def test_non_public_addresses(address):
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses(address):
    assert is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/", "http://localhost:8000/", "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://2130706433/", "http://0x7f.1/",
        "http://0/", "http://10.0.0.1/", "http://192.168.0.1/admin",
        "https://127.0.0.1:443/",
    ],
)  # fmt: skip
def test_api_refuses_non_public_urls(url):
    with light_app() as client:
        response = client.post("/analyze", json={"url": url})
    assert 400 <= response.status_code < 500
    detail = response.json()["detail"]
    assert "non-public" in detail or "cannot resolve" in detail


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[tuple[str, str | None]] = []

    def do_GET(self):  # noqa: N802 - http.server's naming
        type(self).seen.append((self.path, self.headers.get("Host")))
        port = self.server.server_address[1]
        redirects = {
            "/to-loopback": f"http://127.0.0.2:{port}/secret",
            "/to-metadata": "http://169.254.169.254/latest/meta-data/",
            "/to-name": f"http://inside.test:{port}/secret",
        }
        if self.path in redirects:
            self.send_response(302)
            self.send_header("Location", redirects[self.path])
            self.end_headers()
        elif self.path == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            try:
                for _ in range(40):
                    self.wfile.write(b"word ")
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass
        else:
            send_text(self, ARTICLE)

    def log_message(self, *args):
        pass


@pytest.fixture()
def origin(monkeypatch):
    """A local server posing as a public site: ``public.test`` resolves to 127.0.0.1, which
    counts as public here; every other non-public address stays refused."""
    _Recorder.seen = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    port = httpd.server_address[1]
    real_getaddrinfo = socket.getaddrinfo
    lookups: list[str] = []
    answers = {"public.test": ["127.0.0.1"], "inside.test": ["10.0.0.7"]}

    def getaddrinfo(host, *args, **kwargs):
        if host in answers or host == "rebind.test":
            lookups.append(host)
            if host == "rebind.test":  # public first, private on every later lookup
                address = "127.0.0.1" if lookups.count(host) == 1 else "10.0.0.9"
            else:
                address = answers[host][0]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real_getaddrinfo(host, *args, **kwargs)

    real_check = url_module.is_public_address
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(
        url_module,
        "is_public_address",
        lambda address: str(address) == "127.0.0.1" or real_check(address),
    )
    yield {"port": port, "lookups": lookups, "seen": _Recorder.seen}
    httpd.shutdown()
    httpd.server_close()


def test_fetch_connects_to_the_checked_address_with_the_host_name(origin):
    result = fetch(f"http://public.test:{origin['port']}/article", public_only=True)
    assert result.data.decode() == ARTICLE
    assert origin["seen"] == [("/article", f"public.test:{origin['port']}")]


def test_dns_rebinding_cannot_reach_a_private_address(origin):
    """The name is resolved once per hop and that checked address is the one connected to."""
    result = fetch(f"http://rebind.test:{origin['port']}/article", public_only=True)
    assert result.data.decode() == ARTICLE
    assert origin["lookups"].count("rebind.test") == 1


@pytest.mark.parametrize("path", ["/to-loopback", "/to-metadata", "/to-name"])
def test_redirects_into_private_addresses_are_refused(origin, path):
    with pytest.raises(BlockedAddressError, match="non-public"):
        fetch(f"http://public.test:{origin['port']}{path}", public_only=True)
    assert [p for p, _ in origin["seen"]] == [path]  # nothing fetched after the redirect
    with light_app() as client:
        response = client.post(
            "/analyze", json={"url": f"http://public.test:{origin['port']}{path}"}
        )
    assert response.status_code == 403 and "non-public" in response.json()["detail"]


def test_api_fetches_public_urls(origin):
    with light_app() as client:
        response = client.post("/analyze", json={"url": f"http://public.test:{origin['port']}/a"})
    assert response.status_code == 200
    doc = response.json()
    assert doc["source"]["url"] == f"http://public.test:{origin['port']}/a"
    assert "approved the budget" in doc["text"]


def test_a_slow_drip_is_cut_off_by_the_total_timeout(origin):
    started = time.monotonic()
    with pytest.raises(InputError, match="took longer"):
        fetch(f"http://public.test:{origin['port']}/drip", public_only=True, total_timeout=0.5)
    assert time.monotonic() - started < 2.5


@pytest.fixture()
def tls_origin(tmp_path, monkeypatch):
    """An HTTPS server with a certificate for ``public.test`` only, trusted for this test."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=public.test",
         "-addext", "subjectAltName=DNS:public.test"],
        check=True, capture_output=True,
    )  # fmt: skip
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    names: list[str | None] = []
    context.sni_callback = lambda _sock, name, _ctx: names.append(name)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    port = httpd.server_address[1]
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host in ("public.test", "other.test"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(url_module, "is_public_address", lambda a: str(a) == "127.0.0.1")
    _Recorder.seen = []
    yield {"port": port, "names": names}
    httpd.shutdown()
    httpd.server_close()


def test_pinned_https_checks_the_certificate_against_the_host_name(tls_origin):
    port = tls_origin["port"]
    result = fetch(f"https://public.test:{port}/article", public_only=True)
    assert result.data.decode() == ARTICLE
    assert tls_origin["names"] == ["public.test"]  # SNI carries the name, not the address
    with pytest.raises(InputError, match="SSLError"):
        fetch(f"https://other.test:{port}/article", public_only=True)


# --- the real service -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_spinscope_serve_analyzes_the_sample_with_the_default_pipeline(sample_path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "spinscope.cli", "serve", "--port", str(port),
               "--timeout", "600", "--log-level", "warning"]  # fmt: skip
    server = subprocess.Popen(command, env={**os.environ, "NO_COLOR": "1"})
    try:
        deadline = time.monotonic() + 900
        health = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=5) as response:
                    health = json.load(response)
                if health["ready"] or health["error"]:
                    break
            except OSError:
                pass
            time.sleep(1)
        assert health and health["ready"], health
        request = urllib.request.Request(
            f"{base}/analyze",
            data=json.dumps({"text": sample_path.read_text()}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=600) as response:
            doc = json.load(response)
    finally:
        server.terminate()
        server.wait(timeout=30)
    jsonschema.validate(doc, SCHEMA)
    assert doc["layers"]["techniques"], "no technique spans on the sample"
    assert any(q.get("speaker") for q in doc["layers"]["quotes"])
    assert doc["summary"].get("sourcing")
