"""Tokenising a whole article and cutting it into overlapping model windows.

The encoder reads at most a few hundred tokens at once; articles are longer, so every
token is covered by one or more windows and predictions are averaged where they overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

WINDOW_TOKENS = 254  # content tokens per window; + [CLS] and [SEP] = 256
STRIDE_TOKENS = 192


def load_tokenizer(path: str | Path) -> Tokenizer:
    """A WordPiece tokenizer without truncation or padding (we window ourselves)."""
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


@dataclass
class TokenizedText:
    ids: np.ndarray  # (n,) int64 token ids, no special tokens
    offsets: np.ndarray  # (n, 2) char offsets into the text

    def __len__(self) -> int:
        return len(self.ids)


def tokenize(tokenizer: Tokenizer, text: str) -> TokenizedText:
    enc = tokenizer.encode(text, add_special_tokens=False)
    ids = np.asarray(enc.ids, dtype=np.int64)
    offsets = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)
    return TokenizedText(ids, offsets)


def window_starts(
    n_tokens: int, size: int = WINDOW_TOKENS, stride: int = STRIDE_TOKENS
) -> list[int]:
    """Start positions so that windows of ``size`` cover ``n_tokens`` with overlap."""
    if n_tokens <= size:
        return [0]
    starts = list(range(0, n_tokens - size, stride))
    starts.append(n_tokens - size)
    return starts


def batch_windows(
    ids: np.ndarray, starts: list[int], size: int, cls_id: int, sep_id: int
) -> tuple[np.ndarray, np.ndarray]:
    """Model inputs (input_ids, attention_mask) for windows at ``starts``, padded with 0."""
    length = min(size, len(ids)) + 2
    input_ids = np.zeros((len(starts), length), dtype=np.int64)
    mask = np.zeros_like(input_ids)
    for row, start in enumerate(starts):
        piece = ids[start : start + size]
        input_ids[row, 0] = cls_id
        input_ids[row, 1 : 1 + len(piece)] = piece
        input_ids[row, 1 + len(piece)] = sep_id
        mask[row, : len(piece) + 2] = 1
    return input_ids, mask
