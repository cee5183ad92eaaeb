"""Paragraphs (blank-line separated blocks of ``text``) and sentences (spaCy's parser)."""

from __future__ import annotations

import re

from spinscope.components.nlp import SPACY_LANGUAGES, parse_all, spacy_doc
from spinscope.document import Document, Span

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def paragraph_spans(text: str) -> list[Span]:
    """Non-blank runs of text between blank lines, trimmed of surrounding whitespace."""
    spans = []
    pos = 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        chunk = text[pos:end]
        stripped = chunk.strip()
        if stripped:
            start = pos + chunk.index(stripped[0])
            spans.append(Span(start, start + len(stripped), "paragraph"))
        if match:
            pos = match.end()
    return spans


def sentence_spans(doc: Document) -> list[Span]:
    """Sentences from spaCy, never crossing a paragraph boundary, trimmed of whitespace."""
    paragraphs = doc.layers.get("paragraphs") or paragraph_spans(doc.text)
    parsed = spacy_doc(doc)
    spans: list[Span] = []
    for sent in parsed.sents:
        for para in paragraphs:
            start, end = max(sent.start_char, para.start), min(sent.end_char, para.end)
            piece = doc.text[start:end]
            stripped = piece.strip()
            if not stripped:
                continue
            lead = len(piece) - len(piece.lstrip())
            spans.append(Span(start + lead, start + lead + len(stripped), "sentence"))
    return spans


class Segmenter:
    name = "segment"

    def prepare(self, docs: list[Document]) -> None:
        parse_all(docs)

    def __call__(self, doc: Document) -> None:
        doc.layers["paragraphs"] = paragraph_spans(doc.text)
        if doc.metadata.get("language") in SPACY_LANGUAGES:
            doc.layers["sentences"] = sentence_spans(doc)
        else:
            # Paragraphs still work for any language; sentences need a parser for it.
            doc.layers["sentences"] = [
                Span(p.start, p.end, "sentence") for p in doc.layers["paragraphs"]
            ]
            doc.warn(
                f"segment: no sentence model for language {doc.metadata.get('language')!r}; "
                "each paragraph is taken as one sentence"
            )
