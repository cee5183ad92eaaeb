"""PTC evaluation of a technique model: SI, TC, full task, per technique; and the choice of
decoder settings on dev. Runs on whatever produced the encodings (ONNX or PyTorch)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from spinscope.techniques.decode import (
    N_CONFIDENCE_CUES,
    DecoderSettings,
    Encoded,
    SpanFilter,
    SpanHead,
    candidate_spans,
    classify_spans,
    detect,
)
from spinscope.techniques.taxonomy import LABELS
from spinscope.training.ptc import Article
from spinscope.training.scorer import (
    full_task,
    span_identification,
    technique_classification,
)


@dataclass
class EncodedArticle:
    article: Article
    enc: Encoded


def tc_predictions(items: Sequence[EncodedArticle], head: SpanHead) -> tuple[list[str], list[str]]:
    """Predicted and gold technique of every gold span (the TC task)."""
    predicted, gold = [], []
    for item in items:
        spans = item.article.spans
        if not spans:
            continue
        probs = classify_spans(item.article.text, item.enc, head, [(s.start, s.end) for s in spans])
        predicted.extend(LABELS[int(i)] for i in probs.argmax(-1))
        gold.extend(s.technique for s in spans)
    return predicted, gold


def score(
    items: Sequence[EncodedArticle],
    head: SpanHead,
    settings: DecoderSettings,
    span_filter: SpanFilter | None = None,
) -> dict:
    """All PTC figures, in the shape ``spinscope evaluate ptc --json`` prints."""
    pred_si, gold_si, pred_full, gold_full = {}, {}, {}, {}
    for item in items:
        aid = item.article.article_id
        detections = detect(item.article.text, item.enc, head, settings, span_filter)
        pred_si[aid] = [(d.start, d.end) for d in detections]
        gold_si[aid] = [(s.start, s.end) for s in item.article.spans]
        pred_full[aid] = [(d.label, d.start, d.end) for d in detections]
        gold_full[aid] = [(s.technique, s.start, s.end) for s in item.article.spans]
    si = span_identification(pred_si, gold_si)
    full, per_technique = full_task(pred_full, gold_full)
    predicted, gold = tc_predictions(items, head)
    tc = technique_classification(predicted, gold)
    per_tc = {}
    for label in LABELS:
        n_gold = sum(g == label for g in gold)
        n_pred = sum(p == label for p in predicted)
        hit = sum(p == g == label for p, g in zip(predicted, gold, strict=True))
        p = hit / n_pred if n_pred else 0.0
        r = hit / n_gold if n_gold else 0.0
        per_tc[label] = {
            "p": p,
            "r": r,
            "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "support": n_gold,
        }
    table = {
        label: {
            "tc_f1": round(per_tc[label]["f1"], 4),
            "full_f1": round(per_technique[label].f1, 4) if label in per_technique else 0.0,
            "support": per_tc[label]["support"],
        }
        for label in LABELS
    }
    return {
        "si": si.as_dict(),
        "tc": {"micro_f1": round(tc, 4)},
        "full": full.as_dict(),
        "per_technique": table,
    }


def gold_spans(items: Sequence[EncodedArticle]) -> dict[str, list[tuple[int, int]]]:
    """Each article's gold ``(start, end)`` spans by article id: what SI is scored against."""
    return {i.article.article_id: [(s.start, s.end) for s in i.article.spans] for i in items}


def si_f1(items: Sequence[EncodedArticle], settings: DecoderSettings) -> float:
    """SI F1 of the candidate spans alone (what tuning compares; no technique figures)."""
    pred = {}
    for item in items:
        candidates = candidate_spans(item.article.text, item.enc, settings)
        pred[item.article.article_id] = [(c[0], c[1]) for c in candidates]
    return span_identification(pred, gold_spans(items)).f1


