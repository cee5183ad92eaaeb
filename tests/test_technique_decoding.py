"""Windowing and span decoding, independent of any trained weights."""

from __future__ import annotations

import numpy as np
import pytest

from spinscope.techniques.decode import (
    N_EXTRA_FEATURES,
    N_FILTER_FEATURES,
    DecoderSettings,
    Encoded,
    SpanFilter,
    SpanHead,
    calibrated,
    candidate_spans,
    char_to_token_range,
    confidence_cues,
    detect,
    encode,
    extra_features,
    filter_features,
    token_runs,
    trim_edges,
)
from spinscope.techniques.taxonomy import BY_LABEL, LABELS, SEMEVAL2023_TECHNIQUES, TAXONOMY
from spinscope.techniques.windows import TokenizedText, batch_windows, window_starts
from spinscope.training.evaluate import fit_logistic


def test_taxonomy_maps_into_semeval2023():
    assert len(TAXONOMY) == 14
    mapped = {name for t in TAXONOMY for name in t.semeval2023}
    assert mapped <= set(SEMEVAL2023_TECHNIQUES)
    assert len(SEMEVAL2023_TECHNIQUES) == 23
    assert BY_LABEL["Black-and-White_Fallacy"].semeval2023 == ("False_Dilemma-No_Choice",)


@pytest.mark.parametrize("n", [0, 1, 100, 254, 255, 600, 5000])
def test_windows_cover_every_token(n):
    starts = window_starts(n, 254, 192)
    covered = np.zeros(n, dtype=bool)
    for s in starts:
        covered[s : s + 254] = True
    assert covered.all()
    assert all(s + 254 <= max(n, 254) for s in starts)


def test_batch_windows_add_special_tokens():
    ids, mask = batch_windows(np.arange(10, 20), [0, 5], 5, 101, 102)
    assert ids[0].tolist() == [101, 10, 11, 12, 13, 14, 102]
    assert ids[1].tolist() == [101, 15, 16, 17, 18, 19, 102]
    assert mask.sum() == 14


def test_token_runs_bridge_small_gaps():
    scores = np.array([0.9, 0.8, 0.1, 0.7, 0.1, 0.1, 0.9])
    assert token_runs(scores, 0.5, 0) == [(0, 2), (3, 4), (6, 7)]
    assert token_runs(scores, 0.5, 1) == [(0, 4), (6, 7)]


def test_extra_features_see_repetition_and_quotes():
    text = 'They said "never again". Never again, they repeat: never again.'
    start = text.index("never again")
    feats = extra_features(text, start, start + len("never again"))
    assert feats[0] == pytest.approx(np.log1p(2))
    assert feats[2] == 1.0


def _fake_encoded(text: str, scores: list[float]) -> Encoded:
    words = [(m, m + len(w)) for m, w in _words(text)]
    offsets = np.array(words)
    probs = np.zeros((len(words), 1 + len(LABELS)), np.float32)
    probs[:, 0] = scores
    return Encoded(
        TokenizedText(np.arange(len(words)), offsets), probs, np.ones((len(words), 4), np.float32)
    )


def _words(text: str):
    pos = 0
    for word in text.split(" "):
        yield pos, word
        pos += len(word) + 1


def test_detect_spans_index_the_text():
    text = "This is a shameful and disgraceful betrayal of everyone"
    enc = _fake_encoded(text, [0, 0, 0, 0.9, 0.8, 0.9, 0.7, 0, 0])
    head = SpanHead(
        np.zeros((15, 8), np.float32),
        np.zeros(8, np.float32),
        np.zeros((8, 14), np.float32),
        np.eye(14, dtype=np.float32)[0] * 5,
    )
    spans = candidate_spans(text, enc, DecoderSettings(threshold=0.5))
    assert [text[s:e] for s, e, *_ in spans] == ["shameful and disgraceful betrayal"]
    found = detect(text, enc, head, DecoderSettings(threshold=0.5))
    assert len(found) == 1
    assert found[0].label == "Loaded_Language"
    assert 0.0 < found[0].confidence < 1.0
    assert text[found[0].start : found[0].end] == "shameful and disgraceful betrayal"


@pytest.mark.parametrize(
    ("fragment", "kept"),
    [
        ("a total disgrace.", "a total disgrace"),
        ("a total disgrace!\u201d", "a total disgrace"),
        ("\u201c a total disgrace", "a total disgrace"),
        ("\u201ca total disgrace\u201d", "\u201ca total disgrace\u201d"),  # both marks: kept
        ("'hoax' claims,", "'hoax' claims"),
        ("the workers'", "the workers"),
        ("Why?", "Why"),
        ("...", ""),
    ],
)
def test_trim_edges_drops_trailing_punctuation_and_lone_quote_marks(fragment, kept):
    text = f"Before: {fragment} after"
    start, end = trim_edges(text, 8, 8 + len(fragment))
    assert text[start:end] == kept
    assert 8 <= start <= end <= 8 + len(fragment)


