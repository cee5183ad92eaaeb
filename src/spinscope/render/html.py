"""A Document (or several) as one self-contained HTML report.

Every piece of article text is escaped: Jinja autoescapes the templates, and the article body
is assembled with MarkupSafe (``Markup.format`` escapes its arguments). No article text ever
lands inside ``<script>`` or ``<style>``; the script reads what it needs from the DOM. A
Content-Security-Policy that allows only our own script (by hash) and no network requests is a
second line of defence and keeps the report self-contained.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from functools import cache, lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from spinscope.document import Document, Span
from spinscope.render import spans as sp

BODY_ROLES = ("body", "headline")


@cache
def asset(name: str) -> str:
    """A static file shipped in ``render/templates`` (our own CSS and JavaScript)."""
    return resources.files("spinscope.render").joinpath("templates", name).read_text("utf-8")


def script_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy(*scripts: str, form_action: str = "'none'") -> str:
    """Only the given inline scripts run; no request leaves the page (no src, no fetch)."""
    sources = " ".join(script_hash(s) for s in scripts) or "'none'"
    return (
        f"default-src 'none'; script-src {sources}; style-src 'unsafe-inline'; "
        f"img-src data:; base-uri 'none'; form-action {form_action}"
    )


@lru_cache(maxsize=1)
def environment():
    """The Jinja environment: autoescaping always on, undefined names are errors."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(
        loader=PackageLoader("spinscope.render", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(doc: Document, *, home_url: str | None = None) -> str:
    """One report page for one document."""
    return render_html_many([doc], home_url=home_url)


def render_html_many(docs: Sequence[Document], *, home_url: str | None = None) -> str:
    """One page: a single report, or an index followed by each report in turn."""
    script = asset("report.js")
    reports = [report_context(doc, f"d{i + 1}-") for i, doc in enumerate(docs)]
    if not reports:
        raise ValueError("render_html_many needs at least one document")
    title = reports[0]["headline"] if len(reports) == 1 else f"{len(reports)} articles"
    return (
        environment()
        .get_template("report.html.j2")
        .render(
            title=title or "spinscope report",
            reports=reports,
            css=Markup(asset("report.css")),
            script=Markup(script),
            csp=content_security_policy(script),
            home_url=home_url,
        )
    )


# --- building the template context ------------------------------------------------------------


def report_context(doc: Document, prefix: str) -> dict[str, Any]:
    """Everything the report template shows, already reduced to plain values."""
    text = doc.text or ""
    techniques = sp.valid_spans(doc.layers.get("techniques", []), len(text))
    quotes = sp.valid_spans(doc.layers.get("quotes", []), len(text))
    metadata = doc.metadata or {}
    headline = _str(metadata.get("headline"))
    paragraphs = sp.paragraph_ranges(text)
    headline_in_text = bool(
        headline and paragraphs and text[paragraphs[0][0] : paragraphs[0][1]].strip() == headline
    )
    return {
        "prefix": prefix,
        "headline": headline,
        "headline_in_text": headline_in_text,
        "meta": _meta_rows(doc),
        "outlet": _outlet(metadata),
        "body": article_body(text, paragraphs, techniques, quotes, prefix, headline_in_text),
        "evidence": [_evidence(doc, s, i, prefix) for i, s in enumerate(techniques)],
        "counts": _count_rows(doc),
        "coverage": _coverage(doc),
        "strongest": _strongest(doc),
        "quotes": [_quote_row(text, q, i, prefix) for i, q in enumerate(quotes)],
        "speakers": _speakers(text, quotes, prefix),
        "has_quotes_layer": "quotes" in doc.layers,
        "has_techniques_layer": "techniques" in doc.layers,
        "sourcing": _sourcing(doc.summary.get("sourcing") if doc.summary else None),
        "removed": _removed(doc),
        "cleaned": doc.source.get("cleaned", True) if doc.source else True,
        "warnings": [str(w) for w in doc.warnings],
        "schema_version": doc.schema_version,
    }


def _str(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def safe_href(url: Any) -> str | None:
    """Only http(s) URLs become links; ``javascript:`` and friends stay plain text."""
    if not isinstance(url, str):
        return None
    parts = urlsplit(url.strip())
    if parts.scheme in ("http", "https") and parts.netloc and not any(c.isspace() for c in url):
        return url.strip()
    return None


def _meta_rows(doc: Document) -> list[dict[str, Any]]:
    metadata = doc.metadata or {}
    rows = []
    for key, label in (("published", "Published"), ("author", "Author"), ("language", "Language")):
        value = _str(metadata.get(key))
        if value:
            rows.append({"label": label, "value": value, "href": None})
    url = _str(metadata.get("url")) or _str((doc.source or {}).get("url"))
    if url:
        rows.append({"label": "URL", "value": url, "href": safe_href(url)})
    return rows


def _outlet(metadata: dict[str, Any]) -> dict[str, Any]:
    """The outlet's name and whatever its profile records (country, ownership, source)."""
    profile = metadata.get("outlet_profile")
    profile = profile if isinstance(profile, dict) else {}
    name = _str(profile.get("name")) or _str(metadata.get("outlet"))
    rows = []
    for key, value in profile.items():
        if key == "name" or value in (None, "", [], {}):
            continue
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, dict):
            value = "; ".join(f"{sp.pretty_key(k)}: {v}" for k, v in value.items())
        rows.append({"label": sp.pretty_key(key), "value": str(value), "href": safe_href(value)})
    return {"name": name, "rows": rows}


def _coverage(doc: Document) -> dict[str, Any] | None:
    summary = (doc.summary or {}).get("techniques")
    if not isinstance(summary, dict) or "sentences" not in summary:
        return None
    share = summary.get("share_of_sentences_with_technique")
    return {
        "sentences": summary.get("sentences", 0),
        "flagged": summary.get("sentences_with_technique", 0),
        "share": f"{share:.0%}" if isinstance(share, int | float) else None,
        "spans": summary.get("technique_spans"),
    }


def _count_rows(doc: Document) -> list[dict[str, Any]]:
    rows = sp.technique_counts(doc)
    top = max((n for _, _, n in rows), default=0) or 1
    return [
        {
            "code": sp.technique_code(label),
            "colour": sp.technique_colour(label),
            "name": name,
            "count": n,
            "width": round(100 * n / top),
        }
        for label, name, n in rows
    ]


def _strongest(doc: Document) -> list[dict[str, Any]]:
    summary = (doc.summary or {}).get("techniques")
    items = summary.get("strongest") if isinstance(summary, dict) else None
    rows = []
    for item in items or []:
        if not isinstance(item, dict):
            continue
        label = str(item.get("label", ""))
        confidence = item.get("confidence")
        rows.append(
            {
                "code": sp.technique_code(label),
                "colour": sp.technique_colour(label),
                "name": str(item.get("name") or label),
                "text": excerpt(str(item.get("text", ""))),
                "confidence": sp.format_confidence(
                    float(confidence) if isinstance(confidence, int | float) else None
                ),
            }
        )
    return rows


def _evidence(doc: Document, span: Span, i: int, prefix: str) -> dict[str, Any]:
    semeval = span.attrs.get("semeval2023")
    return {
        "id": f"{prefix}t{i}",
        "code": sp.technique_code(span.label),
        "colour": sp.technique_colour(span.label),
        "name": sp.technique_name(span),
        "label": span.label,
        "definition": sp.technique_definition(span),
        "confidence": sp.format_confidence(sp.confidence_of(span)),
        "voice": sp.voice_text(span.attrs),
        "text": doc.text[span.start : span.end],
        "semeval": ", ".join(str(s) for s in semeval) if isinstance(semeval, list) else None,
    }


def _quote_row(text: str, span: Span, i: int, prefix: str) -> dict[str, Any]:
    cue = span.attrs.get("cue")
    return {
        "id": f"{prefix}q{i}",
        "speaker": sp.quote_speaker(span),
        "descriptor": _str(span.attrs.get("descriptor")),
        "kind": _str(span.attrs.get("kind")),
        "cue": _str(cue.get("text")) if isinstance(cue, dict) else None,
        "text": text[span.start : span.end],
    }


def excerpt(text: str, limit: int = 160) -> str:
    """At most ``limit`` characters, cut at a word boundary, for the side panel."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + " …"


def _speakers(text: str, quotes: list[Span], prefix: str) -> list[dict[str, Any]]:
    """Quotes grouped by speaker, most quoted first; each links to its place in the text."""
    groups: dict[str, dict[str, Any]] = {}
    for i, span in enumerate(quotes):
        row = _quote_row(text, span, i, prefix)
        group = groups.setdefault(
            row["speaker"], {"speaker": row["speaker"], "descriptor": None, "quotes": [],
                             "kinds": {}},
        )  # fmt: skip
        group["descriptor"] = group["descriptor"] or row["descriptor"]
        group["quotes"].append(row | {"anchor": f"{prefix}qs{i}", "text": excerpt(row["text"])})
        if row["kind"]:
            group["kinds"][row["kind"]] = group["kinds"].get(row["kind"], 0) + 1
    for group in groups.values():
        if group["descriptor"]:
            group["descriptor"] = excerpt(group["descriptor"], 120)
        group["kinds"] = ", ".join(f"{n} {kind}" for kind, n in group["kinds"].items())
    return sorted(groups.values(), key=lambda g: -len(g["quotes"]))


def _removed(doc: Document) -> list[dict[str, str]]:
    source = doc.source_text or ""
    rows = []
    for block in doc.layers.get("blocks", []):
        if block.label in BODY_ROLES or not (0 <= block.start < block.end <= len(source)):
            continue
        rows.append({"role": sp.pretty_key(block.label), "text": source[block.start : block.end]})
    return rows


# --- the sourcing profile: rendered generically, whatever its shape ---------------------------


def _sourcing(profile: Any) -> dict[str, Any] | None:
    if not isinstance(profile, dict) or not profile:
        return None
    verdict = _str(profile.get("verdict"))
    rest = {k: v for k, v in profile.items() if k != "verdict"}
    if isinstance(rest.get("sources"), list):
        # A narrow side panel: keep the columns a reader compares; the long descriptors are
        # already shown with the quotations.
        rest["sources"] = [
            {k: v for k, v in row.items() if k in _SOURCE_COLUMNS}
            for row in rest["sources"]
            if isinstance(row, dict)
        ]
    return {"verdict": verdict, "facts": facts(rest)}


_SOURCE_COLUMNS = ("speaker", "quotations", "share_of_quoted_words")


def _scalar(value: Any, key: str = "") -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if "share" in key.lower() and 0 <= value <= 1:
            return f"{value:.0%}"
        return f"{value:.2f}"
    if value is None:
        return "—"
    return str(value)


def facts(value: Any, key: str = "", depth: int = 0) -> Markup:
    """Nested dicts/lists as definition lists and tables; every value escaped."""
    if depth > 4:
        return escape(_scalar(value, key))
    if isinstance(value, dict):
        items = Markup("").join(
            Markup("<dt>{}</dt><dd>{}</dd>").format(sp.pretty_key(k), facts(v, str(k), depth + 1))
            for k, v in value.items()
        )
        return Markup('<dl class="facts">{}</dl>').format(items)
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            return _table(value, depth)
        return escape(", ".join(_scalar(v, key) for v in value) or "—")
    return escape(_scalar(value, key))


def _table(rows: list[dict[str, Any]], depth: int) -> Markup:
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    head = Markup("").join(
        Markup('<th scope="col">{}</th>').format(sp.pretty_key(c)) for c in columns
    )
    body = Markup("").join(
        Markup("<tr>{}</tr>").format(
            Markup("").join(
                Markup("<td>{}</td>").format(facts(row.get(c), c, depth + 1)) for c in columns
            )
        )
        for row in rows
    )
    return Markup(
        '<div class="table-wrap"><table><thead><tr>{}</tr></thead><tbody>{}</tbody></table></div>'
    ).format(head, body)


# --- the article body with highlighted spans ---------------------------------------------------


def article_body(
    text: str,
    paragraphs: list[tuple[int, int]],
    techniques: list[Span],
    quotes: list[Span],
    prefix: str,
    headline_in_text: bool,
) -> Markup:
    """Paragraphs of escaped text; technique segments in ``<mark>``, quotes with a speaker."""
    out = []
    for n, (start, end) in enumerate(paragraphs):
        inner = Markup("").join(
            _segment(text, seg, techniques, quotes, prefix)
            for seg in sp.segments(start, end, techniques, quotes)
        )
        if n == 0 and headline_in_text:
            out.append(Markup('<h1 class="headline">{}</h1>').format(inner))
        else:
            out.append(Markup("<p>{}</p>").format(inner))
    return Markup("\n").join(out)


def _segment(
    text: str, seg: sp.Segment, techniques: list[Span], quotes: list[Span], prefix: str
) -> Markup:
    piece: Markup = escape(text[seg.start : seg.end])
    if seg.techniques:
        piece = _mark(seg, piece, techniques, prefix)
    if seg.quotes:
        ids = " ".join(f"{prefix}q{i}" for i in seg.quotes)
        piece = Markup('<span class="quote" data-q="{}">{}</span>').format(ids, piece)
    badges = Markup("").join(
        Markup('<span class="who" id="{}"><span class="sr">Quote from </span>{}</span>').format(
            f"{prefix}qs{i}", sp.quote_speaker(quotes[i])
        )
        for i in seg.quote_opens
    )
    return badges + piece


def _mark(seg: sp.Segment, piece: Markup, techniques: list[Span], prefix: str) -> Markup:
    labels = [techniques[i].label for i in seg.techniques]
    colours = [sp.technique_colour(label) for label in labels]
    # One underline stripe per covering technique: overlaps show as stacked stripes.
    stripes = ", ".join(f"inset 0 -{3 * (k + 1)}px 0 {c}" for k, c in enumerate(colours[:4]))
    style = f"background-color: {sp.tint(colours[0])}; box-shadow: {stripes}"
    if len(colours) > 1:
        style += f"; padding-bottom: {3 * (min(len(colours), 4) - 1)}px"
    tags = Markup("").join(
        Markup(
            '<sup class="tag" style="border-color: {}"><span aria-hidden="true">{}</span>'
            '<span class="sr"> {}, confidence {}: </span></sup>'
        ).format(
            sp.technique_colour(techniques[i].label),
            sp.technique_code(techniques[i].label),
            sp.technique_name(techniques[i]),
            sp.format_confidence(sp.confidence_of(techniques[i])),
        )
        for i in seg.opens
    )
    ids = " ".join(f"{prefix}t{i}" for i in seg.techniques)
    focus = Markup(' tabindex="0"') if seg.opens else Markup("")
    classes = "hl multi" if len(colours) > 1 else "hl"
    return Markup('<mark class="{}" data-t="{}" style="{}"{}>{}{}</mark>').format(
        classes, ids, style, focus, tags, piece
    )
