"""The shipped technique detector: int8 ONNX encoder + NumPy span head, no PyTorch needed."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from spinscope.errors import SpinscopeError
from spinscope.techniques.decode import (
    DecoderSettings,
    Detection,
    Encoded,
    SpanFilter,
    SpanHead,
    classify_spans,
    detect,
    encode,
)
from spinscope.techniques.windows import STRIDE_TOKENS, WINDOW_TOKENS, load_tokenizer
from spinscope.threads import configured_threads

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "techniques"
MODEL_FILES = ("model.onnx", "span_head.npz", "tokenizer.json", "config.json")
SPAN_FILTER_FILE = "span_filter.npz"  # optional: models without one keep every candidate


@dataclass
class TechniqueDetector:
    """Loads a model directory once; ``detect(text)`` reads the whole text in windows."""

    model_dir: Path
    threads: int | None = None
    _one_thread_session: object = field(default=None, init=False, repr=False)
    _session_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self.model_dir = Path(self.model_dir)
        missing = [f for f in MODEL_FILES if not (self.model_dir / f).is_file()]
        if missing:
            raise SpinscopeError(
                f"technique model incomplete in {self.model_dir}: missing {', '.join(missing)}"
            )
        self.config = json.loads((self.model_dir / "config.json").read_text())
        self.settings = DecoderSettings.from_dict(self.config["decoder"])
        weights = np.load(self.model_dir / "span_head.npz")
        self.head = SpanHead(weights["w1"], weights["b1"], weights["w2"], weights["b2"])
        filter_path = self.model_dir / SPAN_FILTER_FILE
        self.span_filter = SpanFilter.load(filter_path) if filter_path.is_file() else None
        self.tokenizer = load_tokenizer(self.model_dir / "tokenizer.json")
        self.cls_id = self.tokenizer.token_to_id("[CLS]")
        self.sep_id = self.tokenizer.token_to_id("[SEP]")
        threads = self.threads or configured_threads()
        self.session = self._session(threads)
        if threads == 1:
            self._one_thread_session = self.session

    def _session(self, threads: int | None):
        import onnxruntime as ort

        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(
            str(self.model_dir / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )

    def _runner(self, session):
        def run(ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            probs, hidden = session.run(
                ["token_probs", "hidden"], {"input_ids": ids, "attention_mask": mask}
            )
            return probs, hidden

        return run

    def one_thread_session(self):
        """A second, single-threaded session (made on first use), shared by concurrent
        callers: onnxruntime runs one session from many threads."""
        with self._session_lock:
            if self._one_thread_session is None:
                self._one_thread_session = self._session(1)
        return self._one_thread_session

    def encode(self, text: str, one_thread: bool = False) -> Encoded:
        """Per-token outputs for ``text``; safe from any thread (onnxruntime releases the
        GIL). ``one_thread=True`` runs on the single-threaded session, for articles
        encoded side by side (``analyze_many``): on two cores, two one-thread runs beside
        spaCy beat one two-thread run. Both sessions give the same numbers."""
        session = self.one_thread_session() if one_thread else self.session
        return encode(
            text,
            self.tokenizer,
            self._runner(session),
            self.cls_id,
            self.sep_id,
            window=int(self.config.get("window_tokens", WINDOW_TOKENS)),
            stride=int(self.config.get("stride_tokens", STRIDE_TOKENS)),
        )

    def detect(self, text: str, enc: Encoded | None = None) -> list[Detection]:
        enc = enc if enc is not None else self.encode(text)
        return detect(text, enc, self.head, self.settings, self.span_filter)

    def classify(
        self, text: str, spans: list[tuple[int, int]], enc: Encoded | None = None
    ) -> np.ndarray:
        enc = enc if enc is not None else self.encode(text)
        return classify_spans(text, enc, self.head, spans)


@lru_cache(maxsize=4)
def load_detector(model_dir: str | None = None) -> TechniqueDetector:
    """The detector for ``model_dir`` (default: the model shipped in the package), cached."""
    return TechniqueDetector(Path(model_dir) if model_dir else DEFAULT_MODEL_DIR)
