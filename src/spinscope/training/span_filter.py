"""Fitting the span filter: which candidate spans are worth showing.

More than half of the token head's candidate spans touch no technique at all, and each
one costs SI precision. The filter is a logistic regression fitted on the candidates the
exported model produces for the *training* articles (their SI is no better than dev's, so
they are honest examples of its mistakes); the probability a candidate needs is then
chosen on dev, and the confidence calibration re-fitted after it.

Beside the candidate's scores, size and place, the filter reads the candidate's mean hidden
state projected onto the main directions of the training candidates' states.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
from collections.abc import Sequence

import numpy as np

from spinscope.techniques.decode import (
    N_CONFIDENCE_CUES,
    DecoderSettings,
    SpanFilter,
    SpanHead,
    StateDirections,
    all_filter_features,
    candidate_states,
    filtered_candidates,
)
from spinscope.training.evaluate import (
    CUES_WITHOUT_FILTER,
    EncodedArticle,
    calibration_data,
    fit_calibration,
    fit_logistic,
    gold_spans,
    score,
    si_f1,
)
from spinscope.training.scorer import merge_intervals, span_identification

log = logging.getLogger("spinscope.train")

#: Strength of the L2 penalty (on standardised features) and the number of hidden-state
#: directions; chosen on dev among 100–1000 and 16–192 (int8 outputs, 2026-11-28, with
#: word scores then also in the filter; see benchmarks/RESULTS.md).
L2_PENALTY = 300.0
STATE_DIRECTIONS = 96
#: Decoders tried under the filter: token thresholds beside the one best without it (a
#: lower one finds more techniques and leaves the filter more to drop), smoothing widths
#: and the gaps a span may bridge.
TOKEN_THRESHOLDS = (0.1, 0.125, 0.15)
SMOOTHING = (1, 3)
MAX_GAPS = (1, 2, 4)
THRESHOLDS = tuple(round(float(t), 3) for t in np.arange(0.05, 0.61, 0.025))

Candidates = list[tuple[int, int, int, int, float]]


def _touches_gold(item: EncodedArticle, candidates: Candidates) -> list[float]:
    gold = merge_intervals((s.start, s.end) for s in item.article.spans)
    return [
        float(any(start < g_end and g_start < end for g_start, g_end in gold))
        for start, end, *_ in candidates
    ]


def _state_directions(
    items: Sequence[EncodedArticle], found: Sequence[tuple[Candidates, np.ndarray]]
) -> StateDirections:
    """Centre and main directions (H, k) of the candidates' mean hidden states."""
    states = np.concatenate(
        [candidate_states(item.enc, c) for item, (c, _) in zip(items, found, strict=True) if c]
    ).astype(np.float64)
    centre = states.mean(0)
    _, _, directions = np.linalg.svd(states - centre, full_matrices=False)
    k = min(STATE_DIRECTIONS, directions.shape[0])
    return StateDirections(centre.astype(np.float32), directions[:k].T.astype(np.float32))


def fit_span_filter(
    items: Sequence[EncodedArticle], head: SpanHead, settings: DecoderSettings
) -> SpanFilter | None:
    """The filter fitted on ``items`` (the training articles); ``None`` if too few examples."""
    found = [filtered_candidates(i.article.text, i.enc, head, settings)[:2] for i in items]
    if not any(c for c, _ in found):
        return None
    directions = _state_directions(items, found)
    features, targets = [], []
    for item, (candidates, probs) in zip(items, found, strict=True):
        if not candidates:
            continue
        text = item.article.text
        features.append(all_filter_features(text, item.enc, candidates, probs, directions))
        targets.extend(_touches_gold(item, candidates))
    x, y = np.concatenate(features), np.asarray(targets)
    mean, scale = x.mean(0), x.std(0) + 1e-6
    fitted = fit_logistic((x - mean) / scale, y, l2=L2_PENALTY)
    if fitted is None:
        return None
    log.info("span filter: %d candidates, %.3f overlap a technique", len(y), y.mean())
    return SpanFilter(
        mean.astype(np.float32),
        scale.astype(np.float32),
        fitted[:-1].astype(np.float32),
        float(fitted[-1]),
        directions,
    )


