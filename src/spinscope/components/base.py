"""The component contract shared by every analysis step."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from spinscope.document import Document


class Component(Protocol):
    """One analysis step. Loads its model lazily and once; adds to ``doc`` in place."""

    name: str

    def __call__(self, doc: Document) -> None: ...


@runtime_checkable
class BatchPreparer(Protocol):
    """A component that can do its heavy work for many documents at once (optional).

    ``prepare`` fills ``doc.cache`` so that the per-document call that follows is cheap;
    batching lets spaCy and the encoder amortise their per-call overhead.
    """

    def prepare(self, docs: list[Document]) -> None: ...
