"""The shared spaCy pipeline loads without the array back ends it never uses."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

PROBE = """
import sys
from spinscope.components.nlp import load_spacy
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
