"""Entities: name cleaning and clustering (pure), and the linker on real text (slow)."""

from __future__ import annotations

import pytest

from spinscope.components.entities import (
    EntityLinker,
    Mention,
    NameIndex,
    clean_name,
    name_key,
    speaker_hints,
)
from spinscope.document import Document, Span


def m(start: int, name: str, label: str, **kw) -> Mention:
    return Mention(start, start + len(name), name, label, **kw)


@pytest.mark.parametrize(
    ("raw", "label", "expected"),
    [
        ("Ukrainian President Volodymyr Zelensky", "PERSON", "Volodymyr Zelensky"),
        ("Filmmaker Igor Lopatonok", "PERSON", "Igor Lopatonok"),
        ("[Soviet President Mikhail] Gorbachev", "PERSON", "Mikhail Gorbachev"),
        ("Kiev’s", "GPE", "Kiev"),
        ("the Russian Federation", "GPE", "Russian Federation"),
        ("General Motors", "ORG", "General Motors"),
        ("n’t", "GPE", ""),
    ],
)
def test_clean_name(raw: str, label: str, expected: str) -> None:
    assert clean_name(raw, label) == expected


def test_place_variants_share_a_key() -> None:
    assert name_key("Kiev") == name_key("Kyiv") == name_key("KYIV")
    assert name_key("U.S.") == name_key("United States")


def test_surname_folds_into_full_name_whatever_its_label() -> None:
    index = NameIndex(
        [m(0, "Volodymyr Zelensky", "PERSON"), m(50, "Zelensky", "ORG"), m(90, "Zelensky", "GPE")]
    )
    cluster = index.find("Zelensky")
    assert cluster is not None and cluster.canonical == "Volodymyr Zelensky"
    assert cluster.label == "PERSON" and len(cluster.mentions) == 3


def test_acronym_and_spelling_variants_merge() -> None:
    index = NameIndex(
        [
            m(0, "North Atlantic Treaty Organization", "ORG"),
            m(40, "NATO", "ORG"),
            m(60, "NATO", "ORG"),
            m(80, "Kiev", "PERSON"),
            m(99, "Kyiv", "GPE"),
        ]
    )
    assert index.canonical("NATO") == "NATO"  # the usual form wins for organisations
    assert index.find("North Atlantic Treaty Organization") is index.find("NATO")
    kyiv = index.find("Kiev")
    assert kyiv is index.find("Kyiv") and kyiv.canonical == "Kyiv" and kyiv.label == "GPE"


def test_article_evidence_overrides_the_model() -> None:
    hints = speaker_hints([Span(0, 5, "quote", {"speaker": "Lopatonok", "speaker_type": "PERSON"})])
    index = NameIndex([m(0, "Lopatonok", "GPE"), m(30, "Lopatonok", "GPE")], hints)
    assert index.label("Lopatonok") == "PERSON"
    typed = NameIndex([m(0, "Lumen", "PERSON", evidence="ORG"), m(30, "Lumen", "PERSON")])
    assert typed.label("Lumen") == "ORG"


@pytest.mark.slow
def test_linker_on_sample(shared_dir) -> None:
    from spinscope.components.quotes import QuoteFinder

    raw = (shared_dir / "samples" / "sputnik-nato-2023-11-30.txt").read_text(encoding="utf-8")
    body = "\n\n".join(line for line in raw.split("\n")[7:27] if line.strip())
    doc = Document(source_text=body, text=body)
    doc.metadata["language"] = "en"
    QuoteFinder()(doc)
    EntityLinker()(doc)
    summary = {e["canonical"]: e for e in doc.summary["entities"]}
    assert summary["Igor Lopatonok"]["label"] == "PERSON"
    assert "Lopatonok" in summary["Igor Lopatonok"]["aliases"]
    assert summary["Kyiv"]["label"] == "GPE" and "Kiev" in summary["Kyiv"]["aliases"]
    assert summary["Volodymyr Zelensky"]["label"] == "PERSON"
    assert summary["Sputnik"]["label"] == "ORG"  # a news outlet, whatever NER said
    assert summary["NATO"]["label"] == "ORG"
    spans = doc.layers["entities"]
    assert {s.label for s in spans} <= {"PERSON", "ORG", "GPE", "LOC", "NORP"}
    for span in spans:
        assert span.attrs["canonical"] and span.attrs["entity_id"].startswith("E")
        assert doc.text_of("entities", span).strip()
    for entity in doc.summary["entities"]:
        assert entity["mentions"] == sum(s.attrs["entity_id"] == entity["id"] for s in spans)


def test_linker_skips_languages_without_a_model() -> None:
    doc = Document(source_text="Bonjour Paris.", text="Bonjour Paris.")
    doc.metadata["language"] = "fr"
    EntityLinker()(doc)
    assert doc.layers["entities"] == [] and doc.summary["entities"] == [] and doc.warnings


@pytest.mark.parametrize(
    ("text", "name", "count"),
    [
        ("Alves said. Alves-Costa and Alvesson did not; (Alves) did.", "Alves", 2),
        ("the U.S. and U.S.-led forces", "U.S.", 1),
        ("aaa aa aa", "aa", 2),
        ("Kyiv_2 Kyiv2 Kyiv\u00b2 -Kyiv", "Kyiv", 0),
        ("", "Kyiv", 0),
    ],
)
def test_search_finds_whole_words_as_the_pattern_would(text, name, count):
    """``_search`` is the look-around pattern ``(?<![\\w-])NAME(?![\\w-])`` by hand."""
    import re

    from spinscope.components.entities import _search

    pattern = re.compile(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])")
    found = _search(text, name)
    assert found == [(m.start(), m.end()) for m in pattern.finditer(text)]
    assert len(found) == count
    assert all(text[s:e] == name for s, e in found)