def fit_logistic(x: np.ndarray, target: np.ndarray, l2: float = 0.0) -> np.ndarray | None:
    """Logistic regression of ``target`` (0/1) on the columns of ``x`` by Newton's method,
    with an L2 penalty on the weights (not the bias). Returns weights then bias, or ``None``
    when there is too little to fit (few rows, or one class only)."""
    if len(x) < 10 or target.min() == target.max():
        return None
    design = np.concatenate([x, np.ones((len(x), 1))], axis=1).astype(np.float64)
    penalty = np.eye(design.shape[1]) * l2
    penalty[-1, -1] = 0.0
    w = np.zeros(design.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-np.clip(design @ w, -30, 30)))
        gradient = design.T @ (p - target) + penalty @ w
        hessian = (design * (p * (1 - p) + 1e-9)[:, None]).T @ design + penalty
        step = np.linalg.solve(hessian + 1e-6 * np.eye(len(w)), gradient)
        w -= step
        if np.abs(step).max() < 1e-7:
            break
    return w if np.isfinite(w).all() else None


def fit_calibration(cues: np.ndarray, target: np.ndarray, n_cues: int) -> tuple[float, ...]:
    """Logistic calibration on the first ``n_cues`` confidence cues (Platt scaling if 1)."""
    if not len(cues):
        return (1.0, 0.0)
    # A light penalty keeps the weights finite when few detections separate perfectly.
    w = fit_logistic(cues[:, :n_cues], np.asarray(target, np.float64), l2=1.0)
    return (1.0, 0.0) if w is None else tuple(float(v) for v in w)


def calibration_data(
    items: Sequence[EncodedArticle],
    head: SpanHead,
    settings: DecoderSettings,
    span_filter: SpanFilter | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Confidence cues of every detection, and whether a gold span of its technique
    overlaps it (what the confidence estimates)."""
    cues, targets = [], []
    for item in items:
        gold = item.article.spans
        for d in detect(item.article.text, item.enc, head, settings, span_filter):
            cues.append(d.cues)
            targets.append(
                float(
                    any(
                        g.technique == d.label and g.start < d.end and d.start < g.end for g in gold
                    )
                )
            )
    return np.asarray(cues).reshape(-1, N_CONFIDENCE_CUES), np.asarray(targets)


#: Cues the calibration uses without a span filter (the filter's probability is the 4th).
CUES_WITHOUT_FILTER = 3


def tune(items: Sequence[EncodedArticle], head: SpanHead) -> DecoderSettings:
    """Choose the decoder settings on dev: SI threshold, smoothing and gap (coarse grid, then
    a finer one around the best), a second label per span, and the calibration."""
    best = DecoderSettings()
    best_f1 = -1.0
    grid = [
        (float(t), smooth, gap)
        for t in np.arange(0.05, 0.75, 0.05)
        for smooth in (1, 3, 5)
        for gap in (0, 2, 4)
    ]
    for threshold, smooth, gap in grid:
        settings = DecoderSettings(threshold=round(threshold, 3), max_gap=gap, smooth=smooth)
        f1 = si_f1(items, settings)
        if f1 > best_f1:
            best, best_f1 = settings, f1
    for delta in (-0.0375, -0.025, -0.0125, 0.0125, 0.025, 0.0375):
        threshold = round(best.threshold + delta, 4)
        if threshold <= 0:
            continue
        settings = DecoderSettings(threshold=threshold, max_gap=best.max_gap, smooth=best.smooth)
        f1 = si_f1(items, settings)
        if f1 > best_f1:
            best, best_f1 = settings, f1
    best_full = score(items, head, best)["full"]["f1"]
    for ratio in (2.0, 3.0, 5.0):
        trial = DecoderSettings(
            best.threshold, best.max_gap, best.min_chars, ratio, smooth=best.smooth
        )
        full = score(items, head, trial)["full"]["f1"]
        if full > best_full:
            best, best_full = trial, full
    cues, target = calibration_data(items, head, best)
    best.calibration = fit_calibration(cues, target, CUES_WITHOUT_FILTER)
    return best
