"""Shared fixtures: paths to the bundled sample and the read-only shared data."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SAMPLE = REPO / "examples" / "sputnik-nato-2023-11-30.txt"
MODEL_DIR = REPO / "src" / "spinscope" / "models" / "techniques"


def assert_spans_consistent(doc: dict) -> None:
    """Every span's text is exactly the slice of the text it indexes."""
    for layer, spans in doc["layers"].items():
        base = doc["source_text"] if layer == "blocks" else doc["text"]
        for span in spans:
            assert 0 <= span["start"] <= span["end"] <= len(base), (layer, span)
            assert base[span["start"] : span["end"]] == span["text"], (layer, span)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not available")
    return SHARED


@pytest.fixture(scope="session")
def sample_path() -> Path:
    return SAMPLE


def send_text(handler, text: str, content_type: str = "text/plain; charset=utf-8") -> None:
    """Answer a test HTTP request (``http.server`` handler) with 200 and ``text``."""
    body = text.encode()
    handler.send_response(200)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
