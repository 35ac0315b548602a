"""Cosine similarity against a matrix of unit vectors.

Vectors are kept as float16 (half the memory: 1M × 384 is 768 MB) and scored in blocks that
are widened to float32 for BLAS, so the peak stays one block above the stored matrix.
Rows without a vector yet (still queued for embedding) are flagged and score NaN."""

from __future__ import annotations

import numpy as np

BLOCK_ROWS = 131_072


class DenseIndex:
    def __init__(self, dim: int, capacity: int = 0) -> None:
        self.dim = dim
        self.size = 0
        self._matrix = np.zeros((max(capacity, 16), dim), dtype=np.float16)
        self._present = np.zeros(max(capacity, 16), dtype=bool)

    def _grow(self, rows: int) -> None:
        if rows <= self._matrix.shape[0]:
            return
        capacity = max(rows, int(self._matrix.shape[0] * 1.5))
        matrix = np.zeros((capacity, self.dim), dtype=np.float16)
        matrix[: self.size] = self._matrix[: self.size]
        present = np.zeros(capacity, dtype=bool)
        present[: self.size] = self._present[: self.size]
        self._matrix, self._present = matrix, present

    def resize(self, size: int) -> None:
        """Make room for rows 0..size-1 (new rows have no vector yet)."""
        self._grow(size)
        self.size = max(self.size, size)

    def set(self, row: int, vector: np.ndarray | None) -> None:
        self.resize(row + 1)
        if vector is None:
            self._present[row] = False
            self._matrix[row] = 0
        else:
            self._matrix[row] = vector
            self._present[row] = True

    def set_many(self, rows: np.ndarray, vectors: np.ndarray) -> None:
        if len(rows) == 0:
            return
        self.resize(int(rows.max()) + 1)
        self._matrix[rows] = vectors
        self._present[rows] = True

    def vector(self, row: int) -> np.ndarray | None:
        if row >= self.size or not self._present[row]:
            return None
        return self._matrix[row].astype(np.float32)

    @property
    def present(self) -> np.ndarray:
        return self._present[: self.size]

    @property
    def count(self) -> int:
        return int(self.present.sum())

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine of every row with the query (float32); NaN where a row has no vector."""
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        out = np.empty(self.size, dtype=np.float32)
        for start in range(0, self.size, BLOCK_ROWS):
            stop = min(start + BLOCK_ROWS, self.size)
            out[start:stop] = self._matrix[start:stop].astype(np.float32) @ query
        out[~self.present] = np.nan
        return out

    @property
    def memory_bytes(self) -> int:
        return self._matrix.nbytes + self._present.nbytes
