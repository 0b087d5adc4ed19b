"""Matrix products that stay on the calling thread (the recommender's hot path).

Plain numpy; ``matvec`` and ``matmul`` give the same numbers as ``@``.
"""

from __future__ import annotations

import numpy as np

SERIAL_PRODUCT = 200_000
"""Largest ``m·k·n`` of one matrix product. OpenBLAS runs products below 4 × 65,536 on the calling
thread; its worker threads cost a scheduler tick (~8 ms) per call on a busy machine (measured: one
recommendation list took 128 ms instead of 3 ms), so bigger products are done in pieces, and
matrix-vector products with einsum, which does not use BLAS (as in ``studio.similarity.index``)."""


def matvec(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """``matrix @ vector`` without BLAS (see ``SERIAL_PRODUCT``)."""
    return np.einsum("ij,j->i", matrix, vector)


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` in pieces of at most ``SERIAL_PRODUCT`` multiply-adds each."""
    (m, k), n = a.shape, b.shape[1]
    if m * k * n <= SERIAL_PRODUCT:
        return a @ b
    if m >= k:
        step = max(SERIAL_PRODUCT // (k * n), 1)
        return np.concatenate([a[i : i + step] @ b for i in range(0, m, step)])
    step = max(SERIAL_PRODUCT // (m * n), 1)
    return sum(a[:, i : i + step] @ b[i : i + step] for i in range(0, k, step))
