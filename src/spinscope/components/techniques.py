"""The ``techniques`` layer: PTC technique spans with names, definitions and confidence."""

from __future__ import annotations

import bisect

from spinscope.document import Document, Span
from spinscope.techniques.detector import TechniqueDetector, load_detector
from spinscope.techniques.taxonomy import BY_LABEL

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
        detections = self.detector.detect(doc.text)
        doc.layers["techniques"] = [
            technique_span(doc.text, d, sentences, starts) for d in detections
        ]
