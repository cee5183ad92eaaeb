"""From window outputs to technique spans: the model-agnostic half of detection.

A *runner* (ONNX Runtime in the product, PyTorch during training) maps windows of token
ids to per-token probabilities (column 0: any technique; 1..14: each technique) and hidden
states. Everything after that — averaging overlapping windows, cutting spans, labelling
them with the span head, calibrating confidence — lives here so training selects exactly
what the product runs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from tokenizers import Tokenizer

from spinscope.techniques.taxonomy import LABELS
from spinscope.techniques.windows import (
    STRIDE_TOKENS,
    WINDOW_TOKENS,
    TokenizedText,
    batch_windows,
    tokenize,
    window_starts,
)
from spinscope.textspans import line_spans, sentence_pieces

#: (input_ids, attention_mask) -> (token probabilities [B, L, 15], hidden states [B, L, H])
Runner = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

N_EXTRA_FEATURES = 3
_OPENING_QUOTES = "\"'“‘«„"
_CLOSING_QUOTES = "\"'”’»"
_QUOTE_MARKS = frozenset(_OPENING_QUOTES + _CLOSING_QUOTES)
_SPACE = re.compile(r"\s+")


@dataclass
class Encoded:
    """Per-token outputs for a whole text, overlapping windows averaged."""

    tokens: TokenizedText
    probs: np.ndarray  # (n, 15)
    hidden: np.ndarray  # (n, H)


@dataclass
class Detection:
    start: int
    end: int
    label: str
    score: float  # raw span score (mean 'any technique' probability)
    confidence: float  # calibrated probability that the labelled span is right
    label_probs: dict[str, float] = field(default_factory=dict)
    cues: tuple[float, ...] = ()  # ``confidence_cues`` the confidence was computed from


def encode(
    text: str,
    tokenizer: Tokenizer,
    runner: Runner,
    cls_id: int,
    sep_id: int,
    batch_size: int = 8,
    window: int = WINDOW_TOKENS,
    stride: int = STRIDE_TOKENS,
) -> Encoded:
    """Run the model over the whole text in overlapping windows; average the overlaps."""
    tokens = tokenize(tokenizer, text)
    n = len(tokens)
    if n == 0:
        return Encoded(
            tokens, np.zeros((0, 1 + len(LABELS)), np.float32), np.zeros((0, 1), np.float32)
        )
    starts = window_starts(n, window, stride)
    probs_sum: np.ndarray | None = None
    hidden_sum: np.ndarray | None = None
    counts = np.zeros(n, dtype=np.float32)
    for b in range(0, len(starts), batch_size):
        chunk = starts[b : b + batch_size]
        ids, mask = batch_windows(tokens.ids, chunk, window, cls_id, sep_id)
        probs, hidden = runner(ids, mask)
        if probs_sum is None:
            probs_sum = np.zeros((n, probs.shape[-1]), np.float32)
            hidden_sum = np.zeros((n, hidden.shape[-1]), np.float32)
        for row, start in enumerate(chunk):
            length = min(window, n - start)
            probs_sum[start : start + length] += probs[row, 1 : 1 + length]
            hidden_sum[start : start + length] += hidden[row, 1 : 1 + length]
            counts[start : start + length] += 1
    assert probs_sum is not None and hidden_sum is not None
    return Encoded(tokens, probs_sum / counts[:, None], hidden_sum / counts[:, None])


def extra_features(text: str, start: int, end: int, lowered: str | None = None) -> np.ndarray:
    """Cues a window-bound encoder cannot see: repeats elsewhere, length, quote marks."""
    lowered = lowered if lowered is not None else text.lower()
    fragment = _SPACE.sub(" ", text[start:end].lower()).strip()
    repeats = lowered.count(fragment) - 1 if len(fragment) >= 3 else 0
    words = len(fragment.split())
    quoted = float(
        (start > 0 and text[start - 1] in _QUOTE_MARKS)
        or (end < len(text) and text[end] in _QUOTE_MARKS)
    )
    return np.asarray([math.log1p(max(repeats, 0)), math.log1p(words) / 3.0, quoted], np.float32)


def span_vector(hidden: np.ndarray, tok_start: int, tok_end: int, extra: np.ndarray) -> np.ndarray:
    """Span representation fed to the span head: mean, first and last token states + cues."""
    states = hidden[tok_start:tok_end]
    return np.concatenate([states.mean(0), states[0], states[-1], extra]).astype(np.float32)


@dataclass
class SpanHead:
    """A two-layer perceptron over span vectors, run in NumPy (weights from training)."""

    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        hidden = np.maximum(vectors @ self.w1 + self.b1, 0.0)
        logits = hidden @ self.w2 + self.b2
        logits -= logits.max(axis=-1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=-1, keepdims=True)


def char_to_token_range(offsets: np.ndarray, start: int, end: int) -> tuple[int, int] | None:
    """Tokens overlapping the characters ``[start, end)``; ``None`` if there are none."""
    hits = np.nonzero((offsets[:, 0] < end) & (offsets[:, 1] > start))[0]
    if len(hits) == 0:
        return None
    return int(hits[0]), int(hits[-1]) + 1


def _expand_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return start, end


_TRAILING = " \t.,;:!?"


def trim_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop what PTC's annotators leave out of a fragment and a token run drags in: trailing
    sentence punctuation (1% of gold spans end in it, 30% of untrimmed detections did) and a
    quotation mark whose partner lies outside the span."""
    while end > start and text[end - 1] in _TRAILING:
        end -= 1
    starts_with_mark = end > start and text[start] in _OPENING_QUOTES
    if starts_with_mark and not any(ch in _CLOSING_QUOTES for ch in text[start + 1 : end]):
        start += 1
        while start < end and text[start].isspace():
            start += 1
    ends_with_mark = end > start and text[end - 1] in _CLOSING_QUOTES
    if ends_with_mark and not any(ch in _OPENING_QUOTES for ch in text[start : end - 1]):
        end -= 1
        while end > start and text[end - 1] in _TRAILING:
            end -= 1
    return start, end


