"""The one core every front end calls: ingest → clean → components → Document.

``extract`` stops after cleaning (fast, no models); ``analyze`` runs every component.
An ``Analyzer`` holds loaded components so that many inputs load models once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice

from spinscope.clean import classify_blocks, nonblank_lines, scrape_metadata
from spinscope.components.base import BatchPreparer, Component
from spinscope.components.language import LanguageDetector
from spinscope.components.nlp import MAX_TEXT_CHARS
from spinscope.components.segment import paragraph_spans
from spinscope.document import METADATA_FIELDS, Document, Span
from spinscope.errors import InputError, SpinscopeError
from spinscope.ingest.load import DEFAULT_MAX_BYTES, LoadedInput, Source, load
from spinscope.threads import one_blas_thread

BODY_ROLES = ("headline", "body")

#: Errors that belong to one input (bad bytes, unreachable URL…): reported, never fatal.
INPUT_ERRORS = (SpinscopeError, OSError, ValueError, UnicodeError)


def _clean_text(source_text: str, blocks: Sequence) -> str:
    """The article: headline and body blocks in order, one paragraph each."""
    return "\n\n".join(source_text[b.start : b.end] for b in blocks if b.role in BODY_ROLES)


def _uncleaned(loaded: LoadedInput) -> Document:
    """The input text exactly as given, every line a body block (offsets match the file)."""
    doc = Document(source_text=loaded.text, text=loaded.text, source=loaded.source)
    doc.source["cleaned"] = False
    doc.layers["blocks"] = [
        Span(start, end, "body") for start, end, _ in nonblank_lines(loaded.text)
    ]
    doc.layers["paragraphs"] = paragraph_spans(doc.text)
    return doc


def document_from_input(loaded: LoadedInput, clean: bool = True) -> Document:
    """Build the Document of one loaded input: blocks with roles, clean text, metadata."""
    if not clean and loaded.kind == "text":
        return _uncleaned(loaded)
    metadata: dict = dict.fromkeys(METADATA_FIELDS)
    if loaded.kind == "html":
        from spinscope.ingest.html import extract_html

        extraction = extract_html(loaded.text, loaded.url)
        source_text, blocks = extraction.source_text, extraction.blocks
        metadata.update({k: v for k, v in extraction.metadata.items() if v})
    else:
        source_text = loaded.text
        blocks = classify_blocks(source_text)
        metadata.update({k: v for k, v in scrape_metadata(source_text, blocks).items() if v})
    if loaded.url and not metadata.get("url"):
        metadata["url"] = loaded.url
    doc = Document(source_text=source_text, source=loaded.source, metadata=metadata)
    doc.layers["blocks"] = [
        Span(b.start, b.end, b.role, {"reason": b.reason} if getattr(b, "reason", None) else {})
        for b in blocks
    ]
    doc.text = _clean_text(source_text, blocks)
    if not doc.text.strip():
        doc.warn("clean: no article body found; the text is empty")
    headline = next((b for b in blocks if b.role == "headline"), None)
    if headline and not metadata.get("headline"):
        metadata["headline"] = source_text[headline.start : headline.end]
    doc.layers["paragraphs"] = paragraph_spans(doc.text)
    return doc


def default_components() -> list[Component]:
    """The analysis components in order. Heavy ones load their models on first use."""
    from spinscope.components.registry import analysis_components

    return analysis_components()


@dataclass
class Analyzer:
    """Runs the pipeline; keep one per process so models are loaded once."""

    components: list[Component] = field(default_factory=default_components)
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = 15.0
    clean: bool = True

    def extract(self, source: Source) -> Document:
        loaded = load(source, max_bytes=self.max_bytes, timeout=self.timeout)
        doc = document_from_input(loaded, clean=self.clean)
        LanguageDetector()(doc)
        return doc

    def analyze(self, source: Source) -> Document:
        doc = self._analysable(self.extract(source))
        self.run_components(doc)
        return doc

    def _analysable(self, doc: Document) -> Document:
        """Refuse, before any model starts on it, a text longer than the parser takes."""
        if self.components and len(doc.text) > MAX_TEXT_CHARS:
            raise InputError(
                f"the article text is {len(doc.text):,} characters long; analysis takes at "
                f"most {MAX_TEXT_CHARS:,} — split it into articles"
            )
        return doc

    def run_components(self, doc: Document) -> Document:
        with one_blas_thread():
            for component in self.components:
                component(doc)
        doc.cache.clear()
        return doc

    def analyze_many(
        self, sources: Iterable[Source], batch_size: int = 4
    ) -> Iterator[tuple[Source, Document | Exception]]:
        """Analyse many inputs; yields each source, in order, with its Document or with the
        error that stopped it — one bad input never stops the others.

        Inputs go ``batch_size`` at a time through the components' ``prepare`` hooks
        (spaCy's batched ``pipe``; the encoder on a background thread), and the next batch
        is prepared before this one is finished, so the encoder never waits for Python.
        """
        prepared = self._prepared_batches(sources, batch_size)
        current = next(prepared, None)
        while current is not None:
            following = next(prepared, None)
            chunk, results = current
            for i, result in enumerate(results):
                if isinstance(result, Document):
                    try:
                        self.run_components(result)
                    except INPUT_ERRORS as exc:
                        results[i] = exc
            yield from zip(chunk, results, strict=True)
            current = following

    def _prepared_batches(
        self, sources: Iterable[Source], batch_size: int
    ) -> Iterator[tuple[list[Source], list[Document | Exception]]]:
        iterator = iter(sources)
        while chunk := list(islice(iterator, batch_size)):
            results: list[Document | Exception] = []
            for source in chunk:
                try:
                    results.append(self._analysable(self.extract(source)))
                except INPUT_ERRORS as exc:
                    results.append(exc)
            docs = [r for r in results if isinstance(r, Document)]
            for component in reversed(self.components):  # background work is started first
                if docs and isinstance(component, BatchPreparer):
                    # One input the batch call refuses (e.g. a text longer than spaCy takes)
                    # must not sink the others: each document's own call redoes the work
                    # and reports the error against its input.
                    with contextlib.suppress(*INPUT_ERRORS), one_blas_thread():
                        component.prepare(docs)
            yield chunk, results


_DEFAULT: Analyzer | None = None


def _default_analyzer() -> Analyzer:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Analyzer()
    return _DEFAULT


def extract(source: Source, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Ingest and clean only: text, blocks, paragraphs, metadata, language. No models."""
    return Analyzer(components=[], max_bytes=max_bytes).extract(source)


def analyze(source: Source, *, max_bytes: int | None = None) -> Document:
    """Full analysis of one article given as text, bytes, a path or a URL."""
    analyzer = _default_analyzer()
    if max_bytes is not None and max_bytes != analyzer.max_bytes:
        analyzer = Analyzer(components=analyzer.components, max_bytes=max_bytes)
    return analyzer.analyze(source)
