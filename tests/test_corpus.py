"""Corpus readers: JSONL, WARC / WARC.gz, URL lists and directories become keyed items."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from spinscope.errors import InputError
from spinscope.ingest.corpus import (
    check_inputs,
    classify,
    count_inputs,
    input_key,
    iter_inputs,
    normalise_date,
    to_loaded,
)

PAGE = (
    "<html><head><meta charset='windows-1252'><title>Port strike</title></head><body>"
    "<article><h1>Port strike enters second week</h1><p>Dock workers extended their strike "
    "on Tuesday, union leaders said, as talks broke down over pay.</p></article></body></html>"
)


def write_warc(path: Path, gz: bool = True) -> Path:
    """A small crawl: an HTML page, a 404, a redirect, an image, a request, a text page."""
    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=gz)

        def response(url: str, status: str, ctype: str, body: bytes) -> None:
            headers = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=headers,
                warc_headers_dict={"WARC-Date": "2024-03-05T10:00:00Z"},
            )  # fmt: skip
            writer.write_record(record)

        response("https://news.example/a", "200 OK", "text/html; charset=windows-1252",
                 PAGE.encode("cp1252"))  # fmt: skip
        response("https://news.example/missing", "404 Not Found", "text/html", b"<p>gone</p>")
        response("https://news.example/old", "301 Moved", "text/html", b"")
        response("https://news.example/logo.png", "200 OK", "image/png", b"\x89PNG....")
        writer.write_record(writer.create_warc_record(
            "https://news.example/a", "request", payload=io.BytesIO(b"GET /a HTTP/1.1\r\n\r\n")
        ))  # fmt: skip
        response("https://news.example/b.txt", "200 OK", "text/plain", "Plain café text".encode())
    return path


def test_jsonl_records_become_items_with_metadata_and_errors(tmp_path: Path) -> None:
    lines = [
        {"id": "x1", "url": "https://a.example/1", "text": "Some article text.",
         "published": "2024-02-03T11:00:00+01:00", "outlet": "A News"},
        {"id": "x2", "html": PAGE, "title": "Port strike"},
        {"id": "x3"},
        ["not", "an", "object"],
    ]  # fmt: skip
    path = tmp_path / "feed.jsonl"
    text = "\n".join(json.dumps(x) for x in lines) + "\n\n{broken\n"
    path.write_text(text, encoding="utf-8")
    items = list(iter_inputs([str(path)]))
    assert [i.input_id for i in items[:2]] == ["x1", "x2"]
    first, second = items[0], items[1]
    assert first.metadata == {"outlet": "A News", "published": "2024-02-03"}
    assert (first.fmt, first.url, first.kind) == ("text", "https://a.example/1", "jsonl")
    assert second.fmt == "html" and second.metadata == {"headline": "Port strike"}
    assert [i.error is not None for i in items] == [False, False, True, True, True]
    assert "no 'text' or 'html'" in items[2].error and items[4].origin.endswith(":6")
    assert count_inputs([str(path)]) == len(items)
    gz = tmp_path / "feed.jsonl.gz"
    gz.write_bytes(gzip.compress(text.encode()))
    from_gz = list(iter_inputs([str(gz)]))
    assert [i.key for i in from_gz[:2]] == [i.key for i in items[:2]]  # keys follow content
    assert len(from_gz) == 5


def test_keys_follow_content_and_meaning(tmp_path: Path) -> None:
    def key(record: dict) -> str:
        path = tmp_path / "one.jsonl"
        path.write_text(json.dumps(record) + "\n", encoding="utf-8")
        return next(iter_inputs([str(path)])).key

    base = {"id": "1", "text": "Same words.", "outlet": "A"}
    assert key(base) == key(base | {"id": "other id"})  # an id is a label, not content
    assert key(base) != key(base | {"outlet": "B"})  # syndicated copies stay apart
    assert key(base) != key(base | {"text": "Other words."})
    assert input_key(b"x") != input_key(b"x", "u")


def test_long_lines_are_recorded_without_being_read(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    ok = json.dumps({"id": "ok", "text": "short"})
    path.write_text(json.dumps({"id": "big", "text": "x" * 5000}) + "\n" + ok + "\n")
    items = list(iter_inputs([str(path)], max_bytes=1000))
    assert "over the 1000 byte limit" in items[0].error
    assert items[1].input_id == "ok"


@pytest.mark.parametrize("gz", [True, False])
def test_warc_yields_html_and_text_pages_only(tmp_path: Path, gz: bool) -> None:
    path = write_warc(tmp_path / ("crawl.warc.gz" if gz else "crawl.warc"), gz=gz)
    counters: dict = {}
    items = list(iter_inputs([str(path)], counters=counters))
    assert [i.url for i in items] == ["https://news.example/a", "https://news.example/b.txt"]
    assert counters == {"skipped_records": 4}
    page = items[0]
    assert (page.kind, page.charset, page.metadata) == (
        "warc", "windows-1252", {"crawled": "2024-03-05T10:00:00Z"})  # fmt: skip
    loaded = to_loaded(page)
    assert loaded.kind == "html" and "Dock workers" in loaded.text
    assert loaded.source["kind"] == "warc" and loaded.url == "https://news.example/a"
    assert to_loaded(items[1]).text == "Plain café text"
    assert count_inputs([str(path)]) == 2


def test_a_truncated_warc_records_an_error_after_its_good_records(tmp_path: Path) -> None:
    full = write_warc(tmp_path / "full.warc.gz").read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(full[: len(full) - 60])
    items = list(iter_inputs([str(cut)]))
    assert items[0].url == "https://news.example/a"
    assert items[-1].error and "damaged WARC" in items[-1].error
    first_only = tmp_path / "first.warc.gz"
    first_only.write_bytes(full[:300])  # the first record itself is cut off
    assert "is cut off" in next(iter_inputs([str(first_only)])).error
    garbage = tmp_path / "garbage.warc.gz"
    garbage.write_bytes(b"\x00 not a warc at all" * 50)
    assert "damaged WARC" in next(iter_inputs([str(garbage)])).error


def test_url_lists_directories_and_plain_urls(tmp_path: Path) -> None:
    (tmp_path / "corpus" / "2024" / ".git").mkdir(parents=True)
    root = tmp_path / "corpus"
    (root / "2024" / "a.txt").write_text("An article.", encoding="utf-8")
    (root / "2024" / "b.html").write_text(PAGE, encoding="utf-8")
    (root / "2024" / ".git" / "config").write_text("hidden", encoding="utf-8")
    (root / "notes.pdf").write_bytes(b"%PDF-1.4")
    (root / "links.txt").write_text("# my list\nhttps://a.example/1\n\nhttps://a.example/2\n")
    (root / "bad.urls").write_text("https://a.example/3\nnot a url\n")
    counters: dict = {}
    items = list(iter_inputs([str(root), "https://b.example/x"], counters=counters))
    assert [(i.kind, i.input_id) for i in items] == [
        ("file", str(root / "2024" / "a.txt")), ("file", str(root / "2024" / "b.html")),
        ("url", "https://a.example/3"), ("url", str(root / "bad.urls") + ":2"),
        ("url", "https://a.example/1"), ("url", "https://a.example/2"),
        ("url", "https://b.example/x"),
    ]  # fmt: skip
    assert "not an http(s) URL" in items[3].error
    assert counters == {"skipped_files": 1}
    assert count_inputs([str(root), "https://b.example/x"]) == len(items)
    assert classify(root / "links.txt") == "urls" and classify(root / "2024" / "a.txt") == "file"
    with pytest.raises(InputError, match="no such file"):
        check_inputs([str(root / "missing")])


def test_dates_are_normalised() -> None:
    assert normalise_date("2024-02-03T23:00:00Z") == "2024-02-03"
    assert normalise_date("published 2023-11-30") == "2023-11-30"
    assert normalise_date("2024-02-31") is None
    assert normalise_date("yesterday") is None and normalise_date(None) is None
