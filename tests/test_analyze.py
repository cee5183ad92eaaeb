"""Full analysis with the shipped technique model, end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import jsonschema
import numpy as np
import pytest
from conftest import MODEL_DIR, REPO, SAMPLE, assert_spans_consistent

from spinscope import Analyzer, analyze
from spinscope.components.nlp import MAX_TEXT_CHARS
from spinscope.errors import InputError
from spinscope.techniques.detector import load_detector
from spinscope.techniques.taxonomy import LABELS

SCHEMA = json.loads((REPO / "docs" / "document.schema.json").read_text())


@pytest.fixture(scope="module")
def sample_doc():
    return analyze(SAMPLE)


def test_model_ships_small_and_complete():
    files = {p.name: p.stat().st_size for p in MODEL_DIR.iterdir()}
    assert {"model.onnx", "span_head.npz", "tokenizer.json", "config.json", "MODEL_CARD.md"} <= set(
        files
    )
    assert sum(files.values()) < 40 * 1024 * 1024


def test_sample_document_is_valid_and_consistent(sample_doc):
    data = sample_doc.to_dict()
    jsonschema.validate(data, SCHEMA)
    assert_spans_consistent(data)
    assert data["layers"]["sentences"]
    assert data["metadata"]["outlet"] == "Sputnik International"


def test_techniques_carry_evidence(sample_doc):
    spans = sample_doc.layers["techniques"]
    assert spans, "the sample is opinionated enough for at least one technique span"
    for span in spans:
        assert span.label in LABELS
        assert 0.0 <= span.attrs["confidence"] <= 1.0
        assert span.attrs["name"] and span.attrs["definition"]
        assert span.attrs["semeval2023"]
        sentence = span.attrs.get("sentence")
        assert sentence is None or sentence["start"] <= span.start < sentence["end"]
    summary = sample_doc.summary["techniques"]
    assert summary["technique_spans"] == len(spans)
    assert 0 < summary["share_of_sentences_with_technique"] <= 1
    assert sum(c["count"] for c in summary["counts"].values()) == len(spans)
    assert summary["strongest"]


def test_long_article_is_read_to_the_end():
    filler = "The committee met again on Tuesday to discuss the budget in detail. " * 120
    tail = "This disgraceful, shameful and treacherous betrayal must be stopped at once!"
    doc = analyze(filler + "\n\n" + tail + " " + tail)
    assert len(doc.text) > 8000
    assert any(span.start >= len(filler) for span in doc.layers["techniques"])


def test_other_languages_skip_techniques_with_a_warning():
    text = (
        "Die Bundesregierung hat am Mittwoch einen neuen Haushaltsentwurf vorgelegt. "
        "Der Finanzminister sagte, die Ausgaben würden im kommenden Jahr deutlich sinken.\n\n"
        "Die Opposition kritisierte den Plan scharf und kündigte Widerstand im Bundestag an."
    )
    doc = analyze(text)
    assert doc.metadata["language"] == "de"
    assert doc.layers["techniques"] == []
    assert any("techniques" in w for w in doc.warnings)


def test_models_load_once_for_many_inputs():
    load_detector.cache_clear()
    analyzer = Analyzer()
    for text in ("A first short article about taxes.", "A second one, about roads and bridges."):
        analyzer.analyze(text)
    assert load_detector.cache_info().misses == 1


def test_batched_analysis_equals_one_at_a_time(tmp_path):
    """analyze_many (batched spaCy, background encoder) gives the same documents, in input
    order, and a bad input in the middle is reported without stopping the others."""
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    german = (
        "Die Regierung hat am Mittwoch einen neuen Haushaltsentwurf vorgelegt. Der Minister "
        "sagte, die Ausgaben würden im kommenden Jahr deutlich sinken."
    )
    sources = [
        SAMPLE,
        "The senator said the shameful plan was a betrayal of every hard-working family.",
        empty,
        german,
        "Officials warned that the reckless policy would destroy the economy.",
    ]
    analyzer = Analyzer()
    results = list(analyzer.analyze_many(sources, batch_size=2))
    assert [source for source, _ in results] == sources
    assert isinstance(results[2][1], Exception) and "empty" in str(results[2][1]).lower()
    for source, batched in results:
        if isinstance(batched, Exception):
            continue
        single = analyzer.analyze(source).to_dict()
        assert batched.to_dict() == single
        assert_spans_consistent(single)
    assert results[0][1].layers["techniques"]


class _PrepareRecorder:
    """A component that only records which texts reach the batch ``prepare`` hook."""

    name = "recorder"

    def __init__(self) -> None:
        self.prepared: list[int] = []

    def prepare(self, docs) -> None:
        self.prepared.extend(len(d.text) for d in docs)

    def __call__(self, doc) -> None:
        pass


def test_a_text_longer_than_the_parser_takes_is_refused_before_any_model_starts():
    recorder = _PrepareRecorder()
    analyzer = Analyzer(components=[recorder], clean=False)
    short = "A short article about taxes and roads in the city. It was approved."
    too_long = "x " * (MAX_TEXT_CHARS // 2 + 1)
    results = list(analyzer.analyze_many([short, too_long], batch_size=2))
    assert isinstance(results[1][1], InputError)
    assert "at most 1,000,000" in str(results[1][1])
    assert recorder.prepared == [len(short)]  # the encoder never saw the long one
    assert results[0][1].text == short  # the rest of its batch is analysed
    with pytest.raises(InputError, match="split it into articles"):
        analyzer.analyze(too_long)
    assert Analyzer(components=[]).extract(too_long).text  # extraction alone still works


def test_cli_analyze_json_and_ptc(tmp_path):
    out = tmp_path / "doc.json"
    result = subprocess.run(
        [sys.executable, "-m", "spinscope.cli", "analyze", str(SAMPLE), "-o", str(out)],
        capture_output=True,
        timeout=300,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr.decode()
    jsonschema.validate(json.loads(out.read_text()), SCHEMA)
    article = tmp_path / "article123.txt"
    article.write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "spinscope.cli",
            "analyze",
            str(article),
            "--no-clean",
            "--format",
            "ptc",
        ],
        capture_output=True,
        timeout=300,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr.decode()
    text = article.read_text(encoding="utf-8")
    lines = result.stdout.decode().splitlines()
    assert lines
    for line in lines:
        aid, label, start, end = line.split("\t")
        assert aid == "123" and label in LABELS
        assert 0 <= int(start) < int(end) <= len(text)


def test_one_thread_encoding_gives_the_same_numbers():
    """analyze_many encodes on a single-threaded session, several articles at once; its
    outputs must be the very numbers the default session gives, so batched and
    one-at-a-time agree."""
    detector = load_detector()
    text = SAMPLE.read_text(encoding="utf-8")
    default, one_thread = detector.encode(text), detector.encode(text, one_thread=True)
    assert len(default.tokens) > 254  # several windows
    assert np.array_equal(default.probs, one_thread.probs)
    assert np.array_equal(default.hidden, one_thread.hidden)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="threads have own priorities")
def test_encoder_threads_run_below_the_main_thread():
    """The encoder's background threads yield the cores to the main thread (spaCy and the
    components): they run at a higher nice value than the thread that made them."""
    from spinscope.components.techniques import _encoder_threads
    from spinscope.threads import BACKGROUND_NICENESS

    def niceness() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    main = niceness()
    background = _encoder_threads().submit(niceness).result()
    assert background == min(19, main + BACKGROUND_NICENESS)
    assert niceness() == main  # the calling thread keeps its priority
