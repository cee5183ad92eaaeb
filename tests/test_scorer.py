"""The PTC scorers against cases worked out by hand from the SemEval-2020 Task 11 definitions."""

import pytest

from spinscope.training.scorer import (
    full_task,
    merge_intervals,
    span_identification,
    technique_classification,
)


def test_merge_overlapping_only():
    assert merge_intervals([(0, 5), (3, 8), (8, 10), (12, 12)]) == [(0, 8), (8, 10)]


def test_si_perfect_and_disjoint():
    assert span_identification({"a": [(0, 10)]}, {"a": [(0, 10)]}).f1 == 1.0
    assert span_identification({"a": [(0, 10)]}, {"a": [(20, 30)]}).f1 == 0.0


def test_si_partial_overlap_by_hand():
    # pred [0,10) vs gold [5,25): overlap 5 -> P = 5/10 = 0.5, R = 5/20 = 0.25
    result = span_identification({"a": [(0, 10)]}, {"a": [(5, 25)]})
    assert result.p == pytest.approx(0.5)
    assert result.r == pytest.approx(0.25)
    assert result.f1 == pytest.approx(2 * 0.5 * 0.25 / 0.75)


def test_si_merges_before_scoring_and_pools_articles():
    # article a: preds [0,4) and [2,6) merge to [0,6); gold [0,6) -> perfect
    # article b: one gold span [0,10), no prediction -> adds to |T| only
    result = span_identification({"a": [(0, 4), (2, 6)]}, {"a": [(0, 6)], "b": [(0, 10)]})
    assert result.p == pytest.approx(1.0)
    assert result.r == pytest.approx(1 / 2)


def test_si_one_prediction_covering_two_gold_spans():
    # pred [0,20), gold [0,5) and [10,15): P = (5+5)/20 = 0.5 ; R = (1 + 1)/2 = 1
    result = span_identification({"a": [(0, 20)]}, {"a": [(0, 5), (10, 15)]})
    assert (result.p, result.r) == (pytest.approx(0.5), pytest.approx(1.0))


def test_full_task_requires_the_same_technique():
    pred = {"a": [("Doubt", 0, 10), ("Slogans", 20, 30)]}
    gold = {"a": [("Doubt", 0, 10), ("Repetition", 20, 30)]}
    pooled, per = full_task(pred, gold)
    # Doubt: perfect (1 pred, 1 gold). Slogans: 1 pred, 0 gold. Repetition: 0 pred, 1 gold.
    assert pooled.p == pytest.approx(0.5)
    assert pooled.r == pytest.approx(0.5)
    assert per["Doubt"].f1 == 1.0
    assert per["Slogans"].f1 == 0.0


def test_tc_micro_f1_is_accuracy():
    assert technique_classification(["A", "B", "A"], ["A", "A", "A"]) == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        technique_classification(["A"], [])
