"""Character spans of the non-blank lines of a text, shared by components that must never
let a span cross a line break (paragraphs are lines in scraped and cleaned articles), and of
the sentences within a line, for spans that should stay inside one sentence."""

from __future__ import annotations

import re

#: Where a sentence ends inside a line: ``.`` after two lower-case letters or digits (but not
#: after a capitalised word of two to four letters: "Mr.", "Gen.", "Jan."; "U.S." and "J." fail
#: the first test), after such a letter and a closing quote or bracket, or after a lone space
#: (scrapes have "the result ."); or ``!``/``?``. Then closing quotes or brackets, space, and
#: what can open a sentence. Deliberately cautious: a missed end only leaves a span longer.
_SENTENCE_END = re.compile(
    r"(?:(?<=[a-z0-9]{2}\.)(?<![A-Z][a-z]\.)(?<![A-Z][a-z]{2}\.)(?<![A-Z][a-z]{3}\.)"
    r"|(?<=[a-z0-9][\"'”’»)\]]\.)|(?<=[a-z0-9] \.)|(?<=[!?]))"
    r"[\"'”’»)\]]*\s+(?=[\"'“‘«(\[]?[A-Z0-9])"
)


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


def sentence_pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``(start, end)`` of the sentences of ``text[start:end]`` (one line), split where
    ``_SENTENCE_END`` finds an end: each piece keeps its closing punctuation and quotes and
    loses the space after them."""
    pieces = []
    piece_start = start
    for match in _SENTENCE_END.finditer(text, start, end):
        pieces.append((piece_start, match.start() + len(match.group().rstrip())))
        piece_start = match.end()
    pieces.append((piece_start, end))
    return [(a, b) for a, b in pieces if b > a]
