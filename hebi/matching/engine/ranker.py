"""One searchable collection (results, needs or patents) and the ranking that fuses lexical
relevance, semantic similarity and structured fit into one explained score.

Fusion. BM25 is scaled by the best score of the query, the cosine by how far it rises above
the collection's mean towards the best one (e5 scores unrelated Chinese texts at 0.8+, so only
the rise means anything), and the two are mixed. Structured fit re-ranks the best candidates.
A record whose vector is still being computed takes its lexical figure for the semantic one,
so queued embedding never pushes a record down.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hebi.matching.engine.dense import DenseIndex
from hebi.matching.engine.fit import Fit, NeedFacts, OfferFacts, need_offer_fit
from hebi.matching.engine.lexical import LexicalIndex
from hebi.matching.engine.reasons import Reason

LEXICAL_WEIGHT = 0.5
FIT_WEIGHT = 0.25
CANDIDATES = 60
MAX_TERMS_SHOWN = 6
SEMANTIC_HIGH = 0.8
SEMANTIC_MEDIUM = 0.55
TELLING_SHARE = 0.03


@dataclass(frozen=True)
class Match:
    id: Hashable
    score: float
    lexical: float
    semantic: float | None
    fit: float | None
    reasons: tuple[Reason, ...] = ()
    terms: tuple[str, ...] = ()

    def components(self) -> dict[str, float | None]:
        return {
            "lexical": round(self.lexical, 4),
            "semantic": None if self.semantic is None else round(self.semantic, 4),
            "fit": None if self.fit is None else round(self.fit, 4),
        }


@dataclass
class Query:
    tokens: Sequence[str]
    vector: np.ndarray | None = None
    need: NeedFacts | None = None  # the query is a need: candidates are offers
    offer: OfferFacts | None = None  # the query is an offer: candidates are needs
    exclude: frozenset[Hashable] = frozenset()
    allowed: Callable[[Hashable], bool] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def shown_terms(contributions: dict[str, float], limit: int = MAX_TERMS_SHOWN) -> tuple[str, ...]:
    """The strongest matched words, a word left out when a longer chosen one contains it."""
    chosen: list[str] = []
    for term, _ in sorted(contributions.items(), key=lambda kv: (-kv[1], -len(kv[0]))):
        if len(term) < 2 or any(term in longer for longer in chosen):
            continue
        chosen = [c for c in chosen if c not in term] + [term]
        if len(chosen) == limit:
            break
    return tuple(chosen)


class Collection:
    """Rows of (id, tokens, facts, vector), updated in place as records change."""

    def __init__(self, dim: int | None) -> None:
        self.lexical = LexicalIndex()
        self.dense = DenseIndex(dim) if dim else None
        self._ids: list[Hashable | None] = []
        self._rows: dict[Hashable, int] = {}
        self._facts: list[Any] = []
        self._token_keys: list[int] = []

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, record_id: Hashable) -> bool:
        return record_id in self._rows

    @property
    def ids(self) -> list[Hashable]:
        return list(self._rows)

    def add_many(self, records: Iterable[tuple[Hashable, Sequence[str], Any]]) -> None:
        """Bulk load (the first build); ids already present are replaced."""
        batch = list(records)
        for record_id, _, _ in batch:
            self.remove(record_id)
        rows = self.lexical.add_ids([self.lexical.term_ids(tokens) for _, tokens, _ in batch])
        for row, (record_id, tokens, facts) in zip(rows, batch, strict=True):
            self._place(row, record_id, tokens, facts)

    def _place(self, row: int, record_id: Hashable, tokens: Sequence[str], facts: Any) -> None:
        earlier = self._rows.get(record_id)
        if earlier is not None:  # the same id twice in one bulk load: the later record wins
            self.lexical.remove(earlier)
            self._ids[earlier] = None
            self._facts[earlier] = None
        self._ids.append(record_id)
        self._facts.append(facts)
        self._token_keys.append(hash(tuple(tokens)))
        self._rows[record_id] = row
        if self.dense is not None:
            self.dense.resize(row + 1)

    def upsert(self, record_id: Hashable, tokens: Sequence[str], facts: Any = None) -> None:
        """Add or update one record. Unchanged text keeps its row (and its vector)."""
        row = self._rows.get(record_id)
        if row is not None and self._token_keys[row] == hash(tuple(tokens)):
            self._facts[row] = facts
            return
        vector = self.vector(record_id)
        self.remove(record_id)
        new_row = self.lexical.add(tokens)
        self._place(new_row, record_id, tokens, facts)
        if vector is not None and row is not None and self.dense is not None:
            # The text changed: the old vector stays usable until the new one arrives.
            self.dense.set(new_row, vector)

    def remove(self, record_id: Hashable) -> None:
        row = self._rows.pop(record_id, None)
        if row is None:
            return
        self.lexical.remove(row)
        self._ids[row] = None
        self._facts[row] = None
        if self.dense is not None:
            self.dense.set(row, None)

    def set_vector(self, record_id: Hashable, vector: np.ndarray | None) -> None:
        row = self._rows.get(record_id)
        if row is not None and self.dense is not None:
            self.dense.set(row, vector)

    def set_vectors(self, ids: Sequence[Hashable], vectors: np.ndarray) -> None:
        if self.dense is None:
            return
        pairs = [(self._rows[i], k) for k, i in enumerate(ids) if i in self._rows]
        if pairs:
            rows = np.array([p[0] for p in pairs])
            self.dense.set_many(rows, vectors[[p[1] for p in pairs]])

    def vector(self, record_id: Hashable) -> np.ndarray | None:
        row = self._rows.get(record_id)
        if row is None or self.dense is None:
            return None
        return self.dense.vector(row)

    def facts(self, record_id: Hashable) -> Any:
        row = self._rows.get(record_id)
        return None if row is None else self._facts[row]

    @property
    def memory_bytes(self) -> int:
        return self.lexical.memory_bytes + (self.dense.memory_bytes if self.dense is not None else 0)

    # -- ranking -----------------------------------------------------------------------------
    def text_scores(self, query: Query) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """(fused, lexical scaled to [0, 1], semantic rise in [0, 1] or None) for every row."""
        lexical = self.lexical.scores(query.tokens)
        best = float(lexical.max()) if lexical.size else 0.0
        lexical = lexical / best if best > 0 else lexical
        if query.vector is None or self.dense is None or self.dense.count == 0:
            return lexical, lexical, None
        cosine = self.dense.scores(query.vector)
        present = ~np.isnan(cosine)
        mean = float(cosine[present].mean())
        top = float(cosine[present].max())
        semantic = np.clip((cosine - mean) / max(top - mean, 1e-6), 0.0, 1.0)
        semantic[~present] = lexical[~present]
        return LEXICAL_WEIGHT * lexical + (1 - LEXICAL_WEIGHT) * semantic, lexical, semantic

    def rank(self, query: Query, *, top: int = 10, today: datetime.date | None = None) -> list[Match]:
        if not self._rows or top <= 0:
            return []
        fused, lexical, semantic = self.text_scores(query)
        live = self.lexical.alive.copy()  # the rows of current records; replaced rows are removed
        for record_id in query.exclude:
            if record_id in self._rows:
                live[self._rows[record_id]] = False
        fused = np.where(live & (fused > 0), fused, -1.0)
        wanted = min(max(CANDIDATES, top * 4), int((fused > 0).sum()))
        if wanted == 0:
            return []
        candidates = np.argpartition(-fused, wanted - 1)[:wanted]
        candidates = candidates[np.argsort(-fused[candidates], kind="stable")]
        day = today or datetime.date.today()
        results: list[Match] = []
        for row in candidates.tolist():
            record_id = self._ids[row]
            if query.allowed is not None and not query.allowed(record_id):
                continue
            results.append(self._explain(query, row, float(fused[row]), lexical, semantic, day))
        results.sort(key=lambda m: -m.score)
        return results[:top]

    def explain(
        self, query: Query, record_id: Hashable, *, today: datetime.date | None = None
    ) -> Match | None:
        """The score and reasons of one record for the query, ranked or not (feedback, pushes)."""
        row = self._rows.get(record_id)
        if row is None:
            return None
        fused, lexical, semantic = self.text_scores(query)
        return self._explain(query, row, float(fused[row]), lexical, semantic, today or datetime.date.today())

    def _explain(
        self,
        query: Query,
        row: int,
        text_score: float,
        lexical: np.ndarray,
        semantic: np.ndarray | None,
        day: datetime.date,
    ) -> Match:
        contributions = self.lexical.contributions(query.tokens, row)
        reasons: list[Reason] = []
        # Words most records contain (研究, 方法, 提高) explain nothing: only telling words are cited.
        common = max(2.0, TELLING_SHARE * self.lexical.size)
        terms = shown_terms(
            {t: c for t, c in contributions.items() if self.lexical.document_frequency(t) <= common}
        )
        if terms:
            reasons.append(Reason("terms", 1, {"terms": list(terms)}))
        sem: float | None = None
        if semantic is not None:
            if self.dense is not None and self.dense.vector(row) is None:
                reasons.append(Reason("semantic_pending", 0))
            else:
                sem = float(semantic[row])
                if sem >= SEMANTIC_HIGH:
                    reasons.append(Reason("semantic", 1, {"level": "high"}))
                elif sem >= SEMANTIC_MEDIUM:
                    reasons.append(Reason("semantic", 1, {"level": "medium"}))
        fit: Fit | None = None
        facts = self._facts[row]
        if query.need is not None and isinstance(facts, OfferFacts):
            fit = need_offer_fit(query.need, facts, matched_terms=tuple(contributions), today=day)
        elif query.offer is not None and isinstance(facts, NeedFacts):
            fit = need_offer_fit(facts, query.offer, matched_terms=tuple(contributions), today=day)
        score = max(text_score, 0.0)
        if fit is not None and fit.weight:
            score = (1 - FIT_WEIGHT) * score + FIT_WEIGHT * fit.score
            reasons.extend(fit.reasons)
        return Match(
            id=self._ids[row],
            score=score,
            lexical=float(lexical[row]),
            semantic=sem,
            fit=None if fit is None or not fit.weight else fit.score,
            reasons=tuple(reasons),
            terms=terms,
        )