def _filter_probabilities(
    items: Sequence[EncodedArticle],
    head: SpanHead,
    settings: DecoderSettings,
    span_filter: SpanFilter,
) -> list[tuple[EncodedArticle, Candidates, np.ndarray]]:
    """Each article's candidates with the filter's probability for each: the same for every
    filter threshold, so found and scored once rather than once per threshold."""
    unfiltered = dataclasses.replace(settings, filter_threshold=0.0)
    scored = []
    for item in items:
        text = item.article.text
        candidates, probs, _ = filtered_candidates(text, item.enc, head, unfiltered)
        passed = (
            span_filter.probabilities(span_filter.features(text, item.enc, candidates, probs))
            if candidates
            else np.zeros(0)
        )
        scored.append((item, candidates, passed))
    return scored


def _si_f1_at(
    scored: list[tuple[EncodedArticle, Candidates, np.ndarray]],
    gold: dict[str, list[tuple[int, int]]],
    threshold: float,
) -> float:
    """SI F1 of the candidates whose filter probability reaches ``threshold`` (the rule
    ``filtered_candidates`` applies)."""
    pred = {
        item.article.article_id: [(c[0], c[1]) for c, p in zip(cands, passed, strict=True)
                                  if p >= threshold]
        for item, cands, passed in scored
    }  # fmt: skip
    return span_identification(pred, gold).f1


def tune_filter(
    items: Sequence[EncodedArticle],
    head: SpanHead,
    settings: DecoderSettings,
    span_filter: SpanFilter,
) -> tuple[DecoderSettings, float]:
    """Choose the filter threshold on dev (SI F1; 0 keeps every candidate) and re-fit the
    calibration on what then remains. Returns the settings and their SI F1."""
    best, best_f1 = settings, si_f1(items, settings)
    scored = _filter_probabilities(items, head, settings, span_filter)
    gold = gold_spans(items)
    for threshold in THRESHOLDS:
        f1 = _si_f1_at(scored, gold, threshold)
        if f1 > best_f1:
            best, best_f1 = dataclasses.replace(settings, filter_threshold=threshold), f1
    cues, target = calibration_data(items, head, best, span_filter)
    n_cues = N_CONFIDENCE_CUES if best.filter_threshold > 0 else CUES_WITHOUT_FILTER
    best = dataclasses.replace(best, calibration=fit_calibration(cues, target, n_cues))
    return best, best_f1


def span_measures(
    items: Sequence[EncodedArticle],
    head: SpanHead,
    settings: DecoderSettings,
    span_filter: SpanFilter | None,
) -> float:
    """Dev SI F1 plus full-task F1: SI alone rewards long spans that cover several
    techniques at once; the full task asks that each span and its technique be right."""
    figures = score(items, head, settings, span_filter)
    return figures["si"]["f1"] + figures["full"]["f1"]


def fit_filter_and_thresholds(
    dev: Sequence[EncodedArticle],
    train: Sequence[EncodedArticle],
    head: SpanHead,
    settings: DecoderSettings,
) -> tuple[DecoderSettings, SpanFilter | None]:
    """The decoder (token threshold, smoothing, gap), span filter and filter threshold that
    together give the best ``span_measures`` on dev, the filter fitted on ``train`` for
    each decoder and its threshold chosen for SI; ``settings`` and no filter when no filter
    helps."""
    best_measure, best, best_filter = span_measures(dev, head, settings, None), settings, None
    thresholds = sorted({*TOKEN_THRESHOLDS, settings.threshold})
    for threshold, smooth, gap in itertools.product(thresholds, SMOOTHING, MAX_GAPS):
        trial = dataclasses.replace(
            settings, threshold=threshold, smooth=smooth, max_gap=gap, filter_threshold=0.0
        )
        span_filter = fit_span_filter(train, head, trial)
        if span_filter is None:
            continue
        tuned, si = tune_filter(dev, head, trial, span_filter)
        if tuned.filter_threshold <= 0:
            continue
        measure = span_measures(dev, head, tuned, span_filter)
        log.info(
            "token threshold %.3f, smoothing %d, gap %d under the filter: dev SI F1 %.4f, "
            "SI + full F1 %.4f",
            threshold, smooth, gap, si, measure,
        )  # fmt: skip
        if measure > best_measure:
            best_measure, best, best_filter = measure, tuned, span_filter
    return best, best_filter
