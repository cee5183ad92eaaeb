"""A Document in the terminal with Rich: the article with coloured spans, then summary tables.

Article text goes into ``rich.text.Text`` objects, never through console markup, so brackets
in an article (``[bold red]``) print as they are. Each span also starts with its technique
code in brackets, so the view still works without colour (pipes, files, NO_COLOR).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.style import Style
from rich.table import Table
from rich.text import Text

from spinscope.document import Document, Span
from spinscope.render import spans as sp

BODY_ROLES = ("body", "headline")

#: C0 controls but tab and newline, DEL, and C1 controls: an article must not be able to send
#: escape sequences to the terminal (colours, titles, cursor moves, clearing the screen).
_CONTROLS = {c: "\ufffd" for c in (*range(0, 9), *range(11, 32), *range(127, 160))}


def safe(value: Any) -> str:
    """``value`` as text with terminal control characters replaced (length unchanged)."""
    return str(value).translate(_CONTROLS)


def render_terminal(doc: Document, console: Console) -> None:
    """Print one document: header, highlighted article, techniques, sourcing, quotes."""
    text = doc.text or ""
    techniques = sp.valid_spans(doc.layers.get("techniques", []), len(text))
    quotes = sp.valid_spans(doc.layers.get("quotes", []), len(text))
    console.print(_header(doc))
    for warning in doc.warnings:
        console.print(Text(f"note: {safe(warning)}", style="yellow"))
    console.print()
    console.print(article_text(text, techniques, quotes))
    console.print()
    console.print(_technique_table(doc, techniques))
    sourcing = _sourcing(doc)
    if sourcing is not None:
        console.print(sourcing)
    if quotes:
        console.print(_quote_table(text, quotes))
    removed = Counter(b.label for b in doc.layers.get("blocks", []) if b.label not in BODY_ROLES)
    if removed:
        listing = ", ".join(f"{sp.pretty_key(role).lower()} {n}" for role, n in removed.items())
        console.print(Text(f"Removed page furniture: {safe(listing)}", style="dim"))


def _header(doc: Document) -> Panel:
    metadata = doc.metadata or {}
    profile = metadata.get("outlet_profile")
    profile = profile if isinstance(profile, dict) else {}
    title = Text(safe(metadata.get("headline") or "Untitled article"), style="bold")
    lines = [title]
    outlet = profile.get("name") or metadata.get("outlet")
    facts = [("Outlet", outlet), ("Published", metadata.get("published"))]
    facts += [("Author", metadata.get("author")), ("Language", metadata.get("language"))]
    facts += [(sp.pretty_key(k), v) for k, v in profile.items() if k != "name" and v]
    facts.append(("URL", metadata.get("url")))
    for label, value in facts:
        if value:
            line = Text(f"{label}: ", style="dim")
            line.append(safe(value))
            lines.append(line)
    return Panel(Group(*lines), border_style="dim", expand=True)


def article_text(text: str, techniques: list[Span], quotes: list[Span]) -> Text:
    """The article with one background colour per technique (underlined where spans overlap),
    a ``[CODE]`` tag where each span starts and the speaker's name before each quote."""
    out = Text()
    for n, (start, end) in enumerate(sp.paragraph_ranges(text)):
        if n:
            out.append("\n\n")
        for seg in sp.segments(start, end, techniques, quotes):
            for i in seg.quote_opens:
                out.append(f"«{safe(sp.quote_speaker(quotes[i]))}» ", style="bold cyan")
            for i in seg.opens:
                colour = sp.technique_colour(techniques[i].label)
                out.append(f"[{sp.technique_code(techniques[i].label)}]", style=f"bold {colour}")
            out.append(safe(text[seg.start : seg.end]), style=_segment_style(seg, techniques))
    return out


def _segment_style(seg: sp.Segment, techniques: list[Span]) -> Style | None:
    style = None
    if seg.techniques:
        colour = sp.technique_colour(techniques[seg.techniques[0]].label)
        style = Style(
            color="black", bgcolor=sp.tint(colour, 0.45), underline=len(seg.techniques) > 1
        )
    if seg.quotes:
        style = (style or Style()) + Style(italic=True)
    return style


def _technique_table(doc: Document, techniques: list[Span]) -> Table:
    coverage = (doc.summary or {}).get("techniques") or {}
    caption = None
    if isinstance(coverage, dict) and coverage.get("sentences"):
        caption = (
            f"{coverage.get('sentences_with_technique', 0)} of {coverage['sentences']} sentences "
            "contain a technique span. Confidence is the model's score, not a verdict."
        )
    table = Table(title="Techniques", caption=caption, title_justify="left", expand=False)
    for column, justify in (
        ("code", "left"), ("technique", "left"), ("spans", "right"),
        ("max conf.", "right"), ("in quotes", "right"),
    ):  # fmt: skip
        table.add_column(column, justify=justify)
    by_label: dict[str, list[Span]] = {}
    for span in techniques:
        by_label.setdefault(span.label, []).append(span)
    for label, name, count in sp.technique_counts(doc):
        spans = by_label.get(label, [])
        confidences = [c for c in (sp.confidence_of(s) for s in spans) if c is not None]
        quoted = sum(1 for s in spans if _voice_kind(s.attrs) == "quote")
        colour = sp.technique_colour(label)
        table.add_row(
            Text(sp.technique_code(label), style=f"bold {colour}"),
            Text(safe(name)),
            str(count),
            sp.format_confidence(max(confidences) if confidences else None),
            str(quoted) if spans and any(_voice_kind(s.attrs) for s in spans) else "–",
        )
    if not table.row_count:
        table.add_row("", Text("no technique spans" if "techniques" in doc.layers else "not run"))
    return table


def _voice_kind(attrs: dict[str, Any]) -> str | None:
    voice = attrs.get("voice")
    return voice.get("kind") if isinstance(voice, dict) else None


def _sourcing(doc: Document) -> Table | None:
    profile = (doc.summary or {}).get("sourcing")
    if not isinstance(profile, dict) or not profile:
        return None
    table = Table(title="Sourcing", show_header=False, title_justify="left", expand=False)
    table.add_column("what", style="dim")
    table.add_column("value")
    if profile.get("verdict"):
        table.add_row("summary", Text(safe(profile["verdict"]), style="bold"))
    for key, value in profile.items():
        if key != "verdict":
            table.add_row(Text(safe(sp.pretty_key(key))), Text(safe(_flat(value, key))))
    return table


def _flat(value: Any, key: str = "") -> str:
    """A compact one-cell rendering of nested sourcing facts."""
    if isinstance(value, float):
        return f"{value:.0%}" if "share" in key.lower() and 0 <= value <= 1 else f"{value:.2f}"
    if isinstance(value, dict):
        return "; ".join(f"{sp.pretty_key(k)}: {_flat(v, str(k))}" for k, v in value.items())
    if isinstance(value, list):
        return "\n".join(_flat(v, key) for v in value) or "–"
    return "–" if value is None else str(value)


def _quote_table(text: str, quotes: list[Span]) -> Table:
    table = Table(title="Quotes", title_justify="left", expand=False)
    table.add_column("speaker")
    table.add_column("kind")
    table.add_column("quote", overflow="fold", max_width=70)
    for span in quotes:
        quoted = text[span.start : span.end]
        short = quoted if len(quoted) <= 160 else quoted[:157] + "…"
        table.add_row(
            Text(safe(sp.quote_speaker(span)), style="cyan"),
            Text(safe(span.attrs.get("kind") or "")),
            Text(safe(short)),
        )
    return table
