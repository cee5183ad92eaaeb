"""A corpus as a stream of inputs: files, directories, JSONL, WARC and URL lists.

Readers never hold more than one input in memory, so a corpus of any size streams in
flat memory. Every input gets a content ``key`` (a hash of what will be analysed plus
the metadata that changes what it means), which is how a store knows an input is done.
A damaged container (a bad JSON line, a truncated WARC) becomes an item with ``error``
set, so it is recorded and the run goes on.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from spinscope.errors import InputError
from spinscope.ingest.dates import normalise_date
from spinscope.ingest.load import DEFAULT_MAX_BYTES
from spinscope.ingest.url import is_url

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
WARC_SUFFIXES = (".warc", ".warc.gz")
URL_LIST_SUFFIXES = (".urls",)
#: Files a directory walk treats as single articles; other files in a directory are skipped.
ARTICLE_SUFFIXES = (".txt", ".text", ".html", ".htm", ".xhtml", ".md", "")
#: JSONL fields copied into the Document's metadata (``title`` is read as the headline).
METADATA_KEYS = ("outlet", "published", "headline", "author")
_WARC_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_URL_SNIFF_BYTES = 64 * 1024


@dataclass
class CorpusItem:
    """One input of a corpus: what to analyse, where it came from, and its key."""

    key: str
    input_id: str  # the id a researcher knows: JSONL id, page URL, file path
    origin: str  # where exactly: "feed.jsonl:12", "crawl.warc.gz@5120", a path
    kind: str  # "file", "jsonl", "warc", "url"
    payload: bytes | None = None  # raw content; None for a URL the worker fetches
    url: str | None = None
    fmt: str | None = None  # "html" or "text" when the container says; None: sniff
    charset: str | None = None  # a declared charset (HTTP header in a WARC)
    metadata: dict[str, Any] = field(default_factory=dict)
    error: str | None = None  # set when the container itself is damaged


def input_key(payload: bytes, *parts: str | None) -> str:
    """128-bit BLAKE2b of the content and the fields that change its meaning (hex)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(payload)
    for part in parts:
        digest.update(b"\x00" + (part or "").encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _error_item(origin: str, reason: str, kind: str, salt: bytes = b"") -> CorpusItem:
    key = input_key(b"error\x00" + salt, origin)
    return CorpusItem(key=key, input_id=origin, origin=origin, kind=kind, error=reason)


def classify(path: Path) -> str:
    """``jsonl``, ``warc``, ``urls`` or ``file`` (one article), from name and content."""
    name = path.name.lower()
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith(WARC_SUFFIXES):
        return "warc"
    if name.endswith(URL_LIST_SUFFIXES) or (name.endswith(".txt") and _is_url_list(path)):
        return "urls"
    return "file"


def _is_url_list(path: Path) -> bool:
    """A text file whose every non-blank, non-comment line is an http(s) URL."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_URL_SNIFF_BYTES)
    except OSError:
        return False
    try:
        lines = head.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return False
    if len(head) == _URL_SNIFF_BYTES:
        lines = lines[:-1]  # the last line may be cut
    lines = [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    return bool(lines) and all(is_url(ln) for ln in lines)


def walk(directory: Path) -> Iterator[Path]:
    """Files under ``directory`` in a stable order, hidden entries and symlinked dirs skipped."""
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from walk(Path(entry.path))
        elif entry.is_file():
            yield Path(entry.path)


def _wanted_in_directory(path: Path) -> bool:
    name = path.name.lower()
    if name.endswith(JSONL_SUFFIXES + WARC_SUFFIXES + URL_LIST_SUFFIXES):
        return True
    return path.suffix.lower() in ARTICLE_SUFFIXES


def check_inputs(inputs: Iterable[str]) -> None:
    """Fail before a run starts when an argument is neither a URL nor an existing path."""
    for value in inputs:
        if not is_url(value) and not Path(value).exists():
            raise InputError(f"no such file or directory: {value}")


def iter_inputs(
    inputs: Iterable[str], *, max_bytes: int = DEFAULT_MAX_BYTES, counters: dict | None = None
) -> Iterator[CorpusItem]:
    """Every input of the corpus, in order. ``counters`` collects what was passed over."""
    counters = counters if counters is not None else {}
    for value in inputs:
        if is_url(value):
            yield url_item(value.strip(), value)
            continue
        path = Path(value)
        if path.is_dir():
            for file in walk(path):
                if _wanted_in_directory(file):
                    yield from iter_path(file, max_bytes=max_bytes, counters=counters)
                else:
                    counters["skipped_files"] = counters.get("skipped_files", 0) + 1
        else:
            yield from iter_path(path, max_bytes=max_bytes, counters=counters)


def iter_path(
    path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, counters: dict | None = None
) -> Iterator[CorpusItem]:
    """The inputs inside one file, by its kind."""
    counters = counters if counters is not None else {}
    kind = classify(path)
    if kind == "jsonl":
        yield from iter_jsonl(path, max_bytes=max_bytes)
    elif kind == "warc":
        yield from iter_warc(path, max_bytes=max_bytes, counters=counters)
    elif kind == "urls":
        yield from iter_url_list(path)
    else:
        yield file_item(path, max_bytes=max_bytes)


def file_item(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> CorpusItem:
    origin = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return _error_item(origin, f"{size} bytes, over the {max_bytes} byte limit", "file")
        data = path.read_bytes()
    except OSError as exc:
        return _error_item(origin, f"cannot read: {exc.strerror or exc}", "file")
    return CorpusItem(
        key=input_key(data), input_id=origin, origin=origin, kind="file", payload=data
    )


def url_item(url: str, origin: str) -> CorpusItem:
    return CorpusItem(
        key=input_key(b"url\x00" + url.encode("utf-8", "surrogatepass")),
        input_id=url, origin=origin, kind="url", url=url,
    )  # fmt: skip


def iter_url_list(path: Path) -> Iterator[CorpusItem]:
    """One input per URL line; ``#`` comments and blank lines are ignored."""
    try:
        handle = open(path, encoding="utf-8", errors="replace")  # noqa: SIM115
    except OSError as exc:
        yield _error_item(str(path), f"cannot read: {exc.strerror or exc}", "url")
        return
    with handle:
        for lineno, line in enumerate(handle, 1):
            value = line.strip()
            if not value or value.startswith("#"):
                continue
            origin = f"{path}:{lineno}"
            if is_url(value):
                yield url_item(value, origin)
            else:
                reason = f"not an http(s) URL: {value[:200]!r}"
                yield _error_item(origin, reason, "url", value.encode("utf-8", "replace"))


# --------------------------------------------------------------------------- JSONL


def _open_binary(path: Path) -> IO[bytes]:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")  # noqa: SIM115


def _lines(handle: IO[bytes], max_bytes: int) -> Iterator[tuple[int, bytes | None]]:
    """(line number, line) with ``None`` for a line over ``max_bytes`` (skipped unread)."""
    lineno = 0
    while True:
        line = handle.readline(max_bytes + 1)
        if not line:
            return
        lineno += 1
        if len(line) > max_bytes and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = handle.readline(1 << 20)
            yield lineno, None
            continue
        yield lineno, line


def iter_jsonl(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[CorpusItem]:
    """One input per line: ``{"id", "url", "text" | "html", "published", "outlet", ...}``."""
    try:
        handle = _open_binary(path)
    except OSError as exc:
        yield _error_item(str(path), f"cannot read: {exc.strerror or exc}", "jsonl")
        return
    try:
        with handle:
            for lineno, line in _lines(handle, max_bytes):
                origin = f"{path}:{lineno}"
                if line is None:
                    reason = f"line over the {max_bytes} byte limit"
                    yield _error_item(origin, reason, "jsonl", b"long")
                elif line.strip():
                    yield jsonl_item(line, origin)
    except (OSError, EOFError, zlib.error) as exc:
        yield _error_item(str(path), f"damaged file: {exc}", "jsonl", b"damaged")


def jsonl_item(line: bytes, origin: str) -> CorpusItem:
    """Parse one JSONL record; a record that cannot be analysed becomes an error item."""
    try:
        record = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return _error_item(origin, f"not valid JSON: {exc}", "jsonl", line)
    if not isinstance(record, dict):
        return _error_item(origin, "a JSONL line must be an object", "jsonl", line)
    body, fmt = record.get("html"), "html"
    if not isinstance(body, str) or not body.strip():
        body, fmt = record.get("text"), "text"
    if not isinstance(body, str) or not body.strip():
        return _error_item(origin, "no 'text' or 'html' field with content", "jsonl", line)
    url = record.get("url") if isinstance(record.get("url"), str) else None
    metadata = {k: record[k] for k in METADATA_KEYS if isinstance(record.get(k), str | int)}
    if "headline" not in metadata and isinstance(record.get("title"), str):
        metadata["headline"] = record["title"]
    if "published" in metadata:
        metadata["published"] = normalise_date(metadata["published"])
    payload = body.encode("utf-8", "surrogatepass")
    key = input_key(payload, url, str(metadata.get("outlet") or ""), metadata.get("published"))
    record_id = record.get("id")
    input_id = str(record_id) if record_id not in (None, "") else (url or origin)
    return CorpusItem(
        key=key, input_id=input_id, origin=origin, kind="jsonl", payload=payload, url=url,
        fmt=fmt, metadata=metadata,
    )  # fmt: skip


# --------------------------------------------------------------------------- WARC


def iter_warc(
    path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, counters: dict | None = None
) -> Iterator[CorpusItem]:
    """HTML pages of a WARC / WARC.gz: ``response`` records with status 200 (and
    ``resource`` records) of an HTML or text type; other records are counted, not read."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    counters = counters if counters is not None else {}
    try:
        handle = open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        yield _error_item(str(path), f"cannot read: {exc.strerror or exc}", "warc")
        return
    records = ArchiveIterator(handle)
    offset = end = 0
    try:
        with handle:
            size = os.fstat(handle.fileno()).st_size
            for record in records:
                if record.format != "warc":  # warcio reads garbage as an old ARC record
                    reason = f"damaged WARC: no WARC record at offset {end}"
                    yield _error_item(f"{path}@{end}", reason, "warc", b"damaged")
                    return
                item = _warc_item(record, path, records, max_bytes)
                offset = records.get_record_offset()  # (warcio reads the record to know it)
                end = offset + records.get_record_length()
                if getattr(record.raw_stream, "limit", 0) > 0:  # shorter than it says
                    reason = f"damaged WARC: the record at offset {offset} is cut off"
                    yield _error_item(f"{path}@{offset}", reason, "warc", b"damaged")
                    return
                if item is None:
                    counters["skipped_records"] = counters.get("skipped_records", 0) + 1
                else:
                    yield item
    except (ArchiveLoadFailed, OSError, EOFError, zlib.error) as exc:
        reason = f"damaged WARC after offset {end}: {exc}".strip()
        yield _error_item(f"{path}@{end}", reason, "warc", b"damaged")
        return
    except Exception as exc:  # warcio fails in odd ways on garbage; never a traceback
        reason = f"damaged WARC after offset {end}: {type(exc).__name__}: {exc}"
        yield _error_item(f"{path}@{end}", reason, "warc", b"damaged")
        return
    if size - end > 8:  # warcio stops quietly at a cut-off gzip member
        reason = f"damaged WARC: {size - end} bytes after offset {end} cannot be read"
        yield _error_item(f"{path}@{end}", reason, "warc", b"damaged")


def _warc_item(record: Any, path: Path, records: Any, max_bytes: int) -> CorpusItem | None:
    if record.rec_type not in ("response", "resource"):
        return None
    content_type = ""
    if record.rec_type == "response":
        if record.http_headers is None or record.http_headers.get_statuscode() != "200":
            return None
        content_type = record.http_headers.get_header("Content-Type") or ""
    else:
        content_type = record.rec_headers.get_header("Content-Type") or ""
    if content_type and not content_type.split(";")[0].strip().lower().startswith(_WARC_TYPES):
        return None
    url = record.rec_headers.get_header("WARC-Target-URI")
    data = record.content_stream().read(max_bytes + 1)
    origin = f"{path}@{records.get_record_offset()}"
    if len(data) > max_bytes:
        return _error_item(origin, f"record over the {max_bytes} byte limit", "warc", b"long")
    charset = _CHARSET.search(content_type)
    crawled = record.rec_headers.get_header("WARC-Date")
    return CorpusItem(
        key=input_key(data, url), input_id=url or origin, origin=origin, kind="warc",
        payload=data, url=url, fmt="text" if "text/plain" in content_type.lower() else None,
        charset=charset.group(1) if charset else None,
        metadata={"crawled": crawled} if crawled else {},
    )  # fmt: skip


# --------------------------------------------------------------------------- counting


def count_inputs(inputs: Iterable[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> int:
    """How many items ``iter_inputs`` will yield (for a progress total), reading cheaply."""
    total = 0
    for value in inputs:
        if is_url(value):
            total += 1
            continue
        path = Path(value)
        files = (f for f in walk(path) if _wanted_in_directory(f)) if path.is_dir() else [path]
        for file in files:
            total += _count_file(file, max_bytes)
    return total


def _count_file(path: Path, max_bytes: int) -> int:
    kind = classify(path)
    try:
        if kind == "jsonl":
            with _open_binary(path) as handle:
                lines = _lines(handle, max_bytes)
                return sum(1 for _, line in lines if line is None or line.strip())
        if kind == "urls":
            with open(path, encoding="utf-8", errors="replace") as handle:
                return sum(1 for ln in handle if ln.strip() and not ln.lstrip().startswith("#"))
        if kind == "warc":
            return sum(1 for _ in iter_warc(path, max_bytes=max_bytes))
    except (OSError, EOFError, zlib.error):
        return 0
    return 1


# --------------------------------------------------------------------------- to a LoadedInput


def to_loaded(item: CorpusItem, *, max_bytes: int = DEFAULT_MAX_BYTES, timeout: float = 15.0):
    """The decoded input of ``item`` (a URL is fetched here, in the worker)."""
    from spinscope.ingest.decode import decode_bytes, looks_like_html
    from spinscope.ingest.load import LoadedInput, load

    if item.error:
        raise InputError(item.error)
    if item.payload is None:
        return load(item.url or item.input_id, max_bytes=max_bytes, timeout=timeout)
    if not item.payload.strip():
        raise InputError("empty input")
    text, encoding = decode_bytes(item.payload, item.charset)
    if not text.strip():
        raise InputError("no text after decoding")
    fmt = item.fmt or ("html" if looks_like_html(text) else "text")
    source: dict[str, Any] = {"kind": item.kind, "path": item.origin, "encoding": encoding}
    if item.url:
        source["url"] = item.url
    source["format"] = fmt
    return LoadedInput(text, fmt, source, url=item.url)