def token_runs(scores: np.ndarray, threshold: float, max_gap: int) -> list[tuple[int, int]]:
    """Maximal runs of tokens scoring >= threshold, bridging gaps of up to ``max_gap``."""
    runs: list[list[int]] = []
    for i in np.nonzero(scores >= threshold)[0]:
        i = int(i)
        if runs and i - runs[-1][1] <= max_gap:
            runs[-1][1] = i + 1
        else:
            runs.append([i, i + 1])
    return [(a, b) for a, b in runs]


@dataclass
class DecoderSettings:
    threshold: float = 0.5  # on the 'any technique' probability
    max_gap: int = 1
    min_chars: int = 2
    second_label_ratio: float = 1.01  # >1 disables a second label per span
    # Weights on the first len-1 ``confidence_cues`` and a bias: (a, b) is Platt scaling.
    calibration: tuple[float, ...] = (1.0, 0.0)
    smooth: int = 1  # moving-average width over token scores before thresholding (odd)
    filter_threshold: float = 0.0  # span filter probability a candidate needs (0: keep all)

    def to_dict(self) -> dict:
        return {
            "threshold": self.threshold,
            "filter_threshold": self.filter_threshold,
            "smooth": self.smooth,
            "max_gap": self.max_gap,
            "min_chars": self.min_chars,
            "second_label_ratio": self.second_label_ratio,
            "calibration": list(self.calibration),
        }

    @classmethod
    def from_dict(cls, data: dict) -> DecoderSettings:
        return cls(
            threshold=float(data.get("threshold", 0.5)),
            max_gap=int(data.get("max_gap", 1)),
            min_chars=int(data.get("min_chars", 2)),
            second_label_ratio=float(data.get("second_label_ratio", 1.01)),
            calibration=tuple(data.get("calibration", (1.0, 0.0))),  # type: ignore[arg-type]
            smooth=int(data.get("smooth", 1)),
            filter_threshold=float(data.get("filter_threshold", 0.0)),
        )


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


N_CONFIDENCE_CUES = 4


def confidence_cues(score: float, label_prob: float, filter_prob: float = 1.0) -> np.ndarray:
    """Logits of what the confidence is fitted on, most telling first: the span score times
    the label's probability, the label's probability, the span score, the span filter's
    probability (1 without a filter)."""
    return np.asarray([_logit(score * label_prob), _logit(label_prob), _logit(score),
                       _logit(filter_prob)])  # fmt: skip