def test_candidates_leave_out_a_sentence_end():
    text = "They called it a shameful betrayal. Then"
    enc = _fake_encoded(text, [0, 0, 0, 0, 0.9, 0.9, 0])
    spans = candidate_spans(text, enc, DecoderSettings(threshold=0.5))
    assert [text[s:e] for s, e, *_ in spans] == ["shameful betrayal"]


def test_candidates_stop_at_sentence_ends_but_not_at_abbreviations():
    text = "A shameful betrayal. Mr. Smith lied! The U.S. plan failed"
    enc = _fake_encoded(text, [0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9])
    spans = candidate_spans(text, enc, DecoderSettings(threshold=0.5))
    assert [text[s:e] for s, e, *_ in spans] == [
        "shameful betrayal",
        "Mr. Smith lied",
        "The U.S. plan failed",
    ]


def test_char_to_token_range_and_calibration():
    offsets = np.array([[0, 4], [5, 7], [8, 12]])
    assert char_to_token_range(offsets, 5, 9) == (1, 3)
    assert char_to_token_range(offsets, 4, 5) is None
    half = confidence_cues(0.5, 1.0 - 1e-9)
    assert calibrated(half, (1.0, 0.0)) == pytest.approx(0.5, abs=1e-6)
    strong, weak = confidence_cues(0.9, 0.9), confidence_cues(0.6, 0.9)
    assert calibrated(strong, (2.0, -1.0)) > calibrated(weak, (2.0, -1.0))
    # Two numbers are Platt scaling of logit(score x label probability); more weigh more cues.
    platt = 1 / (1 + np.exp(-(2.0 * np.log(0.54 / 0.46) - 1.0)))
    assert calibrated(confidence_cues(0.6, 0.9), (2.0, -1.0)) == pytest.approx(platt)
    filtered = confidence_cues(0.6, 0.9, filter_prob=0.9)
    assert calibrated(filtered, (0, 0, 0, 1.0, 0.0)) == pytest.approx(0.9)


def test_encode_averages_overlapping_windows():
    class Tok:
        def encode(self, text, add_special_tokens=False):
            class E:
                ids = list(range(len(text.split())))
                offsets = [(i * 2, i * 2 + 1) for i in range(len(text.split()))]

            return E()

    calls = []

    def runner(ids, mask):
        calls.append(ids.shape)
        probs = np.ones(ids.shape + (15,), np.float32)
        return probs, np.ones(ids.shape + (4,), np.float32)

    enc = encode("a " * 300, Tok(), runner, 101, 102, batch_size=8, window=254, stride=192)
    assert len(enc.tokens) == 300
    assert np.allclose(enc.probs, 1.0)
    assert calls and calls[0][0] == 2


def test_span_filter_drops_what_it_doubts_and_keeps_offsets():
    """Two candidates; a filter that trusts only long ones keeps the long one, as is."""
    text = "A shameful betrayal . and then some plain words follow here before a disgrace"
    words = text.split()
    scores = [0.0] * len(words)
    scores[1] = scores[2] = 0.9  # "shameful betrayal"
    scores[-1] = 0.9  # "disgrace"
    enc = _fake_encoded(text, scores)
    head = SpanHead(
        np.zeros((15, 8), np.float32),
        np.zeros(8, np.float32),
        np.zeros((8, 14), np.float32),
        np.eye(14, dtype=np.float32)[0] * 5,
    )
    settings = DecoderSettings(threshold=0.5, filter_threshold=0.5)
    candidates = candidate_spans(text, enc, settings)
    assert [text[s:e] for s, e, *_ in candidates] == ["shameful betrayal", "disgrace"]
    probs = np.full((2, 14), 1 / 14, np.float32)
    features = filter_features(text, enc, candidates, probs)
    assert features.shape == (2, N_FILTER_FEATURES)
    length = N_EXTRA_FEATURES + 3  # log1p(tokens): 2 tokens vs 1
    weights = np.zeros(N_FILTER_FEATURES, np.float32)
    weights[length] = 20.0
    span_filter = SpanFilter(
        np.zeros(N_FILTER_FEATURES, np.float32),
        np.ones(N_FILTER_FEATURES, np.float32),
        weights,
        -20.0 * float(np.log1p(1.5)),
    )
    found = detect(text, enc, head, settings, span_filter)
    assert [text[d.start : d.end] for d in found] == ["shameful betrayal"]
    unfiltered = detect(text, enc, head, DecoderSettings(threshold=0.5), span_filter)
    assert len(unfiltered) == 2  # threshold 0 keeps every candidate
    assert DecoderSettings.from_dict(settings.to_dict()) == settings


def test_fit_logistic_separates_and_refuses_one_class():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2))
    y = (x[:, 0] - 0.5 * x[:, 1] > 0).astype(float)
    w = fit_logistic(x, y, l2=1.0)
    assert w is not None and w[0] > 0 > w[1] and abs(w[0]) > abs(w[1])
    assert fit_logistic(x, np.ones(400)) is None
    assert fit_logistic(x[:5], y[:5]) is None
