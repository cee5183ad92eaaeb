"""Which components run, and in which order."""

from __future__ import annotations

import importlib

from spinscope.components.base import Component
from spinscope.components.segment import Segmenter
from spinscope.components.summary import Summarizer
from spinscope.components.techniques import TechniqueTagger

#: (module, class) of components that run after techniques, in order.
_LATER = (
    ("spinscope.components.quotes", "QuoteFinder"),
    ("spinscope.components.entities", "EntityLinker"),
    ("spinscope.components.voices", "VoiceAssigner"),
    ("spinscope.components.voices", "SourcingProfiler"),
    ("spinscope.outlets", "OutletRecogniser"),
)


def analysis_components(
    skip: frozenset[str] = frozenset(), model_dir: str | None = None
) -> list[Component]:
    """Fresh component instances in pipeline order, without those named in ``skip``."""
    components: list[Component] = [Segmenter(), TechniqueTagger(model_dir)]
    for module_name, class_name in _LATER:
        module = importlib.import_module(module_name)
        components.append(getattr(module, class_name)())
    components.append(Summarizer())
    return [c for c in components if c.name not in skip]
