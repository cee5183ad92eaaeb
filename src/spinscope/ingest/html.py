"""HTML pages to article text with paragraph breaks, headline and metadata.

trafilatura finds the main text and the metadata (it is tuned on real pages and needs no
network). Two things are added on top, because a Document needs them:

- blocks with roles and character offsets into one ``source_text`` (headline first, then one
  paragraph per block, separated by blank lines), so every span can be checked by slicing;
- a fallback for pages where trafilatura finds nothing: the page's visible text blocks (with
  each block's link density) go through the plain-text cleaner instead.

All extraction settings live in ``_TRAFILATURA_SETTINGS``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from spinscope.clean import Block, classify_blocks, furniture_labels
from spinscope.errors import InputError
from spinscope.ingest.dates import normalise_date

#: Passed to ``trafilatura.bare_extraction``: comments are not the article; tables are.
_TRAFILATURA_SETTINGS = {
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
    "include_links": False,
    "with_metadata": True,
}

#: Elements whose text a reader never sees.
_INVISIBLE = frozenset({"script", "style", "noscript", "template", "svg", "head", "iframe"})
#: Elements that start a new visual block (a new line in a naive scrape).
_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "br",
        "section",
        "article",
        "header",
        "footer",
        "nav",
        "aside",
        "figcaption",
        "blockquote",
        "pre",
        "ul",
        "ol",
        "table",
        "figure",
        "main",
        "form",
        "dd",
        "dt",
        "title",
    }
)
_LANG_RE = re.compile(
    r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?", re.IGNORECASE
)


@dataclass
class HtmlExtraction:
    """The extracted article: text, roles of its blocks, and page metadata."""

    source_text: str
    blocks: list[Block] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)


def extract_html(html: str, url: str | None = None) -> HtmlExtraction:
    """Main text, headline and metadata of an HTML page.

    Raises ``InputError`` when the page holds no text to analyse.
    """
    if not html or not html.strip():
        raise InputError("the HTML page is empty")
    result = _trafilatura(html, url)
    meta = _metadata(result, html, url)
    extraction = _from_trafilatura(result, meta.get("headline"))
    if not _has_body(extraction):
        extraction = _from_visible_text(html)
    if not _has_body(extraction):
        raise InputError(
            "no article text found in the HTML page (it may be a script-only page, an index "
            "page or an error page); try passing the page's text instead"
        )
    headline = next((b for b in extraction.blocks if b.role == "headline"), None)
    if headline is not None:
        meta["headline"] = extraction.source_text[headline.start : headline.end]
    extraction.metadata = meta
    return extraction


def _has_body(extraction: HtmlExtraction) -> bool:
    return any(b.role == "body" for b in extraction.blocks)


# --- trafilatura ----------------------------------------------------------------------------


def _trafilatura(html: str, url: str | None):
    """trafilatura's Document for the page, or None when it finds no main text."""
    import trafilatura

    try:
        return trafilatura.bare_extraction(html, url=url, **_TRAFILATURA_SETTINGS)
    except (ValueError, TypeError, etree.LxmlError):  # malformed markup: fall back
        return None


def _from_trafilatura(result, title: str | None) -> HtmlExtraction:
    paragraphs = _paragraphs(result)
    if not paragraphs:
        return HtmlExtraction("")
    headline, body = _split_headline(paragraphs, title)
    return _assemble(headline, body, "main text found by trafilatura")


def _paragraphs(result) -> list[str]:
    """trafilatura's text as paragraphs: one per line of its output, whitespace collapsed."""
    text = getattr(result, "text", None) or ""
    lines = (re.sub(r"\s+", " ", line).strip() for line in text.split("\n"))
    return [line for line in lines if line]


def _tokens(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"\w+", text) if len(w) > 1}


