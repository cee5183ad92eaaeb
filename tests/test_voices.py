"""Whose words: technique voices and the sourcing profile, on hand-built spans."""

from __future__ import annotations

from spinscope.components.voices import SourcingProfiler, VoiceAssigner, sourcing_profile, verdict
from spinscope.document import Document, Span

TEXT = (
    "The reckless plan is a disaster for everyone. "
    "“It is an utter betrayal of our people,” said Jane Roe. "
    "Officials said the plan was lawful."
)


def quote(text: str, words: str, speaker: str | None, kind: str = "direct", **attrs) -> Span:
    start = text.index(words)
    return Span(start, start + len(words), "quote", {"kind": kind, "speaker": speaker, **attrs})


def doc_with(techniques: list[str]) -> Document:
    doc = Document(source_text=TEXT, text=TEXT)
    doc.metadata["language"] = "en"
    doc.layers["quotes"] = [
        quote(TEXT, "It is an utter betrayal of our people", "Jane Roe"),
        quote(TEXT, "the plan was lawful", "Officials", "indirect", anonymous=True),
    ]
    spans = []
    for words in techniques:
        start = TEXT.index(words)
        spans.append(Span(start, start + len(words), "Loaded_Language"))
    doc.layers["techniques"] = spans
    return doc


def test_journalist_and_quoted_voices() -> None:
    doc = doc_with(["reckless", "utter betrayal", "lawful"])
    VoiceAssigner()(doc)
    journalist, quoted, reported = (s.attrs["voice"] for s in doc.layers["techniques"])
    assert journalist == {"kind": "journalist"}
    assert (
        quoted["kind"] == "quote" and quoted["speaker"] == "Jane Roe" and quoted["quote_index"] == 0
    )
    assert reported["quote_kind"] == "indirect" and reported["anonymous"] is True


def test_a_span_mostly_outside_a_quote_is_the_journalists() -> None:
    doc = doc_with(["everyone. “It"])
    VoiceAssigner()(doc)
    assert doc.layers["techniques"][0].attrs["voice"] == {"kind": "journalist"}


def test_multi_paragraph_quote_parts_count_not_the_gap() -> None:
    text = "“One two three.\n\n“Four five,” she said."
    q = Span(
        1,
        26,
        "quote",
        {
            "kind": "direct",
            "speaker": "Ann",
            "parts": [{"start": 1, "end": 15}, {"start": 18, "end": 27}],
        },
    )
    doc = Document(source_text=text, text=text)
    doc.layers["quotes"] = [q]
    doc.layers["techniques"] = [Span(14, 18, "Loaded_Language"), Span(18, 22, "Loaded_Language")]
    VoiceAssigner()(doc)
    assert doc.layers["techniques"][0].attrs["voice"]["kind"] == "journalist"
    assert doc.layers["techniques"][1].attrs["voice"]["speaker"] == "Ann"


def test_no_techniques_layer_is_fine() -> None:
    doc = Document(source_text=TEXT, text=TEXT)
    VoiceAssigner()(doc)
    assert "techniques" not in doc.layers


def test_sourcing_profile_counts() -> None:
    doc = doc_with([])
    SourcingProfiler()(doc)
    profile = doc.summary["sourcing"]
    assert profile["quotations"] == 2 and profile["distinct_sources"] == 2
    assert profile["anonymous_sources"] == 1 and profile["named_sources"] == 1
    assert profile["top_source"] == "Jane Roe" and profile["top_source_word_share"] == round(
        8 / 12, 3
    )
    assert 0 < profile["direct_quoted_share"] < profile["quoted_share"] < 1
    assert profile["verdict"]


def test_single_source_verdict() -> None:
    text = " ".join(f"“Quote number {i} here,” he said." for i in range(10))
    quotes = [quote(text, f"Quote number {i} here", "Igor Lopatonok") for i in range(9)]
    quotes.append(quote(text, "Quote number 9 here", "NATO"))
    profile = sourcing_profile(text, quotes)
    assert (
        profile["verdict"] == "single-source article: 9 of 10 quotations come from Igor Lopatonok"
    )


def test_verdict_variants() -> None:
    base = {"anonymous_quotations": 0, "top_source": "A", "top_source_quotations": 0}
    assert verdict(base | {"quotations": 0, "distinct_sources": 0}).startswith("no quotations")
    assert verdict(base | {"quotations": 2, "distinct_sources": 0}).endswith(
        "none attributed to a source"
    )
    assert verdict(base | {"quotations": 1, "distinct_sources": 1, "top_source_quotations": 1}) == (
        "single-source article: all 1 quotation come from A"
    )
    mostly_anonymous = base | {
        "quotations": 4,
        "distinct_sources": 3,
        "top_source_quotations": 2,
        "anonymous_quotations": 3,
    }
    assert verdict(mostly_anonymous).startswith("mostly anonymous sourcing: 3 of 4")
    many = base | {"quotations": 6, "distinct_sources": 4, "top_source_quotations": 2}
    assert verdict(many).startswith("multi-source article: 6 quotations from 4 sources")
