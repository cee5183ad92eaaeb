"""The HTML report: escaping of hostile article text, spans, quotes, panels, degradation."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

import pytest

from spinscope.document import Document, Span
from spinscope.render import spans as sp
from spinscope.render.html import asset, render_html, render_html_many

HEADLINE = 'Evil <script>window.__pwned=1</script> headline & "co"'
BODY = (
    'The minister said the plan was "a catastrophic betrayal" of voters. '
    '<img src=x onerror="window.__pwned=2"> and '
    '<a href="javascript:window.__pwned=3">click</a> '
    "</style><style>body{display:none}</style> [bold red]rich[/] \x1b[2J end."
)
QUOTE_PARA = "“We will never surrender,” said Jane <b>Doe</b> & friends."
TEXT = f"{HEADLINE}\n\n{BODY}\n\n{QUOTE_PARA}"
CHROME = "Menu <script>window.__pwned=5</script>"


def _at(text: str, fragment: str) -> tuple[int, int]:
    start = text.index(fragment)
    return start, start + len(fragment)


def hostile_document() -> Document:
    """A document whose every text field tries to inject markup or script."""
    doc = Document(source_text=f"{CHROME}\n{TEXT}", text=TEXT)
    doc.metadata.update(
        headline=HEADLINE,
        outlet="Daily <i>Bugle</i>",
        published="2023-11-30",
        url="javascript:window.__pwned=4",
        author="A & B",
        language="en",
        outlet_profile={
            "name": "Daily <b>Bugle</b>",
            "country": "XX",
            "ownership": "<script>window.__pwned=6</script>",
            "source": "https://example.org/outlets",
        },
    )
    loaded = _at(TEXT, "a catastrophic betrayal")
    exaggerated = _at(TEXT, 'catastrophic betrayal" of voters')
    slogan = _at(TEXT, "We will never surrender")
    doc.layers["techniques"] = [
        Span(*loaded, "Loaded_Language", {
            "name": "Loaded language", "definition": "Words <b>with</b> emotion.",
            "confidence": 0.82, "semeval2023": ["Loaded_Language"],
            "voice": {"kind": "journalist"},
        }),
        Span(*exaggerated, "Exaggeration,Minimisation", {
            "confidence": 0.41, "voice": {"kind": "quote", "speaker": "<Minister>"},
        }),
        Span(*slogan, "Slogans", {
            "confidence": 0.9, "voice": {"kind": "quote", "speaker": "Jane Doe", "quote_index": 0},
        }),
        Span(5000, 5010, "Slogans", {"confidence": 0.5}),  # out of range: ignored
    ]  # fmt: skip
    doc.layers["quotes"] = [
        Span(*slogan, "quote", {
            "kind": "direct", "speaker": "Jane <b>Doe</b>", "descriptor": None,
            "cue": {"start": 0, "end": 4, "text": "said"},
        })
    ]  # fmt: skip
    doc.layers["blocks"] = [
        Span(0, len(CHROME), "site_chrome"),
        Span(len(CHROME) + 1, len(CHROME) + 1 + len(HEADLINE), "headline"),
    ]
    doc.summary = {
        "techniques": {
            "sentences": 4, "sentences_with_technique": 2,
            "share_of_sentences_with_technique": 0.5, "technique_spans": 3,
            "counts": {
                "Loaded_Language": {"name": "Loaded language", "count": 1},
                "Slogans": {"name": "Slogans", "count": 2},
                "Exaggeration,Minimisation": {"name": "Exaggeration / minimisation", "count": 1},
            },
            "strongest": [{"label": "Slogans", "name": "Slogans",
                           "text": "We will never surrender", "confidence": 0.9}],
        },
        "sourcing": {
            "verdict": "one named source <script>window.__pwned=7</script>",
            "distinct_sources": 1,
            "sources": [{"name": "Jane <b>Doe</b>", "quotes": 1, "share": 1.0}],
            "journalist_share": 0.25,
        },
    }  # fmt: skip
    doc.warnings = ["note <script>window.__pwned=8</script>"]
    return doc


class Tags(HTMLParser):
    """Every start tag with its attributes, the text of each element kind, and ids."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.data: dict[str, list[str]] = {}
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in ("meta", "br", "input", "img", "link"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        if self.stack:
            self.data.setdefault(self.stack[-1], []).append(data)
        self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def parse(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def hostile_html() -> str:
    return render_html(hostile_document())


def test_hostile_text_is_never_markup(hostile_html: str):
    tags = parse(hostile_html)
    scripts = tags.data.get("script", [])
    assert len(tags.all("script")) == 1 and scripts == [asset("report.js")]
    assert len(tags.all("style")) == 1 and tags.data["style"] == [asset("report.css")]
    assert not tags.all("img") and not tags.all("b") and not tags.all("i")
    for name, attrs in tags.tags:
        assert not any(key.startswith("on") for key in attrs), (name, attrs)
        for key in ("href", "src", "action", "formaction"):
            value = (attrs.get(key) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), (name, attrs)
    visible = "".join(tags.text)
    for fragment in ("<script>window.__pwned=1</script>", '<img src=x onerror="window.__pwned=2">',
                     "javascript:window.__pwned=3", "</style><style>body{display:none}</style>",
                     "Jane <b>Doe</b> & friends", "javascript:window.__pwned=4",
                     "<script>window.__pwned=6</script>", "window.__pwned=7", "window.__pwned=8",
                     "Menu <script>window.__pwned=5</script>"):  # fmt: skip
        assert fragment in visible, fragment


def test_report_is_self_contained(hostile_html: str):
    tags = parse(hostile_html)
    assert not tags.all("link") and not tags.all("iframe") and not tags.all("img")
    assert all("src" not in attrs for _, attrs in tags.tags)
    csp = next(a["content"] for a in tags.all("meta") if a.get("http-equiv"))
    digest = hashlib.sha256(asset("report.js").encode()).digest()
    assert f"script-src 'sha256-{base64.b64encode(digest).decode()}'" in csp
    assert "default-src 'none'" in csp
    ids = [attrs["id"] for _, attrs in tags.tags if attrs.get("id")]
    assert len(ids) == len(set(ids))


def test_javascript_url_is_not_a_link_but_http_is():
    doc = hostile_document()
    tags = parse(render_html(doc))
    assert not any((a.get("href") or "").startswith("javascript") for a in tags.all("a"))
    doc.metadata["url"] = "https://news.example/story?a=1&b=2"
    links = [a for a in parse(render_html(doc)).all("a") if a.get("rel")]
    assert {a["href"] for a in links} >= {"https://news.example/story?a=1&b=2"}
    assert all("noopener" in a["rel"] for a in links)


def test_technique_marks_overlap_and_carry_non_colour_cues(hostile_html: str):
    tags = parse(hostile_html)
    marks = tags.all("mark")
    ids = [set(m["data-t"].split()) for m in marks]
    assert {"d1-t0", "d1-t1"} in ids  # the overlap of loaded language and exaggeration
    assert {"d1-t0"} in ids and {"d1-t1"} in ids and {"d1-t2"} in ids
    overlap = next(m for m in marks if set(m["data-t"].split()) == {"d1-t0", "d1-t1"})
    assert "multi" in overlap["class"]
    # one tab stop per span: only segments where a span begins are focusable
    assert sum(1 for m in marks if m.get("tabindex") == "0") == 3
    # codes are text, so the kind of technique does not depend on colour
    codes = "".join(tags.data.get("span", []))
    for code in ("LL", "EXM", "SLO"):
        assert code in codes
    assert "d1-t3" not in hostile_html  # the out-of-range span is dropped


def test_evidence_has_definition_confidence_and_voice(hostile_html: str):
    tags = parse(hostile_html)
    entries = {a["id"] for a in tags.all("li") if a.get("id", "").startswith("d1-t")}
    assert entries == {"d1-t0", "d1-t1", "d1-t2"}
    text = "".join(tags.text)
    assert "Loaded language, confidence 0.82" in text
    assert "Words <b>with</b> emotion." in text
    assert "Voice: journalist" in text
    assert "Voice: quote from <Minister>" in text
    assert "Voice: quote from Jane Doe" in text
    # the definition comes from the taxonomy when the span does not carry one
    assert "much better or worse" in text


def test_quotes_are_marked_with_their_speaker(hostile_html: str):
    tags = parse(hostile_html)
    assert any("quote" in (a.get("class") or "") for a in tags.all("span"))
    badge = hostile_html.index('class="who"')
    quote = hostile_html.index('class="quote"')
    assert badge < quote
    assert "Jane &lt;b&gt;Doe&lt;/b&gt;</span>" in hostile_html[badge:quote]
    text = "".join(tags.text)
    assert "Jane <b>Doe</b> · 1 quote (1 direct)" in text and "(said)" in text
    links = [a["href"] for a in tags.all("a")]
    assert "#d1-qs0" in links  # each quote in the panel links to its place in the text


def test_panels_counts_and_removed_furniture(hostile_html: str):
    text = "".join(parse(hostile_html).text)
    assert "2 of 4 sentences contain a technique span (50%)" in text
    chart = hostile_html[hostile_html.index('class="bars"') :]
    assert chart.index("Slogans") < chart.index("Exaggeration")  # most frequent first
    assert "Distinct sources" in text and "Journalist share" in text and "25%" in text
    assert "100%" in text  # the share column of the sources table
    removed = re.search(r'<details class="removed"[^>]*>', hostile_html)
    assert removed and "open" not in removed.group(0)
    assert "Site chrome" in text and "Removed page furniture (1 block)" in text
    assert "Outlet profile" in text and "Daily <b>Bugle</b>" in text


def test_bare_document_degrades_gracefully():
    doc = Document(source_text="Just a line.", text="Just a line.", metadata={})
    html = render_html(doc)
    text = "".join(parse(html).text)
    assert "Untitled article" in text and "Just a line." in text
    assert "Technique detection did not run." in text
    assert "Quotation detection did not run." in text
    assert "No sourcing profile in this document." in text
    empty = Document(source_text="", text="")
    empty.layers["techniques"] = []
    assert "No technique spans found." in "".join(parse(render_html(empty)).text)


def test_unknown_labels_and_odd_attrs_do_not_break_rendering():
    doc = Document(source_text="abc def", text="abc def")
    doc.layers["techniques"] = [
        Span(0, 3, "Made_Up_Thing", {"confidence": "high", "voice": "x", "semeval2023": None}),
        Span(2, 2, "Slogans", {}),
    ]
    doc.summary = {"techniques": {"counts": {"Made_Up_Thing": 1}}, "sourcing": {"x": [1, 2]}}
    html = render_html(doc)
    text = "".join(parse(html).text)
    assert "MUT" in text and "confidence n/a" in text and "Voice: not determined" in text


def test_many_documents_make_one_page_with_an_index():
    first, second = hostile_document(), Document(source_text="Other.", text="Other.")
    second.metadata["headline"] = "Second & last"
    html = render_html_many([first, second])
    tags = parse(html)
    index = [a["href"] for a in tags.all("a") if a.get("href", "").endswith("report")]
    assert index == ["#d1-report", "#d2-report"]
    ids = [attrs["id"] for _, attrs in tags.tags if attrs.get("id")]
    assert len(ids) == len(set(ids))
    assert len(tags.all("script")) == 1 and "Second &amp; last" in html


def test_segments_cover_the_paragraph_exactly():
    text = "aaaa bbbb cccc"
    spans = [Span(0, 9, "A"), Span(5, 14, "B")]
    quotes = [Span(2, 7, "quote")]
    segs = sp.segments(0, len(text), spans, quotes)
    assert [(s.start, s.end) for s in segs] == [(0, 2), (2, 5), (5, 7), (7, 9), (9, 14)]
    assert [s.techniques for s in segs] == [(0,), (0,), (0, 1), (0, 1), (1,)]
    assert [s.opens for s in segs] == [(0,), (), (1,), (), ()]
    assert [s.quote_opens for s in segs] == [(), (0,), (), (), ()]


def test_paragraph_ranges_split_on_blank_lines():
    text = "  One\nstill one \n\n\nTwo\n \nThree"
    ranges = sp.paragraph_ranges(text)
    assert [text[a:b] for a, b in ranges] == ["One\nstill one", "Two", "Three"]
