"""NumPy's BLAS on one thread while spinscope's own work runs.

The analysis keeps both cores busy already: the encoder runs on onnxruntime's threads while
spaCy and the Python components run on the main thread. Their matrices (spaCy's layers,
the span head) are small, so a second BLAS thread buys little; worse, it wakes on a core
the encoder is using and waits for it (measured: a 0.4 ms product took 17 ms).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import lru_cache


@lru_cache(maxsize=1)
def _controller():
    """The BLAS libraries loaded by NumPy, found once (NumPy must be imported first)."""
    import numpy  # noqa: F401  (loads the BLAS the controller must see)
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_blas_thread() -> AbstractContextManager:
    """Limit BLAS to one thread inside the block; the previous limit is restored after."""
    return _controller().limit(limits=1, user_api="blas")
