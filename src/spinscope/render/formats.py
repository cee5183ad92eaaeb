"""Serialising documents to the CLI's plain formats."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from spinscope.document import Document

_ARTICLE_ID = re.compile(r"article(\w+)$")


def article_id(doc: Document) -> str:
    """PTC-style id: ``article123.txt`` → ``123``; otherwise the file stem or URL."""
    where = doc.source.get("path") or doc.source.get("url") or "input"
    stem = Path(str(where)).stem if doc.source.get("path") else str(where)
    match = _ARTICLE_ID.search(stem)
    return match.group(1) if match else stem


def to_json(docs: Sequence[Document]) -> str:
    if len(docs) == 1:
        return docs[0].to_json() + "\n"
    return json.dumps([d.to_dict() for d in docs], ensure_ascii=False, indent=2) + "\n"


def to_jsonl(docs: Sequence[Document]) -> str:
    return "".join(d.to_json(indent=None) + "\n" for d in docs)


def to_ptc(docs: Sequence[Document]) -> str:
    """PTC label lines (``id  technique  start  end``), offsets into each document's text."""
    lines = []
    for doc in docs:
        aid = article_id(doc)
        for span in sorted(doc.layers.get("techniques", []), key=lambda s: (s.start, s.end)):
            lines.append(f"{aid}\t{span.label}\t{span.start}\t{span.end}\n")
    return "".join(lines)


def to_text(docs: Sequence[Document]) -> str:
    return "\n\n".join(d.text for d in docs) + "\n"
