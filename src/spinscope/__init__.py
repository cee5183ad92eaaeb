"""spinscope: evidence-linked analysis of how a news article tries to persuade.

``analyze(source)`` runs the whole pipeline; ``extract(source)`` only ingests and cleans.
Both take text, bytes, a path or a URL and return a :class:`Document`.
"""

from spinscope.document import Document, Span
from spinscope.errors import InputError, SpinscopeError
from spinscope.pipeline import Analyzer, analyze, extract

__all__ = ["Analyzer", "Document", "InputError", "Span", "SpinscopeError", "analyze", "extract"]
__version__ = "0.1.0"
