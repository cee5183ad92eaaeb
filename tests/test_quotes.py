"""Quotations: mark pairing (pure), and finding + attributing quotes with spaCy (slow)."""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from pathlib import Path

import pytest

from spinscope.components.quotes import (
    QuoteFinder,
    _Pairer,
    _trim_parts,
    find_quotes,
    paragraph_bounds,
)
from spinscope.document import Document

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "quotes"


def _eval_module():
    spec = importlib.util.spec_from_file_location(
        "quotes_eval", REPO / "benchmarks" / "quotes_eval.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def paired(text: str) -> list[str]:
    """Contents of the top-level quotes the pairer finds, parts joined by " | "."""
    quotes = _Pairer(text, paragraph_bounds(text)).run()
    out = []
    for quote in quotes:
        _trim_parts(text, quote)
        out.append(" | ".join(text[s:e] for s, e in quote.parts))
    return out


# --------------------------------------------------------------------------- marks (pure)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("He said “we will win,” and left.", ["we will win"]),
        ('He said "we will win" and left.', ["we will win"]),
        ("Er sagte „wir schaffen das“ und ging.", ["wir schaffen das"]),
        ("Il a dit « nous gagnerons » hier.", ["nous gagnerons"]),
        ("Sie sagte »nie wieder« laut.", ["nie wieder"]),
        ("‘We could build it,’ she said.", ["We could build it"]),
        ("'Not today,' he said.", ["Not today"]),
        ("Det var ”bra” sa han.", ["bra"]),
    ],
)
def test_every_mark_style_pairs(text: str, expected: list[str]) -> None:
    assert paired(text) == expected


def test_apostrophes_are_not_quote_marks() -> None:
    text = "Kiev’s position wasn’t clear, and the players’ union didn't say."
    assert paired(text) == []


def test_apostrophes_inside_single_quotes() -> None:
    assert paired("‘What we can’t survive is the row,’ she said.") == [
        "What we can’t survive is the row"
    ]


def test_nested_quotes_belong_to_the_outer_one() -> None:
    text = "“He knocked and said, ‘You need to go now,’ and that was it,” she said."
    assert paired(text) == ["He knocked and said, ‘You need to go now,’ and that was it"]


def test_quote_over_several_paragraphs() -> None:
    text = "“First part of it.\n\n“Second part,” she said. “Third.”"
    assert paired(text) == ["First part of it. | Second part", "Third."]


def test_unbalanced_opening_mark_runs_to_paragraph_end() -> None:
    text = 'Sato wrote that the company had to "stop apologising.\n\nNext paragraph.'
    assert paired(text) == ["stop apologising."]


def test_orphan_closing_mark_starts_at_paragraph_start() -> None:
    assert paired("and then we left,” she said.") == ["and then we left"]


def test_random_marks_never_crash() -> None:
    rng = random.Random(7)
    alphabet = list("“”„\"«»‘’'‹› abc.,\n")
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        for content in paired(text):
            assert isinstance(content, str)


# --------------------------------------------------------------------------- with spaCy (slow)


@pytest.fixture(scope="module")
def nlp():
    from spinscope.components.nlp import load_spacy

    return load_spacy()


@pytest.fixture(scope="module")
def evaluation():
    return _eval_module()


def _assert_spans_honest(text: str, spans) -> None:
    for span in spans:
        assert 0 <= span.start < span.end <= len(text)
        assert text[span.start : span.end].strip() == text[span.start : span.end]
        assert span.label == "quote" and span.attrs["kind"] in ("direct", "indirect")
        cue = span.attrs["cue"]
        if cue is not None:
            assert text[cue["start"] : cue["end"]] == cue["text"]
        for part in span.attrs.get("parts", []):
            assert span.start <= part["start"] < part["end"] <= span.end


@pytest.mark.slow
@pytest.mark.parametrize("body_only", [True, False], ids=["body", "raw-scrape"])
def test_sample_quotes_and_speakers(evaluation, nlp, shared_dir, body_only: bool) -> None:
    article = evaluation.load_sample(body_only)
    spans = find_quotes(article.text, nlp(article.text))
    result = evaluation.score(article, spans)
    assert result.matched == result.gold == 14, result.misses
    assert result.speaker_ok == 14, result.misses
    assert result.titles_taken == 0
    _assert_spans_honest(article.text, spans)