def calibrated(cues: np.ndarray, calibration: Sequence[float]) -> float:
    """Logistic calibration on the first ``len(calibration) - 1`` cues."""
    weights = np.asarray(calibration[:-1], dtype=np.float64)
    z = float(cues[: len(weights)] @ weights) + calibration[-1]
    return 1.0 / (1.0 + math.exp(-min(max(z, -30.0), 30.0)))


def smoothed(scores: np.ndarray, width: int) -> np.ndarray:
    """Moving average over ``width`` tokens (edges padded): isolated spikes fade, runs hold."""
    if width <= 1 or len(scores) == 0:
        return scores
    padded = np.pad(scores, width // 2, mode="edge")
    return np.convolve(padded, np.ones(width) / width, mode="valid")[: len(scores)]


def candidate_spans(
    text: str, enc: Encoded, settings: DecoderSettings
) -> list[tuple[int, int, int, int, float]]:
    """(char_start, char_end, tok_start, tok_end, score) of spans from the 'any' column,
    cut at line breaks and sentence ends so that each is scored, labelled and shown as
    evidence within one sentence."""
    if len(enc.tokens) == 0:
        return []
    offsets = enc.tokens.offsets
    scores = smoothed(enc.probs[:, 0], settings.smooth)
    out = []
    for a, b in token_runs(scores, settings.threshold, settings.max_gap):
        start, end = _expand_to_words(text, int(offsets[a][0]), int(offsets[b - 1][1]))
        pieces = [p for line in line_spans(text, start, end) for p in sentence_pieces(text, *line)]
        for sentence_start, sentence_end in pieces:
            piece_start, piece_end = trim_edges(text, sentence_start, sentence_end)
            if piece_end - piece_start < settings.min_chars:
                continue
            rng = char_to_token_range(offsets, piece_start, piece_end)
            if rng is None:
                continue
            piece_score = float(scores[rng[0] : rng[1]].mean())
            out.append((piece_start, piece_end, rng[0], rng[1], piece_score))
    return out


def classify_spans(
    text: str, enc: Encoded, head: SpanHead, spans: Sequence[tuple[int, int]]
) -> np.ndarray:
    """Technique probabilities (len(spans), 14) for given character spans."""
    if not spans:
        return np.zeros((0, len(LABELS)), np.float32)
    lowered = text.lower()
    vectors = []
    for start, end in spans:
        rng = char_to_token_range(enc.tokens.offsets, start, end) if len(enc.tokens) else None
        if rng is None:
            vectors.append(np.zeros(head.w1.shape[0], np.float32))
            continue
        vectors.append(
            span_vector(enc.hidden, rng[0], rng[1], extra_features(text, start, end, lowered))
        )
    return head.probabilities(np.stack(vectors))


N_FILTER_FEATURES = N_EXTRA_FEATURES + 11 + len(LABELS)  # before any hidden-state ones


def filter_features(
    text: str,
    enc: Encoded,
    candidates: Sequence[tuple[int, int, int, int, float]],
    label_probs: np.ndarray,
) -> np.ndarray:
    """What every span filter sees of each candidate (n, N_FILTER_FEATURES): how strong and
    how even its token scores are, its size and place in its line and in the text, how
    crowded the text is with candidates, the text cues and the span head's probabilities."""
    if not candidates:
        return np.zeros((0, N_FILTER_FEATURES), np.float32)
    lowered = text.lower()
    density = len(candidates) / max(1.0, len(text) / 1000)
    rows = []
    for (start, end, tok_start, tok_end, score), probs in zip(candidates, label_probs, strict=True):
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end
        any_scores = enc.probs[tok_start:tok_end, 0]
        rows.append(
            np.concatenate(
                [
                    extra_features(text, start, end, lowered),
                    [
                        score,
                        any_scores.max(),
                        any_scores.min(),
                        math.log1p(tok_end - tok_start),
                        math.log1p(end - start),
                        start / len(text),
                        (end - start) / max(1, line_end - line_start),
                        float(start == line_start),
                        float(end >= line_end - 1),
                        enc.probs[tok_start:tok_end, 1:].max(),
                        density,
                    ],
                    probs,
                ]
            )
        )
    return np.asarray(rows, np.float32)


def candidate_states(
    enc: Encoded, candidates: Sequence[tuple[int, int, int, int, float]]
) -> np.ndarray:
    """The mean hidden state of each candidate's tokens (n, H)."""
    return np.stack([enc.hidden[a:b].mean(0) for _, _, a, b, _ in candidates])


@dataclass
class StateDirections:
    """The richer filter's extra evidence: the candidate's mean hidden state, centred and
    projected onto the main directions of the training candidates' states."""

    centre: np.ndarray  # (H,)
    projection: np.ndarray  # (H, k)

    def features(
        self, enc: Encoded, candidates: Sequence[tuple[int, int, int, int, float]]
    ) -> np.ndarray:
        """(n, k) for the candidates."""
        return (candidate_states(enc, candidates) - self.centre) @ self.projection


def all_filter_features(
    text: str,
    enc: Encoded,
    candidates: Sequence[tuple[int, int, int, int, float]],
    label_probs: np.ndarray,
    extra: StateDirections | None,
) -> np.ndarray:
    """``filter_features``, followed by the hidden-state ones when there are any."""
    base = filter_features(text, enc, candidates, label_probs)
    if extra is None or not candidates:
        return base
    return np.concatenate([base, extra.features(enc, candidates)], axis=1).astype(np.float32)


@dataclass
class SpanFilter:
    """Logistic regression on ``all_filter_features``: the probability that a candidate span
    overlaps a technique at all. Drops the isolated weak candidates that cost SI precision."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    extra: StateDirections | None = None  # filters fitted before 2026-11-28 have none

    def features(
        self,
        text: str,
        enc: Encoded,
        candidates: Sequence[tuple[int, int, int, int, float]],
        label_probs: np.ndarray,
    ) -> np.ndarray:
        return all_filter_features(text, enc, candidates, label_probs, self.extra)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        z = ((features - self.mean) / self.scale) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))

    def save(self, path) -> None:
        arrays = {"mean": self.mean, "scale": self.scale, "weights": self.weights}
        if self.extra is not None:
            arrays |= {"centre": self.extra.centre, "projection": self.extra.projection}
        np.savez_compressed(path, bias=self.bias, **arrays)

    @classmethod
    def load(cls, path) -> SpanFilter:
        data = np.load(path)
        extra = None
        if "projection" in data:
            extra = StateDirections(data["centre"], data["projection"])
        return cls(data["mean"], data["scale"], data["weights"], float(data["bias"]), extra)


def filtered_candidates(
    text: str,
    enc: Encoded,
    head: SpanHead,
    settings: DecoderSettings,
    span_filter: SpanFilter | None = None,
) -> tuple[list[tuple[int, int, int, int, float]], np.ndarray, np.ndarray]:
    """Candidate spans that pass the span filter, with their technique probabilities and
    the filter's probability (1 where there is no filter)."""
    candidates = candidate_spans(text, enc, settings)
    probs = classify_spans(text, enc, head, [(c[0], c[1]) for c in candidates])
    if span_filter is None or settings.filter_threshold <= 0 or not candidates:
        return candidates, probs, np.ones(len(candidates))
    passed = span_filter.probabilities(span_filter.features(text, enc, candidates, probs))
    keep = passed >= settings.filter_threshold
    return [c for c, k in zip(candidates, keep, strict=True) if k], probs[keep], passed[keep]


def detect(
    text: str,
    enc: Encoded,
    head: SpanHead,
    settings: DecoderSettings,
    span_filter: SpanFilter | None = None,
) -> list[Detection]:
    """Technique spans in ``text``: SI spans from the token scores (kept if the span filter
    passes them), labelled by the span head."""
    candidates, probs, passed = filtered_candidates(text, enc, head, settings, span_filter)
    detections = []
    for (start, end, _a, _b, score), row, filter_prob in zip(
        candidates, probs, passed, strict=True
    ):
        order = np.argsort(-row)
        label_probs = {LABELS[i]: round(float(row[i]), 4) for i in order[:3]}
        best = order[0]
        chosen = [best]
        if row[order[1]] * settings.second_label_ratio >= row[best]:
            chosen.append(order[1])
        for idx in chosen:
            cues = confidence_cues(score, float(row[idx]), float(filter_prob))
            detections.append(
                Detection(
                    start, end, LABELS[idx], round(score, 4),
                    round(calibrated(cues, settings.calibration), 4), label_probs,
                    tuple(float(c) for c in cues),
                )
            )  # fmt: skip
    return detections