def _split_headline(paragraphs: list[str], title: str | None) -> tuple[str | None, list[str]]:
    """The headline and the body paragraphs.

    trafilatura keeps the page's <h1> as the first line when it is part of the article; that
    line is the headline if it resembles the page title. Otherwise the metadata title is used.
    """
    first = paragraphs[0]
    if title and len(paragraphs) > 1:
        a, b = _tokens(first), _tokens(title)
        if a and b and len(a & b) / len(a | b) >= 0.5 and len(first) <= 300:
            return first, paragraphs[1:]
    return (title.strip() if title and title.strip() else None), paragraphs


def _assemble(headline: str | None, body: list[str], reason: str) -> HtmlExtraction:
    """source_text (headline, then paragraphs, separated by blank lines) and its blocks."""
    parts: list[tuple[str, str, str]] = []
    if headline:
        parts.append((headline, "headline", "page headline"))
    for paragraph, label in zip(body, furniture_labels(body), strict=True):
        role, why = label if label is not None else ("body", reason)
        parts.append((paragraph, role, why))
    blocks: list[Block] = []
    pieces: list[str] = []
    pos = 0
    for text, role, why in parts:
        if pieces:
            pieces.append("\n\n")
            pos += 2
        blocks.append(Block(pos, pos + len(text), role, why))
        pieces.append(text)
        pos += len(text)
    return HtmlExtraction("".join(pieces), blocks)


# --- fallback: the page's visible text through the plain-text cleaner ------------------------


def visible_blocks(html: str) -> list[tuple[str, float]]:
    """Every visible text block of the page with its link density (share of characters in <a>).

    This is what a naive scraper sees (the page title first, then the body's blocks), plus the
    one cue that HTML gives for free.
    """
    try:
        root = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    blocks: list[tuple[list[str], list[str]]] = [([], [])]

    def new_block() -> None:
        if blocks[-1][0]:
            blocks.append(([], []))

    def add(text: str | None, linked: bool) -> None:
        if text:
            blocks[-1][0].append(text)
            if linked:
                blocks[-1][1].append(text)

    def walk(el, linked: bool) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _INVISIBLE or not tag:
            add(el.tail, linked)
            return
        inside = linked or tag == "a"
        if tag in _BLOCK_TAGS:
            new_block()
        add(el.text, inside)
        for child in el:
            walk(child, inside)
        if tag in _BLOCK_TAGS:
            new_block()
        add(el.tail, linked)

    title = root.findtext(".//title")
    if title and title.strip():  # the page title comes first, as in a naive scrape
        blocks[-1][0].append(title)
        new_block()
    body = root.find("body")
    walk(body if body is not None else root, False)
    out = []
    for texts, linked in blocks:
        text = re.sub(r"\s+", " ", "".join(texts)).strip()
        if text:
            linked_chars = len(re.sub(r"\s+", "", "".join(linked)))
            out.append((text, min(1.0, linked_chars / max(1, len(text.replace(" ", ""))))))
    return out


def _from_visible_text(html: str) -> HtmlExtraction:
    """The cleaner's headline and body blocks from the page's visible text."""
    pairs = visible_blocks(html)
    if not pairs:
        return HtmlExtraction("")
    text = "\n".join(t for t, _ in pairs)
    blocks = classify_blocks(text, [d for _, d in pairs])
    kept = [b for b in blocks if b.role in ("headline", "body")]
    headline = next((text[b.start : b.end] for b in kept if b.role == "headline"), None)
    body = [text[b.start : b.end] for b in kept if b.role == "body"]
    return _assemble(headline, body, "cleaner on the page's visible text (trafilatura found none)")


# --- metadata -------------------------------------------------------------------------------


def _metadata(result, html: str, url: str | None) -> dict:
    """headline (the page title until the text's own headline replaces it), published (ISO
    date), outlet, author, url and language of the page."""
    get = (lambda name: getattr(result, name, None)) if result is not None else (lambda _: None)
    lang = get("language")
    if not lang:
        match = _LANG_RE.search(html[:5000])
        lang = match.group(1).lower() if match else None
    return {
        "headline": get("title"),
        "published": normalise_date(get("date")),
        "outlet": get("sitename"),
        "author": get("author"),
        "url": url or get("url"),
        "language": lang,
    }
