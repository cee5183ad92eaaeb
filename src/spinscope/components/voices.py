"""Whose words: the voice of every technique span, and the article's sourcing profile.

A persuasion technique inside a quotation is the source's spin, not the outlet's; one in
the journalist's own sentences is the outlet's. :class:`VoiceAssigner` marks each
technique span accordingly. :class:`SourcingProfiler` sums up who is quoted, how much of
the body is quoted, how dominant the top source is, and says it in one plain sentence.
Both read ``layers["quotes"]`` (see :mod:`spinscope.components.quotes`).
"""

from __future__ import annotations

import re
from typing import Any

from spinscope.document import Document, Span

_WORD = re.compile(r"\w+(?:[’'-]\w+)*")

#: A technique span counts as inside a quotation when at least this share of it is.
INSIDE = 0.5


def quote_ranges(quote: Span) -> list[tuple[int, int]]:
    """The character ranges holding a quote's words (several for multi-paragraph quotes)."""
    parts = quote.attrs.get("parts")
    if parts:
        return [(p["start"], p["end"]) for p in parts]
    return [(quote.start, quote.end)]


def _overlap(start: int, end: int, quote: Span) -> int:
    return sum(max(0, min(end, hi) - max(start, lo)) for lo, hi in quote_ranges(quote))


def voice_of(span: Span, quotes: list[Span]) -> dict[str, Any]:
    """``{"kind": "journalist"}`` or the quotation holding most of ``span``."""
    length = max(1, span.end - span.start)
    best, best_overlap = None, 0
    for index, quote in enumerate(quotes):
        shared = _overlap(span.start, span.end, quote)
        if shared > best_overlap:
            best, best_overlap = index, shared
    if best is None or best_overlap < INSIDE * length:
        return {"kind": "journalist"}
    quote = quotes[best]
    return {
        "kind": "quote",
        "speaker": quote.attrs.get("speaker"),
        "quote_index": best,
        "quote_kind": quote.attrs.get("kind"),
        "anonymous": bool(quote.attrs.get("anonymous")),
    }


class VoiceAssigner:
    """Sets ``attrs["voice"]`` on every span of ``layers["techniques"]``; run after
    techniques and quotes. ``quote_index`` indexes ``layers["quotes"]``."""

    name = "voices"

    def __call__(self, doc: Document) -> None:
        quotes = doc.layers.get("quotes", [])
        for span in doc.layers.get("techniques", []):
            span.attrs["voice"] = voice_of(span, quotes)


# --------------------------------------------------------------------------- sourcing


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _quoted_words(text: str, quotes: list[Span]) -> int:
    """Words inside quotations, each character counted once however quotes overlap."""
    covered = sorted(r for q in quotes for r in quote_ranges(q))
    merged: list[list[int]] = []
    for lo, hi in covered:
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return sum(_words(text[lo:hi]) for lo, hi in merged)


def _source_key(quote: Span) -> str | None:
    speaker = quote.attrs.get("speaker")
    return speaker.strip() if isinstance(speaker, str) and speaker.strip() else None


def source_table(text: str, quotes: list[Span]) -> list[dict[str, Any]]:
    """One row per distinct speaker: quotations, quoted words, anonymity; most quoted first."""
    rows: dict[str, dict[str, Any]] = {}
    for quote in quotes:
        key = _source_key(quote)
        if key is None:
            continue
        row = rows.setdefault(
            key,
            {
                "speaker": key,
                "anonymous": bool(quote.attrs.get("anonymous")),
                "quotations": 0,
                "direct": 0,
                "words": 0,
                "descriptor": quote.attrs.get("descriptor"),
            },
        )
        row["quotations"] += 1
        row["direct"] += quote.attrs.get("kind") == "direct"
        row["words"] += sum(_words(text[lo:hi]) for lo, hi in quote_ranges(quote))
    total = sum(r["words"] for r in rows.values()) or 1
    for row in rows.values():
        row["share_of_quoted_words"] = round(row["words"] / total, 3)
    return sorted(rows.values(), key=lambda r: (-r["quotations"], -r["words"], r["speaker"]))


def sourcing_profile(text: str, quotes: list[Span]) -> dict[str, Any]:
    """The sourcing summary of an article (see :class:`SourcingProfiler`)."""
    sources = source_table(text, quotes)
    body_words = _words(text)
    direct = [q for q in quotes if q.attrs.get("kind") == "direct"]
    top = sources[0] if sources else None
    anonymous = [s for s in sources if s["anonymous"]]
    profile = {
        "quotations": len(quotes),
        "direct_quotations": len(direct),
        "indirect_quotations": len(quotes) - len(direct),
        "distinct_sources": len(sources),
        "named_sources": len(sources) - len(anonymous),
        "anonymous_sources": len(anonymous),
        "anonymous_quotations": sum(s["quotations"] for s in anonymous),
        "unattributed_quotations": sum(_source_key(q) is None for q in quotes),
        "quoted_share": round(_quoted_words(text, quotes) / body_words, 3) if body_words else 0.0,
        "direct_quoted_share": round(_quoted_words(text, direct) / body_words, 3)
        if body_words
        else 0.0,
        "top_source": top["speaker"] if top else None,
        "top_source_quotations": top["quotations"] if top else 0,
        "top_source_word_share": top["share_of_quoted_words"] if top else 0.0,
        "sources": sources,
    }
    profile["verdict"] = verdict(profile)
    return profile


def verdict(profile: dict[str, Any]) -> str:
    """One plain sentence on how the article is sourced."""
    n, sources = profile["quotations"], profile["distinct_sources"]
    top, top_n = profile["top_source"], profile["top_source_quotations"]
    if n == 0:
        return "no quotations: the article speaks only in its own voice"
    if sources == 0:
        return f"{_count(n, 'quotation')}, none attributed to a source"
    if sources == 1:
        return f"single-source article: all {_count(n, 'quotation')} come from {top}"
    if top_n >= 3 and top_n / n >= 0.75:
        return f"single-source article: {top_n} of {n} quotations come from {top}"
    if profile["anonymous_quotations"] / n >= 0.5:
        return (
            f"mostly anonymous sourcing: {profile['anonymous_quotations']} of {n} quotations "
            f"come from unnamed sources"
        )
    if top_n / n >= 0.5:
        return (
            f"dominated by one source: {top} gives {top_n} of {n} quotations "
            f"({sources} sources in all)"
        )
    return (
        f"multi-source article: {n} quotations from {sources} sources; "
        f"the most quoted, {top}, gives {top_n}"
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


class SourcingProfiler:
    """Writes ``summary["sourcing"]``: distinct sources, quoted share of the body, the top
    source's share, anonymous sources and a plain-language verdict."""

    name = "sourcing"

    def __call__(self, doc: Document) -> None:
        doc.summary["sourcing"] = sourcing_profile(doc.text, doc.layers.get("quotes", []))


__all__ = ["INSIDE", "SourcingProfiler", "VoiceAssigner", "sourcing_profile", "voice_of"]
