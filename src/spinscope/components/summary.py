"""The ``summary`` block: how much of the article uses techniques, and which."""

from __future__ import annotations

from collections import Counter

from spinscope.document import Document
from spinscope.techniques.taxonomy import BY_LABEL


def technique_summary(doc: Document, strongest: int = 5) -> dict:
    techniques = doc.layers.get("techniques", [])
    sentences = doc.layers.get("sentences", [])
    flagged = {
        i
        for i, sent in enumerate(sentences)
        if any(t.start < sent.end and sent.start < t.end for t in techniques)
    }
    counts = Counter(t.label for t in techniques)
    top = sorted(techniques, key=lambda t: -float(t.attrs.get("confidence", 0)))[:strongest]
    return {
        "sentences": len(sentences),
        "sentences_with_technique": len(flagged),
        "share_of_sentences_with_technique": round(len(flagged) / len(sentences), 3)
        if sentences
        else 0.0,
        "technique_spans": len(techniques),
        "counts": {
            label: {"name": BY_LABEL[label].name, "count": n} for label, n in counts.most_common()
        },
        "strongest": [
            {
                "label": t.label,
                "name": BY_LABEL[t.label].name,
                "text": doc.text[t.start : t.end],
                "start": t.start,
                "end": t.end,
                "confidence": t.attrs.get("confidence"),
            }
            for t in top
        ],
    }


class Summarizer:
    name = "summary"

    def __call__(self, doc: Document) -> None:
        doc.summary["words"] = len(doc.text.split())
        doc.summary["paragraphs"] = len(doc.layers.get("paragraphs", []))
        doc.summary["techniques"] = technique_summary(doc)
        removed = [b for b in doc.layers.get("blocks", []) if b.label not in ("body", "headline")]
        doc.summary["removed_blocks"] = dict(Counter(b.label for b in removed))
