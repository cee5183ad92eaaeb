"""How many threads spinscope's own work uses.

``SPINSCOPE_THREADS`` sets it (corpus workers set 1, so processes scale instead); unset,
each library chooses. While components run, NumPy's BLAS stays on one thread: the encoder
already keeps the other core busy, the components' matrices (spaCy's layers, the span head)
are small, and a second BLAS thread wakes on a core the encoder is using and waits for it
(measured: a 0.4 ms product took 17 ms).
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from functools import lru_cache


def configured_threads() -> int | None:
    """``SPINSCOPE_THREADS`` as a number; ``None`` when unset (the library's own choice)."""
    return int(os.environ.get("SPINSCOPE_THREADS", "0")) or None


@lru_cache(maxsize=1)
def _controller():
    """The BLAS libraries loaded by NumPy, found once (NumPy must be imported first)."""
    import numpy  # noqa: F401  (loads the BLAS the controller must see)
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_blas_thread() -> AbstractContextManager:
    """Limit BLAS to one thread inside the block; the previous limit is restored after."""
    return _controller().limit(limits=1, user_api="blas")
