"""Ingest of files, strings, bytes and URLs, including every kind of bad input."""

from __future__ import annotations

import http.server
import threading
import time
from pathlib import Path

import pytest
from conftest import send_text

from spinscope.errors import InputError
from spinscope.ingest.load import load
from spinscope.ingest.url import fetch

ARTICLE = "Officials met on Monday.\n\nThe talks went on for hours, a spokesman said.\n"


def test_file_string_and_bytes(tmp_path: Path):
    path = tmp_path / "a.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    assert load(str(path)).text == ARTICLE
    assert load(path).source["kind"] == "file"
    assert load(ARTICLE).source["kind"] == "string"
    assert load(ARTICLE.encode()).text == ARTICLE


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.txt", "no such file"),
        (lambda d: d, "is a directory"),
        (lambda d: _write(d / "empty.txt", b""), "is empty"),
        (lambda d: _write(d / "blank.txt", b"  \n\n \t"), "is empty"),
        (lambda d: _write(d / "img.png", b"\x89PNG\r\n\x1a\n" + bytes(200)), "binary"),
    ],
)
def test_bad_files(tmp_path: Path, make, message):
    with pytest.raises(InputError, match=message):
        load(make(tmp_path))


def test_size_cap(tmp_path: Path):
    path = _write(tmp_path / "big.txt", b"word " * 1000)
    with pytest.raises(InputError, match="limit"):
        load(path, max_bytes=100)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's naming
        if self.path == "/article":
            send_text(self, ARTICLE)
        elif self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
        elif self.path == "/slow":
            time.sleep(3)
            self.send_response(200)
            self.end_headers()
        elif self.path == "/big":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"x" * 50_000)
        else:
            self.send_response(404)
            self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_url_ok(server):
    loaded = load(f"{server}/article")
    assert loaded.text == ARTICLE
    assert loaded.source == {
        "kind": "url",
        "url": f"{server}/article",
        "encoding": "utf-8",
        "format": "text",
    }


@pytest.mark.parametrize(
    ("path", "kwargs", "message"),
    [
        ("/missing", {}, "HTTP 404"),
        ("/loop", {}, "too many redirects"),
        ("/slow", {"timeout": 0.5}, "cannot fetch"),
        ("/big", {"max_bytes": 1000}, "limit"),
    ],
)
def test_url_failures(server, path, kwargs, message):
    with pytest.raises(InputError, match=message):
        load(f"{server}{path}", **kwargs)


def test_public_only_refuses_loopback(server):
    with pytest.raises(InputError, match="non-public"):
        fetch(f"{server}/article", public_only=True)
