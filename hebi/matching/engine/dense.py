"""Cosine similarity against a matrix of unit vectors.

Vectors are kept as float16 (half the memory: 1M × 384 is 768 MB) in blocks of STORE_ROWS rows:
only the last block grows (and is copied when it does), so adding rows never copies the whole
matrix, and a million rows never need the old and the new matrix side by side. Scoring widens
small pieces to float32 for BLAS, so the peak stays a piece above the stored vectors.
Rows without a vector yet (still queued for embedding) are flagged and score NaN.

Widening. numpy's own float16 → float32 conversion costs ~2.5 ns a value (a second at 1M rows),
ten times the matrix product itself. Instead each piece's 16 bits are sign-extended to 32, shifted
so the exponent and mantissa land where float32 keeps them, and the three bits the sign extension
leaves behind are cleared: every value is then the float32 of the half divided by exactly 2^112
(the difference of the exponent biases). Half of that factor goes into the query and half into
the result, so neither can overflow nor sink into denormals: the products and sums are the same
float32 operations as on `astype`'s output, only scaled by powers of two.
Pieces are small enough to stay in cache and below OpenBLAS's threading threshold (threads
spinning up for each piece cost more than they save)."""

from __future__ import annotations

import numpy as np

STORE_ROWS = 65_536  # 48 MB of float16 at 384 dimensions
BLOCK_ROWS = 1024
_MANTISSA_SHIFT = 13  # float16 keeps 10 mantissa bits, float32 23
_SIGN_AND_BITS = np.int32(-0x70000001)  # 0x8FFFFFFF: the sign, exponent and mantissa bits
_HALF_BIAS_GAP = np.float32(2.0**56)  # the exponent biases differ by 127 − 15 = 112


class DenseIndex:
    def __init__(self, dim: int, capacity: int = 0) -> None:
        self.dim = dim
        self.size = 0
        self._blocks: list[np.ndarray] = []
        self._present = np.zeros(max(capacity, 16), dtype=bool)
        self._grow(max(capacity, 16))

    @property
    def _capacity(self) -> int:
        return (len(self._blocks) - 1) * STORE_ROWS + self._blocks[-1].shape[0] if self._blocks else 0

    def _grow(self, rows: int) -> None:
        while self._capacity < rows:
            last = self._blocks[-1] if self._blocks else None
            if last is not None and last.shape[0] < STORE_ROWS:
                needed = rows - (len(self._blocks) - 1) * STORE_ROWS
                wider = np.zeros(
                    (min(STORE_ROWS, max(needed, int(last.shape[0] * 1.5))), self.dim), np.float16
                )
                wider[: last.shape[0]] = last
                self._blocks[-1] = wider
            else:
                self._blocks.append(
                    np.zeros((min(STORE_ROWS, max(rows - self._capacity, 16)), self.dim), np.float16)
                )
        if rows > self._present.size:
            present = np.zeros(max(rows, int(self._present.size * 1.5)), dtype=bool)
            present[: self.size] = self._present[: self.size]
            self._present = present

    def resize(self, size: int) -> None:
        """Make room for rows 0..size-1 (new rows have no vector yet)."""
        self._grow(size)
        self.size = max(self.size, size)

    def set(self, row: int, vector: np.ndarray | None) -> None:
        self.resize(row + 1)
        block, offset = divmod(row, STORE_ROWS)
        if vector is None:
            self._present[row] = False
            self._blocks[block][offset] = 0
        else:
            self._blocks[block][offset] = vector
            self._present[row] = True

    def set_many(self, rows: np.ndarray, vectors: np.ndarray) -> None:
        if len(rows) == 0:
            return
        rows = np.asarray(rows)
        self.resize(int(rows.max()) + 1)
        blocks = rows // STORE_ROWS
        for block in np.unique(blocks).tolist():
            mine = blocks == block
            self._blocks[block][rows[mine] % STORE_ROWS] = vectors[mine]
        self._present[rows] = True

    def vector(self, row: int) -> np.ndarray | None:
        if row >= self.size or not self._present[row]:
            return None
        block, offset = divmod(row, STORE_ROWS)
        return self._blocks[block][offset].astype(np.float32)

    @property
    def present(self) -> np.ndarray:
        return self._present[: self.size]

    @property
    def count(self) -> int:
        return int(self.present.sum())

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine of every row with the query (float32); NaN where a row has no vector."""
        query = np.asarray(query, dtype=np.float32).reshape(-1) * _HALF_BIAS_GAP
        out = np.empty(self.size, dtype=np.float32)
        widened = np.empty((min(BLOCK_ROWS, self.size), self.dim), dtype=np.int32)
        for number, block in enumerate(self._blocks):
            first = number * STORE_ROWS
            halves = block[: max(0, min(STORE_ROWS, self.size - first))].view(np.int16)
            for start in range(0, halves.shape[0], BLOCK_ROWS):
                piece = halves[start : start + BLOCK_ROWS]
                bits = widened[: piece.shape[0]]
                np.copyto(bits, piece)
                np.left_shift(bits, _MANTISSA_SHIFT, out=bits)
                np.bitwise_and(bits, _SIGN_AND_BITS, out=bits)
                np.matmul(
                    bits.view(np.float32), query, out=out[first + start : first + start + piece.shape[0]]
                )
        out *= _HALF_BIAS_GAP
        out[~self.present] = np.nan
        return out

    @property
    def memory_bytes(self) -> int:
        return sum(block.nbytes for block in self._blocks) + self._present.nbytes