@pytest.mark.slow
def test_sample_descriptor_and_cue(evaluation, nlp, shared_dir) -> None:
    article = evaluation.load_sample(True)
    spans = find_quotes(article.text, nlp(article.text))
    red_line = next(s for s in spans if article.text[s.start : s.end] == "a real red line")
    assert red_line.attrs["speaker"] == "Igor Lopatonok"
    assert red_line.attrs["speaker_type"] == "PERSON"
    assert red_line.attrs["descriptor"].startswith("Filmmaker Igor Lopatonok, who directed")
    continued = [s for s in spans if s.attrs.get("continued")]
    assert continued and all(s.attrs["cue"] is None for s in continued)
    he_said = [s for s in spans if s.attrs["cue"] and s.attrs["cue"]["text"] == "he said"]
    assert he_said and {s.attrs["speaker"] for s in he_said} == {"Igor Lopatonok"}


@pytest.mark.slow
def test_written_test_set_meets_goals(evaluation, nlp) -> None:
    articles = [evaluation.load_fixture(p) for p in sorted(FIXTURES.glob("*.json"))]
    total = evaluation.Score()
    for article in articles:
        spans = find_quotes(article.text, nlp(article.text))
        _assert_spans_honest(article.text, spans)
        total.add(evaluation.score(article, spans))
    assert total.gold >= 60
    assert total.precision >= 0.9 and total.recall >= 0.9, total.misses
    assert total.speaker_accuracy >= 0.9, total.misses
    assert total.titles_taken == 0


def test_fixtures_are_well_formed() -> None:
    files = sorted(FIXTURES.glob("*.json"))
    assert len(files) >= 8
    total = 0
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        text = data["separator"].join(data["paragraphs"])
        for quote in data["quotes"]:
            assert quote["kind"] in ("direct", "indirect")
            assert quote.get("text", quote.get("starts_with")) in text
        total += len(data["quotes"])
    assert total >= 60


@pytest.mark.slow
def test_pronoun_role_noun_and_anonymous_sources(nlp) -> None:
    text = (
        "Judge Miriam Fields said the offending had been cruel.\n\n"
        "“The breach of trust here is profound,” the judge said.\n\n"
        "Officials said the inquiry was continuing.\n\n"
        "“We will appeal,” said Andrew Lim, a barrister. “This is not over.”\n\n"
        "He said the sentence was too long."
    )
    spans = find_quotes(text, nlp(text))
    by_text = {text[s.start : s.end]: s.attrs for s in spans}
    assert by_text["the offending had been cruel"]["speaker"] == "Miriam Fields"
    assert by_text["The breach of trust here is profound"]["speaker"] == "Miriam Fields"
    officials = by_text["the inquiry was continuing"]
    assert officials["speaker"] == "Officials" and officials["anonymous"] is True
    assert by_text["This is not over."]["speaker"] == "Andrew Lim"
    assert by_text["This is not over."]["continued"] is True
    assert by_text["the sentence was too long"]["speaker"] == "Andrew Lim"


@pytest.mark.slow
def test_titles_and_scare_quotes_are_not_quotations(nlp) -> None:
    text = (
        "Her novel, “The Salt Ledger”, was published in the report titled "
        '"Daily steps and mortality". Critics hated the so-called “reforms”. '
        "What she needs is the nerve to tell a shopkeeper ‘no’."
    )
    assert find_quotes(text, nlp(text)) == []


@pytest.mark.slow
def test_component_sets_layer_and_skips_other_languages(nlp) -> None:
    text = "“We are ready,” the minister said."
    doc = Document(source_text=text, text=text)
    doc.metadata["language"] = "en"
    QuoteFinder()(doc)
    assert [doc.text_of("quotes", s) for s in doc.layers["quotes"]] == ["We are ready"]
    other = Document(source_text=text, text=text)
    other.metadata["language"] = "fr"
    QuoteFinder()(other)
    assert other.layers["quotes"] == [] and other.warnings
