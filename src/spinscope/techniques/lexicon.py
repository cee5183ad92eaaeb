"""Word scores learned from labelled articles: how much more often a word sits inside a
technique span than words do on average.

The encoder was fine-tuned on a few hundred articles and blurs what it learned of single
words; a plain count over the same articles keeps it sharp. The span filter reads these
scores as evidence (e.g. "shameful" is inside a span far more often than "said"), never
as a rule: a word list decides nothing on its own.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")

#: Pseudo-occurrences at the corpus rate: a word seen a few times stays near 0.
PRIOR_COUNT = 5.0
#: Words seen fewer times than this in the labelled articles get no score.
MIN_COUNT = 2
N_WORD_FEATURES = 4


def words(text: str) -> list[tuple[int, int, str]]:
    """(start, end, lower-cased word) for every word of ``text``."""
    return [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(text)]


def word_counts(text: str, spans: Sequence[tuple[int, int]]) -> tuple[Counter[str], Counter[str]]:
    """How often each word occurs in ``text``, and how often inside one of ``spans``."""
    inside: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for start, end, word in words(text):
        total[word] += 1
        if any(s < end and start < e for s, e in spans):
            inside[word] += 1
    return inside, total


def word_scores(inside: Counter[str], total: Counter[str]) -> dict[str, float]:
    """Each word's smoothed log-odds of lying inside a span, minus the corpus's."""
    n_total = sum(total.values())
    if not n_total:
        return {}
    rate = min(max(sum(inside.values()) / n_total, 1e-6), 1 - 1e-6)
    base = math.log(rate / (1 - rate))
    scores = {}
    for word, count in total.items():
        if count < MIN_COUNT:
            continue
        smoothed = (inside[word] + PRIOR_COUNT * rate) / (count + PRIOR_COUNT)
        scores[word] = math.log(smoothed / (1 - smoothed)) - base
    return scores


def word_features(fragment: str, scores: Mapping[str, float]) -> list[float]:
    """What the filter sees of a fragment's words: mean and largest score, the sum of the
    positive ones, and how many score above 1 (three times the usual odds)."""
    values = [scores.get(w, 0.0) for _, _, w in words(fragment)] or [0.0]
    return [
        sum(values) / len(values),
        max(values),
        sum(v for v in values if v > 0.0),
        float(sum(v > 1.0 for v in values)),
    ]


def pack(scores: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Arrays for ``np.savez``: the words (sorted) and their scores."""
    ordered = sorted(scores)
    return np.asarray(ordered, dtype=str), np.asarray([scores[w] for w in ordered], np.float32)


def unpack(word_array: Iterable[str], score_array: Iterable[float]) -> dict[str, float]:
    return {str(w): float(s) for w, s in zip(word_array, score_array, strict=True)}
