"""Character spans of the non-blank lines of a text, shared by components that must never
let a span cross a line break (paragraphs are lines in scraped and cleaned articles)."""

from __future__ import annotations


def line_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """``(start, end)`` of each non-blank ``\\n``-separated line of ``text[start:end]``,
    trimmed of surrounding whitespace, as offsets into ``text``."""
    end = len(text) if end is None else end
    spans = []
    pos = start
    for line in text[start:end].split("\n"):
        stripped = line.strip()
        if stripped:
            lead = pos + line.index(stripped[0])
            spans.append((lead, lead + len(stripped)))
        pos += len(line) + 1
    return spans
