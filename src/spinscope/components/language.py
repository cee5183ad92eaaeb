"""Language of the article body, detected with py3langid (a trained langid.py model)."""

from __future__ import annotations

from functools import lru_cache

from spinscope.document import Document


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> tuple[str | None, float]:
    """ISO 639-1 code and probability, or ``(None, 0.0)`` when there is too little text."""
    sample = text[:20000]
    if sum(ch.isalpha() for ch in sample) < 20:
        return None, 0.0
    lang, prob = _identifier().classify(sample)
    return lang, float(prob)


class LanguageDetector:
    name = "language"

    def __call__(self, doc: Document) -> None:
        lang, prob = detect_language(doc.text)
        if lang is None:
            doc.warn("language: too little text to detect the language")
        elif not doc.metadata.get("language") or prob > 0.9:
            doc.metadata["language"] = lang
        doc.metadata["language_confidence"] = round(prob, 3)
