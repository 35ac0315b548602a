"""Incremental BM25 over jieba tokens (the Lucene variant bm25s uses: k1 = 1.2, b = 0.75).

Documents live in sealed segments, each a column-sparse matrix (one column per term) of the
term-frequency part of BM25, tf / (tf + k1·(1 − b + b·len/avgdl)); the IDF is applied at query
time from live document frequencies. So adding a document never rewrites the index: it joins a
small open buffer, which is sealed into a new segment when it fills. A replaced or removed
document is masked; like Lucene, its statistics stay counted until the owner rebuilds.
Scoring a query gathers the query terms' postings of every segment and sums them with one
`np.bincount` per segment. Tests check the scores against bm25s on the same tokens.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

K1 = 1.2
B = 0.75
SEGMENT_ROWS = 131_072
OPEN_ROWS = 256


@dataclass
class _Segment:
    start: int  # first row
    rows: int
    indptr: np.ndarray  # int64, one entry per term known at sealing time, plus one
    docs: np.ndarray  # int32, row - start, ascending within each term
    tfc: np.ndarray  # float32

    def postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        if term + 1 >= self.indptr.size:
            return self.docs[:0], self.tfc[:0]
        lo, hi = self.indptr[term], self.indptr[term + 1]
        return self.docs[lo:hi], self.tfc[lo:hi]

    @property
    def nbytes(self) -> int:
        return self.indptr.nbytes + self.docs.nbytes + self.tfc.nbytes


class _QueryPostings(NamedTuple):
    names: dict[int, str]  # term id → the query's token
    ids: list[int]
    idf: np.ndarray
    by_segment: list[list[tuple[str, np.float32, np.ndarray, np.ndarray]]]


class LexicalIndex:
    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self._df = np.zeros(1024, dtype=np.int64)
        self._lengths = np.zeros(1024, dtype=np.int32)
        self._alive = np.zeros(1024, dtype=bool)
        self.size = 0
        self._total_length = 0
        self._segments: list[_Segment] = []
        self._open: list[tuple[int, np.ndarray, np.ndarray]] = []
        self._explaining: tuple[tuple, _QueryPostings] | None = None

    # -- building ----------------------------------------------------------------------------
    def term_ids(self, tokens: Iterable[str]) -> np.ndarray:
        """Ids of the tokens, registering new terms (a document's view of the vocabulary)."""
        vocab = self.vocab
        ids = [vocab.setdefault(t, len(vocab)) for t in tokens if t]
        return np.asarray(ids, dtype=np.int32)

    def _grow(self) -> None:
        if len(self.vocab) > self._df.size:
            df = np.zeros(max(len(self.vocab), self._df.size * 2), dtype=np.int64)
            df[: self._df.size] = self._df
            self._df = df
        if self.size > self._lengths.size:
            capacity = max(self.size, int(self._lengths.size * 1.5))
            lengths = np.zeros(capacity, dtype=np.int32)
            lengths[: self._lengths.size] = self._lengths
            alive = np.zeros(capacity, dtype=bool)
            alive[: self._alive.size] = self._alive
            self._lengths, self._alive = lengths, alive

    def add(self, tokens: Sequence[str]) -> int:
        """Index one document; returns its row."""
        return self.add_ids([self.term_ids(tokens)])[0]

    def add_ids(self, docs: Sequence[np.ndarray]) -> list[int]:
        """Index documents given as term-id arrays (from `term_ids`); returns their rows."""
        first = self.size
        self.size += len(docs)
        self._grow()
        counted: list[tuple[int, np.ndarray, np.ndarray]] = []
        for offset, ids in enumerate(docs):
            row = first + offset
            terms, counts = np.unique(ids, return_counts=True)
            np.add.at(self._df, terms, 1)
            self._lengths[row] = ids.size
            self._alive[row] = True
            self._total_length += int(ids.size)
            counted.append((row, terms.astype(np.int32), counts.astype(np.float32)))
        if len(docs) >= OPEN_ROWS and not self._open:
            for at in range(0, len(counted), SEGMENT_ROWS):
                self._seal(counted[at : at + SEGMENT_ROWS])
        else:
            self._open.extend(counted)
            if len(self._open) >= OPEN_ROWS:
                self._seal(self._open)
                self._open = []
        return list(range(first, self.size))

    def _seal(self, docs: list[tuple[int, np.ndarray, np.ndarray]]) -> None:
        start = docs[0][0]
        rows = docs[-1][0] - start + 1
        terms = np.concatenate([d[1] for d in docs]) if docs else np.zeros(0, np.int32)
        tf = np.concatenate([d[2] for d in docs]) if docs else np.zeros(0, np.float32)
        local = np.concatenate([np.full(d[1].size, d[0] - start, dtype=np.int32) for d in docs])
        lengths = self._lengths[start + local].astype(np.float32)
        tfc = tf / (tf + K1 * (1 - B + B * lengths / self.avgdl))
        order = np.argsort(terms, kind="stable")
        counts = np.bincount(terms, minlength=len(self.vocab))
        indptr = np.zeros(len(self.vocab) + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        self._segments.append(_Segment(start, rows, indptr, local[order], tfc[order].astype(np.float32)))

    def remove(self, row: int) -> None:
        if 0 <= row < self.size:
            self._alive[row] = False

    # -- statistics --------------------------------------------------------------------------
    @property
    def avgdl(self) -> float:
        return (self._total_length / self.size) if self.size and self._total_length else 1.0

    @property
    def alive(self) -> np.ndarray:
        """Which rows are current (not removed or replaced); a view, not a copy."""
        return self._alive[: self.size]

    @property
    def removed(self) -> int:
        return self.size - int(self._alive[: self.size].sum())

    def document_frequency(self, term: str) -> int:
        term_id = self.vocab.get(term)
        return int(self._df[term_id]) if term_id is not None else 0

    def idf(self, term: str) -> float:
        """Lucene's IDF, as in bm25s: log(1 + (N − df + 0.5) / (df + 0.5))."""
        term_id = self.vocab.get(term)
        df = int(self._df[term_id]) if term_id is not None else 0
        return math.log(1 + (self.size - df + 0.5) / (df + 0.5))

    def _query_terms(self, query: Iterable[str]) -> tuple[list[int], np.ndarray]:
        ids = sorted({self.vocab[t] for t in query if t and t in self.vocab})
        df = self._df[ids].astype(np.float64)
        idf = np.log1p((self.size - df + 0.5) / (df + 0.5)).astype(np.float32)
        return ids, idf

    # -- scoring -----------------------------------------------------------------------------
    def scores(self, query: Iterable[str]) -> np.ndarray:
        """BM25 of every row for the deduplicated query terms; 0 for removed rows."""
        out = np.zeros(self.size, dtype=np.float32)
        ids, idf = self._query_terms(query)
        if not ids:
            return out
        for segment in self._segments:
            docs, weights = [], []
            for term, weight in zip(ids, idf, strict=True):
                rows, tfc = segment.postings(term)
                if rows.size:
                    docs.append(rows)
                    weights.append(tfc * weight)
            if docs:
                out[segment.start : segment.start + segment.rows] += np.bincount(
                    np.concatenate(docs), weights=np.concatenate(weights), minlength=segment.rows
                ).astype(np.float32)
        if self._open:
            wanted = dict(zip(ids, idf, strict=True))
            norm_base = K1 * (1 - B)
            for row, terms, tf in self._open:
                norm = norm_base + K1 * B * self._lengths[row] / self.avgdl
                for term, count in zip(terms.tolist(), tf.tolist(), strict=True):
                    weight = wanted.get(term)
                    if weight is not None:
                        out[row] += weight * count / (count + norm)
        out[~self._alive[: self.size]] = 0.0
        return out

    def _query_postings(self, query: tuple[str, ...]) -> _QueryPostings:
        """The query's terms, IDF weights and postings in every segment. A ranking explains its
        candidates one row at a time, so these are kept for the next call with the same query
        (and the same index: any addition changes the size, and with it the weights)."""
        key = (query, self.size, len(self._segments))
        kept = self._explaining
        if kept is not None and kept[0] == key:
            return kept[1]
        names = {self.vocab[t]: t for t in query if t and t in self.vocab}
        ids, idf = self._query_terms(names.values())
        by_segment = [
            [(names[term], weight, *segment.postings(term)) for term, weight in zip(ids, idf, strict=True)]
            for segment in self._segments
        ]
        postings = _QueryPostings(names, ids, idf, by_segment)
        self._explaining = (key, postings)
        return postings

    def contributions(self, query: Iterable[str], row: int) -> dict[str, float]:
        """What each query term adds to one row's score: the terms a match can cite."""
        names, ids, idf, by_segment = self._query_postings(tuple(query))
        found: dict[str, float] = {}
        # strict=False: a segment another thread sealed since the postings were gathered is left out
        # of this one call only (the segment count is part of the key).
        for segment, postings in zip(self._segments, by_segment, strict=False):
            local = row - segment.start
            if not 0 <= local < segment.rows:
                continue
            for name, weight, docs, tfc in postings:
                at = int(docs.searchsorted(local))
                if at < docs.size and docs[at] == local:
                    found[name] = float(tfc[at] * weight)
        for open_row, terms, tf in self._open:
            if open_row == row:
                norm = K1 * (1 - B + B * self._lengths[row] / self.avgdl)
                weights = dict(zip(ids, idf, strict=True))
                for term, count in zip(terms.tolist(), tf.tolist(), strict=True):
                    if term in weights:
                        found[names[term]] = float(weights[term] * count / (count + norm))
        return found

    @property
    def memory_bytes(self) -> int:
        open_bytes = sum(t.nbytes + f.nbytes for _, t, f in self._open)
        arrays = self._df.nbytes + self._lengths.nbytes + self._alive.nbytes
        return sum(s.nbytes for s in self._segments) + open_bytes + arrays
