"""Scorers with the SemEval-2020 Task 11 definitions, so figures compare with the literature.

* SI: spans merged per article (technique ignored), partial-overlap precision and recall.
* TC: micro-F1 of technique labels predicted for given gold spans.
* full: span *and* technique — the SI measure computed per technique (spans of one
  technique only meet spans of the same technique), pooled over techniques.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

Interval = tuple[int, int]


@dataclass(frozen=True)
class PRF:
    p: float
    r: float
    f1: float

    def as_dict(self) -> dict[str, float]:
        return {"p": round(self.p, 4), "r": round(self.r, 4), "f1": round(self.f1, 4)}


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Union of half-open intervals; overlapping ones (sharing a character) become one."""
    merged: list[list[int]] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _overlap(a: Interval, b: Interval) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


@dataclass
class _Sums:
    precision_sum: float = 0.0
    recall_sum: float = 0.0
    n_pred: int = 0
    n_gold: int = 0

    def add(self, pred: Sequence[Interval], gold: Sequence[Interval]) -> None:
        pred, gold = merge_intervals(pred), merge_intervals(gold)
        self.n_pred += len(pred)
        self.n_gold += len(gold)
        for s in pred:
            for t in gold:
                inter = _overlap(s, t)
                if inter:
                    self.precision_sum += inter / (s[1] - s[0])
                    self.recall_sum += inter / (t[1] - t[0])

    def prf(self) -> PRF:
        p = self.precision_sum / self.n_pred if self.n_pred else 0.0
        r = self.recall_sum / self.n_gold if self.n_gold else 0.0
        return PRF(p, r, 2 * p * r / (p + r) if p + r else 0.0)


def span_identification(
    predicted: Mapping[str, Sequence[Interval]], gold: Mapping[str, Sequence[Interval]]
) -> PRF:
    """SI precision/recall/F1 over all articles named in either mapping."""
    sums = _Sums()
    for article_id in set(predicted) | set(gold):
        sums.add(predicted.get(article_id, ()), gold.get(article_id, ()))
    return sums.prf()


LabelledSpans = Mapping[str, Sequence[tuple[str, int, int]]]


def full_task(predicted: LabelledSpans, gold: LabelledSpans) -> tuple[PRF, dict[str, PRF]]:
    """Span-and-technique score: SI sums per technique, pooled (micro) and per technique."""
    per: dict[str, _Sums] = {}
    for article_id in set(predicted) | set(gold):
        techniques = {t for t, _, _ in predicted.get(article_id, ())} | {
            t for t, _, _ in gold.get(article_id, ())
        }
        for technique in techniques:
            pred = [(s, e) for t, s, e in predicted.get(article_id, ()) if t == technique]
            ref = [(s, e) for t, s, e in gold.get(article_id, ()) if t == technique]
            per.setdefault(technique, _Sums()).add(pred, ref)
    pooled = _Sums()
    for sums in per.values():
        pooled.precision_sum += sums.precision_sum
        pooled.recall_sum += sums.recall_sum
        pooled.n_pred += sums.n_pred
        pooled.n_gold += sums.n_gold
    return pooled.prf(), {t: s.prf() for t, s in sorted(per.items())}


def technique_classification(predicted: Sequence[str], gold: Sequence[str]) -> float:
    """TC micro-F1: with one prediction per gold span it equals accuracy."""
    if len(predicted) != len(gold):
        raise ValueError("one predicted label per gold span is required")
    if not gold:
        return 0.0
    return sum(p == g for p, g in zip(predicted, gold, strict=True)) / len(gold)
