"""The ``techniques`` layer: PTC technique spans with names, definitions and confidence."""

from __future__ import annotations

import bisect
import os
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

from spinscope.document import Document, Span
from spinscope.techniques.detector import TechniqueDetector, load_detector
from spinscope.techniques.taxonomy import BY_LABEL
from spinscope.threads import configured_threads, lower_thread_priority

SUPPORTED_LANGUAGES = frozenset({"en"})


def technique_span(doc_text: str, detection, sentences: list[Span], starts: list[int]) -> Span:
    info = BY_LABEL[detection.label]
    attrs = {
        "name": info.name,
        "definition": info.definition,
        "semeval2023": list(info.semeval2023),
        "confidence": detection.confidence,
        "score": detection.score,
        "alternatives": detection.label_probs,
    }
    i = bisect.bisect_right(starts, detection.start) - 1
    if 0 <= i < len(sentences) and sentences[i].end >= detection.start:
        sent = sentences[i]
        attrs["sentence"] = {"start": sent.start, "end": sent.end, "index": i}
    return Span(detection.start, detection.end, detection.label, attrs)


@lru_cache(maxsize=1)
def _encoder_threads() -> ThreadPoolExecutor:
    """Background threads for the encoder, one per core (``SPINSCOPE_THREADS`` caps them):
    onnxruntime releases the GIL, so they run beside spaCy and the Python components, which
    hold it, and each encodes its own article on one thread (no waiting on each other).
    They run at a lower priority, so that the main thread has a core whenever it can work
    (``threads.lower_thread_priority``): 2.6 → 3.1 articles/s in ``analyze_speed``."""
    workers = configured_threads() or os.cpu_count() or 1
    return ThreadPoolExecutor(
        max_workers=workers,
        thread_name_prefix="spinscope-encoder",
        initializer=lower_thread_priority,
    )


class TechniqueTagger:
    """Adds ``layers.techniques``; skips (with a warning) languages the model was not trained on."""

    name = "techniques"

    def __init__(self, model_dir: str | None = None) -> None:
        self.model_dir = model_dir
        self._detector: TechniqueDetector | None = None

    @property
    def detector(self) -> TechniqueDetector:
        if self._detector is None:
            self._detector = load_detector(self.model_dir)
        return self._detector

    def prepare(self, docs: list[Document]) -> None:
        """Start encoding ``docs`` in the background; ``__call__`` picks the results up."""
        for doc in docs:
            if doc.metadata.get("language") in SUPPORTED_LANGUAGES and doc.text:
                doc.cache["technique_encoding"] = _encoder_threads().submit(
                    self.detector.encode, doc.text, one_thread=True
                )

    def __call__(self, doc: Document) -> None:
        if doc.metadata.get("language") not in SUPPORTED_LANGUAGES:
            doc.warn(
                f"techniques: skipped, the model reads English only "
                f"(language {doc.metadata.get('language')!r})"
            )
            doc.layers["techniques"] = []
            return
        sentences = sorted(doc.layers.get("sentences", []), key=lambda s: s.start)
        starts = [s.start for s in sentences]
        pending = doc.cache.get("technique_encoding")
        encoding = pending.result() if pending is not None else None
        detections = self.detector.detect(doc.text, encoding)
        doc.layers["techniques"] = [
            technique_span(doc.text, d, sentences, starts) for d in detections
        ]
