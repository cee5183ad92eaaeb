"""spaCy's attribute ruler (tag → part of speech, morphology and exceptions), applied with
dictionary lookups instead of spaCy's general ``Matcher``.

The ruler in ``en_core_web_sm`` holds ~180 patterns of one or two tokens, each a few
equality or membership tests on TAG, LOWER, DEP or IS_SPACE. The general matcher tries every
pattern at every token and took about a fifth of the pipeline's time here; indexing the
patterns by the value their first token must have leaves a handful to test per token. The
result is the ruler's own: the same patterns and attributes, matched on the parse as it
stands, then applied in the ruler's order (later patterns win) with spaCy's own setter
(`tests/test_nlp.py` compares every token's attributes with the original ruler's). A
ruler with patterns of other kinds is left in place.
"""

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc
from spacy.tokens._retokenize import set_token_attrs

FACTORY = "indexed_attribute_ruler"

#: Token features the patterns test, read once per token.
_FEATURES = {
    "TAG": lambda t: t.tag_,
    "LOWER": lambda t: t.lower_,
    "DEP": lambda t: t.dep_,
    "IS_SPACE": lambda t: t.is_space,
}
#: First-token tests looked up in a dict, the most selective first.
_INDEXABLE = ("LOWER", "TAG", "DEP", "IS_SPACE")

Test = Callable[[object], bool]


class UnsupportedPattern(ValueError):
    """A pattern uses a feature or operator this index does not handle."""


def _test(value) -> Test:
    if not isinstance(value, dict):
        return lambda v: v == value
    if value.keys() == {"IN"}:
        allowed = frozenset(value["IN"])
        return lambda v: v in allowed
    if value.keys() == {"NOT_IN"}:
        refused = frozenset(value["NOT_IN"])
        return lambda v: v not in refused
    if value.keys() == {"REGEX"}:
        regex = re.compile(value["REGEX"])
        return lambda v: bool(regex.search(v))
    raise UnsupportedPattern(f"operator {sorted(value)}")


def _compile_token(spec: dict) -> list[tuple[str, Test]]:
    unknown = set(spec) - _FEATURES.keys()
    if unknown:
        raise UnsupportedPattern(f"features {sorted(unknown)}")
    return [(feature, _test(value)) for feature, value in spec.items()]


def _index_keys(spec: dict) -> list[tuple[str, object]] | None:
    """The (feature, value) keys under which a first token can be found; None: test always."""
    for feature in _INDEXABLE:
        value = spec.get(feature)
        if isinstance(value, str | bool):
            return [(feature, value)]
        if isinstance(value, dict) and value.keys() == {"IN"}:
            return [(feature, v) for v in value["IN"]]
    return None


@dataclass
class _Rule:
    order: int  # the ruler's pattern number: later rules overwrite earlier ones
    tokens: list[list[tuple[str, Test]]]
    target: int  # which token of a match receives the attributes (0 = its first)


class IndexedAttributeRuler:
    """A pipeline component equivalent to the ``AttributeRuler`` it took its rules from."""

    def __init__(self) -> None:
        self.attrs: list[dict] = []
        self._indexed: dict[tuple[str, object], list[_Rule]] = defaultdict(list)
        self._always: list[_Rule] = []

    def take_rules(self, ruler) -> None:
        """Index the patterns of a loaded ``AttributeRuler``, keeping their order."""
        self.attrs = list(ruler.attrs)
        for order in range(len(self.attrs)):
            _, patterns = ruler.matcher.get(str(order))
            for pattern in patterns:
                if any("OP" in spec for spec in pattern):
                    raise UnsupportedPattern("operators between tokens")
                index = ruler.indices[order]  # may count from the end, as in a Python list
                target = index if index >= 0 else len(pattern) + index
                if not 0 <= target < len(pattern):
                    raise UnsupportedPattern(f"token {index} of a {len(pattern)}-token pattern")
                rule = _Rule(order, [_compile_token(s) for s in pattern], target)
                keys = _index_keys(pattern[0])
                for key in keys or ():
                    self._indexed[key].append(rule)
                if keys is None:
                    self._always.append(rule)

    def __call__(self, doc: Doc) -> Doc:
        rows = [{f: read(t) for f, read in _FEATURES.items()} for t in doc]
        matches: set[tuple[int, int, int]] = set()
        for start, row in enumerate(rows):
            candidates = [r for f in _INDEXABLE for r in self._indexed.get((f, row[f]), ())]
            for rule in candidates + self._always:
                end = start + len(rule.tokens)
                if end <= len(rows) and all(
                    test(rows[start + k][feature])
                    for k, token in enumerate(rule.tokens)
                    for feature, test in token
                ):
                    matches.add((rule.order, start, start + rule.target))
        for order, _, position in sorted(matches):
            set_token_attrs(doc[position], self.attrs[order])
        return doc


# Annotations evaluated now (no ``from __future__ import annotations`` in this module): spaCy
# checks a factory's arguments against them, and before 3.8.8 it cannot resolve string ones.
@Language.factory(FACTORY)
def _make_indexed_ruler(nlp: Language, name: str) -> IndexedAttributeRuler:
    return IndexedAttributeRuler()


def index_attribute_ruler(nlp: Language, name: str = "attribute_ruler") -> bool:
    """Put an ``IndexedAttributeRuler`` with the rules of ``nlp``'s ruler in its place.
    A ruler with patterns the index cannot apply is left as it is (``False``): slower, the
    same analysis."""
    if name not in nlp.pipe_names:
        return False
    indexed = nlp.add_pipe(FACTORY, before=name)
    try:
        indexed.take_rules(nlp.get_pipe(name))
    except UnsupportedPattern:
        nlp.remove_pipe(FACTORY)
        return False
    nlp.remove_pipe(name)
    return True
