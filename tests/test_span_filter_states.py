"""The span filter's hidden-state directions and decoder choice (no trained weights needed)."""

from __future__ import annotations

import numpy as np
import pytest

from spinscope.techniques.decode import (
    N_FILTER_FEATURES,
    DecoderSettings,
    Encoded,
    SpanFilter,
    SpanHead,
    candidate_spans,
    classify_spans,
    detect,
)
from spinscope.techniques.taxonomy import LABELS
from spinscope.techniques.windows import TokenizedText
from spinscope.training.evaluate import EncodedArticle
from spinscope.training.ptc import Article, GoldSpan
from spinscope.training.span_filter import (
    TOKEN_THRESHOLDS,
    fit_filter_and_thresholds,
    fit_span_filter,
)


def _article(i: int, text: str, phrase: str) -> Article:
    start = text.index(phrase)
    return Article(str(i), text, [GoldSpan("Loaded_Language", start, start + len(phrase))])


def _encoded(text: str, scores: list[float], hidden: np.ndarray) -> Encoded:
    pos, offsets = 0, []
    for word in text.split(" "):
        offsets.append((pos, pos + len(word)))
        pos += len(word) + 1
    probs = np.zeros((len(offsets), 1 + len(LABELS)), np.float32)
    probs[:, 0] = scores
    return Encoded(TokenizedText(np.arange(len(offsets)), np.array(offsets)), probs, hidden)


_TEXT = "the vile traitors lied again and the council met on monday"
_HEAD = SpanHead(
    np.zeros((3 * 4 + 3, 8), np.float32),
    np.zeros(8, np.float32),
    np.zeros((8, 14), np.float32),
    np.zeros(14, np.float32),
)


def _items(gold_score: float, other_score: float) -> list[EncodedArticle]:
    """Twelve articles: "vile traitors" is the technique, "council met" is not; the gold
    span's hidden states stand out along one direction."""
    rng = np.random.default_rng(0)
    scores = [0, gold_score, gold_score, 0, 0, 0, 0, other_score, other_score, 0, 0]
    items = []
    for i in range(12):
        hidden = rng.normal(size=(11, 4)).astype(np.float32)
        hidden[1:3, 0] += 3.0
        encoded = _encoded(_TEXT, scores, hidden)
        items.append(EncodedArticle(_article(i, _TEXT, "vile traitors"), encoded))
    return items


def test_fitted_filter_reads_hidden_states_and_survives_a_round_trip(tmp_path):
    head, settings, items = _HEAD, DecoderSettings(threshold=0.5), _items(0.9, 0.9)
    span_filter = fit_span_filter(items, head, settings)
    assert span_filter is not None and span_filter.extra is not None
    assert span_filter.extra.projection.shape == (4, 4)
    text, enc = items[0].article.text, items[0].enc
    candidates = candidate_spans(text, enc, settings)
    assert [text[s:e] for s, e, *_ in candidates] == ["vile traitors", "council met"]
    probs = classify_spans(text, enc, head, [(c[0], c[1]) for c in candidates])
    features = span_filter.features(text, enc, candidates, probs)
    assert features.shape == (2, N_FILTER_FEATURES + 4)
    kept = span_filter.probabilities(features)
    assert kept[0] > 0.5 > kept[1]
    path = tmp_path / "span_filter.npz"
    span_filter.save(path)
    loaded = SpanFilter.load(path)
    assert loaded.extra is not None
    np.testing.assert_array_equal(loaded.extra.projection, span_filter.extra.projection)
    np.testing.assert_allclose(
        loaded.probabilities(loaded.features(text, enc, candidates, probs)), kept, rtol=1e-5
    )


def test_a_filter_without_state_directions_still_loads(tmp_path):
    """Filters saved before they read hidden states keep working."""
    path = tmp_path / "old.npz"
    np.savez(path, mean=np.zeros(N_FILTER_FEATURES), scale=np.ones(N_FILTER_FEATURES),
             weights=np.zeros(N_FILTER_FEATURES), bias=0.0)  # fmt: skip
    loaded = SpanFilter.load(path)
    assert loaded.extra is None
    assert loaded.probabilities(np.zeros((1, N_FILTER_FEATURES))) == pytest.approx([0.5])


def test_thresholds_are_chosen_with_the_filter():
    """The technique scores only 0.12: the token threshold best without a filter misses it;
    under the filter a lower one finds it, and the filter drops the false candidate."""
    items = _items(0.12, 0.9)
    settings = DecoderSettings(threshold=0.175)
    chosen, span_filter = fit_filter_and_thresholds(items, items, _HEAD, settings)
    assert span_filter is not None
    assert chosen.threshold in TOKEN_THRESHOLDS and chosen.filter_threshold > 0
    text, enc = items[0].article.text, items[0].enc
    found = detect(text, enc, _HEAD, chosen, span_filter)
    assert {text[d.start : d.end] for d in found} == {"vile traitors"}  # two labels tie
    # Nothing to gain from a filter: the settings stay, and no filter is returned.
    plain = _items(0.9, 0.0)
    assert fit_filter_and_thresholds(plain, plain, _HEAD, DecoderSettings(threshold=0.5)) == (
        DecoderSettings(threshold=0.5),
        None,
    )
