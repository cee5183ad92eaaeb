"""Fitting the span filter: which candidate spans are worth showing.

More than half of the token head's candidate spans touch no technique at all, and each
one costs SI precision. The filter is a logistic regression on ``filter_features``, fitted
on the candidates the exported model produces for the *training* articles (their SI is no
better than dev's, so they are honest examples of its mistakes); the probability a
candidate needs is then chosen on dev, and the confidence calibration re-fitted after it.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence

import numpy as np

from spinscope.techniques.decode import (
    N_CONFIDENCE_CUES,
    DecoderSettings,
    SpanFilter,
    SpanHead,
    filter_features,
    filtered_candidates,
)
from spinscope.training.evaluate import (
    CUES_WITHOUT_FILTER,
    EncodedArticle,
    calibration_data,
    fit_calibration,
    fit_logistic,
    si_f1,
)
from spinscope.training.scorer import merge_intervals

log = logging.getLogger("spinscope.train")

#: Strength of the L2 penalty (on standardised features); chosen on dev among 1, 10, 100, 1000.
L2_PENALTY = 100.0
THRESHOLDS = tuple(round(float(t), 3) for t in np.arange(0.05, 0.61, 0.025))


def filter_examples(
    items: Sequence[EncodedArticle], head: SpanHead, settings: DecoderSettings
) -> tuple[np.ndarray, np.ndarray]:
    """Features of every candidate span, and whether it overlaps any gold span."""
    features, targets = [], []
    for item in items:
        text = item.article.text
        candidates, probs, _ = filtered_candidates(text, item.enc, head, settings)
        if not candidates:
            continue
        features.append(filter_features(text, item.enc, candidates, probs))
        gold = merge_intervals((s.start, s.end) for s in item.article.spans)
        targets.extend(
            float(any(start < g_end and g_start < end for g_start, g_end in gold))
            for start, end, *_ in candidates
        )
    if not features:
        return np.zeros((0, 0), np.float32), np.zeros(0)
    return np.concatenate(features), np.asarray(targets)


def fit_span_filter(
    items: Sequence[EncodedArticle], head: SpanHead, settings: DecoderSettings
) -> SpanFilter | None:
    """The filter fitted on ``items`` (the training articles); ``None`` if too few examples."""
    features, targets = filter_examples(items, head, settings)
    if len(features) == 0:
        return None
    mean = features.mean(0)
    scale = features.std(0) + 1e-6
    fitted = fit_logistic((features - mean) / scale, targets, l2=L2_PENALTY)
    if fitted is None:
        return None
    log.info("span filter: %d candidates, %.3f overlap a technique", len(targets), targets.mean())
    return SpanFilter(
        mean.astype(np.float32),
        scale.astype(np.float32),
        fitted[:-1].astype(np.float32),
        float(fitted[-1]),
    )


def tune_filter(
    items: Sequence[EncodedArticle],
    head: SpanHead,
    settings: DecoderSettings,
    span_filter: SpanFilter,
) -> tuple[DecoderSettings, float]:
    """Choose the filter threshold on dev (SI F1; 0 keeps every candidate) and re-fit the
    calibration on what then remains. Returns the settings and their SI F1."""
    best, best_f1 = settings, si_f1(items, settings)
    for threshold in THRESHOLDS:
        trial = dataclasses.replace(settings, filter_threshold=threshold)
        f1 = si_f1(items, trial, head, span_filter)
        if f1 > best_f1:
            best, best_f1 = trial, f1
    cues, target = calibration_data(items, head, best, span_filter)
    n_cues = N_CONFIDENCE_CUES if best.filter_threshold > 0 else CUES_WITHOUT_FILTER
    best = dataclasses.replace(best, calibration=fit_calibration(cues, target, n_cues))
    return best, best_f1
