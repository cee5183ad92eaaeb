"""The terminal view: spans with codes, quotes with speakers, tables, no markup or escapes."""

from __future__ import annotations

import io

from rich.console import Console
from test_render_html import hostile_document

from spinscope.document import Document
from spinscope.render.terminal import render_terminal


def _render(doc: Document, colour: bool) -> str:
    out = io.StringIO()
    console = Console(
        file=out, width=100, force_terminal=colour, color_system="truecolor" if colour else None
    )
    render_terminal(doc, console)
    return out.getvalue()


def test_plain_output_has_codes_speakers_and_tables():
    text = _render(hostile_document(), colour=False)
    assert "[LL]a [EXM]catastrophic betrayal" in text
    assert "«Jane <b>Doe</b>» [SLO]We will never surrender" in text
    assert "Techniques" in text and "Loaded language" in text and "0.82" in text
    assert "2 of 4 sentences contain a technique span" in text
    assert "one named source" in text and "Distinct sources" in text
    assert "Quotes" in text and "direct" in text
    assert "Removed page furniture: site chrome 1" in text
    assert "Daily <b>Bugle</b>" in text and "2023-11-30" in text


def test_article_text_is_not_rich_markup_and_cannot_send_escapes():
    text = _render(hostile_document(), colour=False)
    assert "[bold red]rich[/]" in text  # brackets in the article print as they are
    assert "\x1b" not in text  # the article's ESC [2J is replaced, not sent
    coloured = _render(hostile_document(), colour=True)
    assert "\x1b[2J" not in coloured


def test_colour_output_highlights_spans():
    coloured = _render(hostile_document(), colour=True)
    assert "\x1b[" in coloured
    assert "48;2;" in coloured  # a truecolor background on technique spans
    assert "catastrophic" in coloured


def test_bare_document_renders():
    doc = Document(source_text="Only text.", text="Only text.", metadata={})
    text = _render(doc, colour=False)
    assert "Untitled article" in text and "Only text." in text and "not run" in text
