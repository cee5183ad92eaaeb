"""Bytes to text without ever showing a user a UnicodeDecodeError.

Order of evidence: a byte-order mark, strict UTF-8, the charset an HTML page declares,
then charset-normalizer's statistical detection (windows-1251, windows-1252, …).
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from spinscope.errors import InputError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-:.]+)""", re.IGNORECASE
)
_HTML_START = re.compile(
    r"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|title)\b", re.I | re.S
)
_HTML_TAGS = re.compile(
    r"</?(p|div|span|a|br|article|section|h[1-6]|li|ul|table|script|style)\b[^>]*>", re.I
)


#: Tie-break among equally plausible single-byte encodings: the most common on the web first.
_PREFERRED = ("cp1252", "iso8859_1", "cp1251", "koi8_r", "cp1250", "iso8859_2")


def _sniff_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: NULs only in every other position (spaces, Latin text),
    and the decoded text reads as text."""
    sample = data[: 4000 - 4000 % 2]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0) / max(1, len(sample[0::2]))
    odd_nuls = sample[1::2].count(0) / max(1, len(sample[1::2]))
    if odd_nuls > 0.05 and even_nuls < 0.01:
        candidate = "utf-16-le"
    elif even_nuls > 0.05 and odd_nuls < 0.01:
        candidate = "utf-16-be"
    else:
        return None
    decoded = sample.decode(candidate, errors="replace")
    readable = sum(ch.isprintable() or ch in "\n\r\t" for ch in decoded) / max(1, len(decoded))
    return candidate if readable > 0.95 else None


def looks_binary(data: bytes) -> bool:
    """NUL bytes or a high share of control bytes: an image, archive, PDF…"""
    sample = data[:8192]
    if not sample:
        return False
    if sample.startswith(
        (b"%PDF", b"\x89PNG", b"PK\x03\x04", b"\x1f\x8b", b"GIF8", b"\xff\xd8\xff")
    ):
        return True
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls / len(sample) > 0.05


def declared_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return None
    name = match.group(1).decode("ascii", "ignore").lower()
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, hint: str | None = None) -> tuple[str, str]:
    """Decoded text and the encoding used. ``hint``: a charset from an HTTP header."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding), encoding
    utf16 = _sniff_utf16(data)
    if utf16:
        return data.decode(utf16, errors="replace"), utf16
    if looks_binary(data):
        raise InputError("input looks binary (not text or HTML)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for candidate in (hint, declared_charset(data)):
        if candidate:
            try:
                return data.decode(candidate), candidate
            except (UnicodeDecodeError, LookupError):
                continue
    matches = list(from_bytes(data[:200_000]))
    if matches:

        def rank(match) -> tuple[float, float, int]:
            pref = (
                _PREFERRED.index(match.encoding)
                if match.encoding in _PREFERRED
                else len(_PREFERRED)
            )
            return (round(match.chaos, 3), -round(match.coherence, 3), pref)

        best = min(matches, key=rank)
        return data.decode(best.encoding, errors="replace"), best.encoding
    return data.decode("utf-8", errors="replace"), "utf-8 (with replacements)"


def looks_like_html(text: str) -> bool:
    """HTML by its start (doctype, <html>, <head>…) or by a density of common tags."""
    head = text[:5000]
    if _HTML_START.match(head):
        return True
    tags = len(_HTML_TAGS.findall(head))
    return tags >= 5 and tags * 40 > len(head.split())
