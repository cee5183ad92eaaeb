"""What the HTML and terminal views share: technique styles, span segmentation, wording.

Overlapping spans cannot nest, so the views cut each paragraph at every span boundary into
segments that each know which technique spans and quotes cover them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from spinscope.document import Document, Span
from spinscope.techniques.taxonomy import BY_LABEL

#: PTC label → (short code shown next to each span, colour). The code is the cue that does not
#: depend on colour; colours are distinct hues that keep dark text readable on their tint.
TECHNIQUE_STYLES: dict[str, tuple[str, str]] = {
    "Loaded_Language": ("LL", "#d1495b"),
    "Name_Calling,Labeling": ("NC", "#7b2cbf"),
    "Repetition": ("REP", "#2a9d8f"),
    "Doubt": ("DBT", "#e09f3e"),
    "Exaggeration,Minimisation": ("EXM", "#3a86ff"),
    "Appeal_to_fear-prejudice": ("FEAR", "#9d0208"),
    "Flag-Waving": ("FLAG", "#2b9348"),
    "Causal_Oversimplification": ("CAUS", "#b5838d"),
    "Slogans": ("SLO", "#f15bb5"),
    "Appeal_to_Authority": ("AUTH", "#00838f"),
    "Whataboutism,Straw_Men,Red_Herring": ("WSR", "#8d6e63"),
    "Black-and-White_Fallacy": ("BW", "#495057"),
    "Thought-terminating_Cliches": ("TTC", "#6a994e"),
    "Bandwagon,Reductio_ad_hitlerum": ("BRH", "#c77dff"),
}
_FALLBACK_COLOUR = "#6c757d"
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")


def technique_code(label: str) -> str:
    """The short code of a technique; unknown labels get their initials."""
    if label in TECHNIQUE_STYLES:
        return TECHNIQUE_STYLES[label][0]
    initials = "".join(part[:1] for part in re.split(r"[^A-Za-z]+", label) if part)
    return (initials or "?").upper()[:4]


def technique_colour(label: str) -> str:
    return TECHNIQUE_STYLES.get(label, ("", _FALLBACK_COLOUR))[1]


def tint(colour: str, strength: float = 0.28) -> str:
    """A light background version of ``#rrggbb`` (mixed with white) for highlighted text."""
    channels = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(255 - (255 - c) * strength) for c in channels]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def technique_name(span: Span) -> str:
    name = span.attrs.get("name")
    if isinstance(name, str) and name:
        return name
    info = BY_LABEL.get(span.label)
    return info.name if info else span.label.replace("_", " ")


def technique_definition(span: Span) -> str:
    definition = span.attrs.get("definition")
    if isinstance(definition, str) and definition:
        return definition
    info = BY_LABEL.get(span.label)
    return info.definition if info else ""


def confidence_of(span: Span) -> float | None:
    value = span.attrs.get("confidence")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def format_confidence(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def voice_text(attrs: dict[str, Any]) -> str:
    """Whose words a technique span is in: the journalist's own, or a quoted speaker's."""
    voice = attrs.get("voice")
    if not isinstance(voice, dict):
        return "not determined"
    kind = voice.get("kind")
    if kind == "journalist":
        return "journalist (the article's own words)"
    if kind == "quote":
        speaker = voice.get("speaker")
        return f"quote from {speaker}" if speaker else "quote (speaker not identified)"
    return str(kind) if kind else "not determined"


def quote_speaker(span: Span) -> str:
    speaker = span.attrs.get("speaker")
    return str(speaker) if speaker else "unattributed"


def valid_spans(spans: Sequence[Span], length: int) -> list[Span]:
    """Spans that index a text of ``length`` characters and are not empty, in text order."""
    good = []
    for span in spans:
        if not isinstance(span.start, int) or not isinstance(span.end, int):
            continue
        if 0 <= span.start < span.end <= length:
            good.append(span)
    return sorted(good, key=lambda s: (s.start, -s.end, s.label))


def paragraph_ranges(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of each paragraph: runs of text between blank lines, trimmed."""
    ranges = []
    pos = 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        stop = match.start() if match else len(text)
        chunk = text[pos:stop]
        if chunk.strip():
            lead = len(chunk) - len(chunk.lstrip())
            trail = len(chunk) - len(chunk.rstrip())
            ranges.append((pos + lead, stop - trail))
        if match:
            pos = match.end()
    return ranges


@dataclass(frozen=True)
class Segment:
    """A stretch of text covered by the same technique spans and quotes (indices)."""

    start: int
    end: int
    techniques: tuple[int, ...]
    quotes: tuple[int, ...]
    #: technique / quote spans that begin in this segment (their first segment here).
    opens: tuple[int, ...]
    quote_opens: tuple[int, ...]


def segments(
    start: int, end: int, techniques: Sequence[Span], quotes: Sequence[Span]
) -> list[Segment]:
    """Cut ``[start, end)`` at every boundary of the spans that touch it."""
    cuts = {start, end}
    for span in (*techniques, *quotes):
        for pos in (span.start, span.end):
            if start < pos < end:
                cuts.add(pos)
    points = sorted(cuts)
    opened_t: set[int] = set()
    opened_q: set[int] = set()
    out = []
    for a, b in zip(points, points[1:], strict=False):
        t_ids = tuple(i for i, s in enumerate(techniques) if s.start < b and a < s.end)
        q_ids = tuple(i for i, s in enumerate(quotes) if s.start < b and a < s.end)
        opens = tuple(i for i in t_ids if i not in opened_t)
        q_opens = tuple(i for i in q_ids if i not in opened_q)
        opened_t.update(opens)
        opened_q.update(q_opens)
        out.append(Segment(a, b, t_ids, q_ids, opens, q_opens))
    return out


def technique_counts(doc: Document) -> list[tuple[str, str, int]]:
    """(label, name, count), most frequent first: from the summary, else from the layer."""
    counts = doc.summary.get("techniques", {}).get("counts") if doc.summary else None
    rows: list[tuple[str, str, int]] = []
    if isinstance(counts, dict) and counts:
        for label, entry in counts.items():
            if isinstance(entry, dict):
                name, n = entry.get("name") or label, entry.get("count", 0)
            else:
                name, n = (BY_LABEL[label].name if label in BY_LABEL else label), entry
            if isinstance(n, int | float):
                rows.append((str(label), str(name), int(n)))
    else:
        seen: dict[str, tuple[str, int]] = {}
        for span in doc.layers.get("techniques", []):
            name, n = seen.get(span.label, (technique_name(span), 0))
            seen[span.label] = (name, n + 1)
        rows = [(label, name, n) for label, (name, n) in seen.items()]
    return sorted(rows, key=lambda r: (-r[2], r[1]))


def pretty_key(key: str) -> str:
    """``distinct_sources`` → ``Distinct sources``."""
    words = str(key).replace("_", " ").strip()
    return words[:1].upper() + words[1:]
