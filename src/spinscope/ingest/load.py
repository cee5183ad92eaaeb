"""Resolve what the user gave (path, URL, ``-``, bytes, a string of text) to decoded text."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spinscope.errors import InputError
from spinscope.ingest.decode import decode_bytes, looks_like_html
from spinscope.ingest.url import fetch, is_url

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
Source = str | bytes | os.PathLike


@dataclass
class LoadedInput:
    text: str
    kind: str  # "text" or "html"
    source: dict[str, Any] = field(default_factory=dict)  # {"kind", "path"/"url", "encoding"}
    url: str | None = None


def _looks_like_path(value: str) -> bool:
    return (
        "\n" not in value
        and len(value) < 4096
        and (os.sep in value or value.endswith((".txt", ".html", ".htm", ".text", ".md")))
    )


def read_bytes(path: Path, max_bytes: int) -> bytes:
    if not path.exists():
        raise InputError(f"no such file: {path}")
    if path.is_dir():
        raise InputError(f"{path} is a directory, not a file")
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(f"{path} is {size} bytes, over the {max_bytes} byte limit (--max-bytes)")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc


def _from_bytes(data: bytes, source: dict[str, Any], hint: str | None = None) -> LoadedInput:
    if not data.strip():
        raise InputError(f"{source.get('path') or source.get('url') or 'input'} is empty")
    text, encoding = decode_bytes(data, hint)
    if not text.strip():
        raise InputError(f"{source.get('path') or source.get('url') or 'input'} has no text")
    kind = "html" if looks_like_html(text) else "text"
    return LoadedInput(text, kind, {**source, "encoding": encoding, "format": kind})


def load(
    source: Source, *, max_bytes: int = DEFAULT_MAX_BYTES, timeout: float = 15.0
) -> LoadedInput:
    """Read and decode ``source``: a path, an http(s) URL, ``"-"`` (stdin), bytes, or text."""
    if isinstance(source, bytes):
        if len(source) > max_bytes:
            raise InputError(f"input is {len(source)} bytes, over the {max_bytes} byte limit")
        return _from_bytes(source, {"kind": "bytes"})
    if isinstance(source, os.PathLike):
        path = Path(source)
        return _from_bytes(read_bytes(path, max_bytes), {"kind": "file", "path": str(path)})
    if not isinstance(source, str):
        raise InputError(f"cannot analyse an object of type {type(source).__name__}")
    if source == "-":
        data = sys.stdin.buffer.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise InputError(f"stdin is over the {max_bytes} byte limit")
        return _from_bytes(data, {"kind": "stdin"})
    if is_url(source):
        result = fetch(source.strip(), timeout=timeout, max_bytes=max_bytes)
        loaded = _from_bytes(result.data, {"kind": "url", "url": result.url}, result.charset)
        loaded.url = result.url
        return loaded
    if _looks_like_path(source) or (
        len(source) < 4096 and "\n" not in source and Path(source).exists()
    ):
        path = Path(source)
        return _from_bytes(read_bytes(path, max_bytes), {"kind": "file", "path": str(path)})
    encoded = source.encode("utf-8", errors="surrogatepass")
    if len(encoded) > max_bytes:
        raise InputError(f"input is {len(encoded)} bytes, over the {max_bytes} byte limit")
    if not source.strip():
        raise InputError("input is empty")
    kind = "html" if looks_like_html(source) else "text"
    return LoadedInput(source, kind, {"kind": "string", "format": kind})
