"""The component contract shared by every analysis step."""

from __future__ import annotations

from typing import Protocol

from spinscope.document import Document


class Component(Protocol):
    """One analysis step. Loads its model lazily and once; adds to ``doc`` in place."""

    name: str

    def __call__(self, doc: Document) -> None: ...
