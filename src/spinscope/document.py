"""The single data model: one text, its metadata, and named layers of character spans.

Every span indexes one text: ``blocks`` index ``source_text``; every other layer
indexes the clean ``text``. ``span.text`` is always ``text[span.start:span.end]`` so a
reader of the JSON can check each span without re-running anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = "1.0"

#: Layers whose spans index ``source_text`` rather than ``text``.
SOURCE_LAYERS = frozenset({"blocks"})

METADATA_FIELDS = ("outlet", "published", "headline", "language", "author", "url")


@dataclass
class Span:
    """A labelled character range ``[start, end)`` with free-form attributes."""

    start: int
    end: int
    label: str
    attrs: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, text: str) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "label": self.label,
            "text": text[self.start : self.end],
            **self.attrs,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Span:
        attrs = {k: v for k, v in data.items() if k not in ("start", "end", "label", "text")}
        return cls(int(data["start"]), int(data["end"]), str(data["label"]), attrs)


@dataclass
class Document:
    """An analysed article. Serialising it (``to_dict``/``to_json``) is the JSON contract."""

    source_text: str
    text: str = ""
    source: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=lambda: dict.fromkeys(METADATA_FIELDS))
    layers: dict[str, list[Span]] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    schema_version: str = SCHEMA_VERSION
    #: In-memory artefacts shared between components (e.g. the spaCy ``Doc`` of ``text``
    #: under ``"spacy"``); never serialised.
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def layer(self, name: str) -> list[Span]:
        """The spans of layer ``name`` (created empty if absent)."""
        return self.layers.setdefault(name, [])

    def text_of(self, layer: str, span: Span) -> str:
        base = self.source_text if layer in SOURCE_LAYERS else self.text
        return base[span.start : span.end]

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def to_dict(self) -> dict[str, Any]:
        layers = {}
        for name, spans in self.layers.items():
            base = self.source_text if name in SOURCE_LAYERS else self.text
            layers[name] = [s.to_dict(base) for s in sorted(spans, key=_span_order)]
        return {
            "schema_version": self.schema_version,
            "source": self.source,
            "metadata": {k: self.metadata.get(k) for k in METADATA_FIELDS}
            | {k: v for k, v in self.metadata.items() if k not in METADATA_FIELDS},
            "text": self.text,
            "source_text": self.source_text,
            "layers": layers,
            "summary": self.summary,
            "warnings": self.warnings,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        return cls(
            source_text=data["source_text"],
            text=data["text"],
            source=dict(data.get("source", {})),
            metadata=dict(data.get("metadata", {})),
            layers={
                name: [Span.from_dict(s) for s in spans]
                for name, spans in data.get("layers", {}).items()
            },
            summary=dict(data.get("summary", {})),
            warnings=list(data.get("warnings", [])),
            schema_version=data.get("schema_version", SCHEMA_VERSION),
        )


def _span_order(span: Span) -> tuple[int, int, str]:
    return (span.start, -span.end, span.label)
