"""HTML extraction: main text with paragraph breaks, headline, metadata, offsets, errors."""

from __future__ import annotations

import pytest

from spinscope.errors import InputError
from spinscope.ingest.html import HtmlExtraction, extract_html, visible_blocks

ARTICLE = """<!DOCTYPE html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <title>Council approves new cycle lanes after heated debate | The Riverside Courier</title>
  <meta property="og:site_name" content="The Riverside Courier">
  <meta property="og:title" content="Council approves new cycle lanes after heated debate">
  <meta name="author" content="Sam Okoro">
  <meta property="article:published_time" content="2024-03-05T18:20:00+00:00">
  <link rel="canonical" href="https://courier.example/news/cycle-lanes">
</head>
<body>
  <nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
  <li><a href="/sport">Sport</a></li></ul></nav>
  <main><article>
    <h1>Council approves new cycle lanes after heated debate</h1>
    <p class="byline">By Sam Okoro</p>
    <p>The city council voted on Tuesday night to build six kilometres of protected cycle lanes
    along the river, after a three-hour debate in which residents spoke for and against.</p>
    <p>Supporters said the lanes would make the route safer for children cycling to school.
    Opponents said the loss of parking would hurt shops on the high street.</p>
    <figure><img src="lane.jpg">
      <figcaption>The riverside route in 2023. Photo: Jo Banks</figcaption></figure>
    <p>"This is the most important vote we will take this year," the council leader said.</p>
    <p>Construction is expected to start in the autumn and to last about eighteen months,
    according to the council's transport department.</p>
  </article></main>
  <aside><h3>Most read</h3><ul><li><a href="/a">Bridge closed for repairs</a></li></ul></aside>
  <footer><p>&copy; 2024 The Riverside Courier. All rights reserved.</p></footer>
</body>
</html>
"""


@pytest.fixture(scope="module")
def extraction() -> HtmlExtraction:
    return extract_html(ARTICLE, url="https://courier.example/news/cycle-lanes?utm=x")


def test_blocks_index_source_text(extraction):
    text = extraction.source_text
    assert extraction.blocks
    for block in extraction.blocks:
        piece = text[block.start : block.end]
        assert piece and piece == piece.strip()
    assert [b.start for b in extraction.blocks] == sorted(b.start for b in extraction.blocks)


def test_headline_first_then_paragraphs(extraction):
    text = extraction.source_text
    first = extraction.blocks[0]
    assert first.role == "headline"
    assert text[first.start : first.end] == "Council approves new cycle lanes after heated debate"
    body = [text[b.start : b.end] for b in extraction.blocks if b.role == "body"]
    assert body[0].startswith("The city council voted on Tuesday night")
    assert any(p.startswith('"This is the most important vote') for p in body)
    assert body[-1].startswith("Construction is expected to start")
    # paragraphs are separated by blank lines and whitespace inside them is collapsed
    assert "\n\n".join(text[b.start : b.end] for b in extraction.blocks) == text
    assert all("\n" not in p and "  " not in p for p in body)


def test_furniture_is_not_body(extraction):
    body = " ".join(
        extraction.source_text[b.start : b.end] for b in extraction.blocks if b.role == "body"
    )
    for furniture in ("Home", "Most read", "Bridge closed", "All rights reserved"):
        assert furniture not in body


def test_metadata(extraction):
    meta = extraction.metadata
    assert meta["headline"] == "Council approves new cycle lanes after heated debate"
    assert meta["published"] == "2024-03-05"
    assert meta["outlet"] == "The Riverside Courier"
    assert meta["author"] == "Sam Okoro"
    assert meta["language"] == "en"
    assert meta["url"] == "https://courier.example/news/cycle-lanes?utm=x"


def test_page_without_text_raises_clear_error():
    with pytest.raises(InputError, match="no article text"):
        extract_html("<html><head><title>x</title></head><body><script>a=1</script></body></html>")
    with pytest.raises(InputError, match="empty"):
        extract_html("   ")


def test_fallback_uses_cleaner_on_visible_blocks(monkeypatch):
    import spinscope.ingest.html as html_mod

    monkeypatch.setattr(html_mod, "_trafilatura", lambda html, url: None)
    ext = extract_html(ARTICLE)
    body = [ext.source_text[b.start : b.end] for b in ext.blocks if b.role == "body"]
    assert any(p.startswith("The city council voted") for p in body)
    assert not any(p in ("Home", "News", "Sport") for p in body)
    assert "cleaner" in ext.blocks[-1].reason


def test_visible_blocks_measure_link_density():
    blocks = dict(visible_blocks(ARTICLE))
    assert blocks["Home"] == pytest.approx(1.0)
    assert blocks["Bridge closed for repairs"] == pytest.approx(1.0)
    assert blocks["By Sam Okoro"] == pytest.approx(0.0)
    assert not any("var a" in text for text in blocks)
