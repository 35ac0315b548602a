"""`hebi rank`: rank a JSONL corpus against JSONL queries, file to file, without the database.

Every input line is checked before any ranking starts, and the output is written to a
temporary file renamed into place at the end: a bad line stops the run with its line number
and leaves no partial output."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from hebi.matching.engine.embedders import Embedder, text_hash
from hebi.matching.engine.ranker import Collection, Query
from hebi.matching.engine.reasons import render
from hebi.matching.engine.tokens import tokenize


class BatchError(ValueError):
    """A problem with an input file, with the line it was found on."""


@dataclass
class CorpusRecord:
    id: str
    text: str


@dataclass
class BatchReport:
    corpus: int = 0
    queries: int = 0
    warnings: list[str] = field(default_factory=list)
    embedded: int = 0
    reused: int = 0


def _lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        handle = path.open(encoding="utf-8-sig")
    except OSError as exc:
        raise BatchError(f"{path}: cannot read ({exc.strerror})") from exc
    with handle:
        try:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise BatchError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
                if not isinstance(value, dict):
                    raise BatchError(f"{path}:{number}: expected a JSON object")
                yield number, value
        except UnicodeDecodeError:
            raise BatchError(f"{path}: not UTF-8 text") from None


def _identifier(value: dict[str, Any], path: Path, number: int) -> str:
    ident = value.get("id")
    if not isinstance(ident, (str, int)) or isinstance(ident, bool) or str(ident).strip() == "":
        raise BatchError(f'{path}:{number}: missing "id"')
    return str(ident)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "、".join(str(v) for v in value if v is not None)
    return str(value)


def read_corpus(path: Path, report: BatchReport) -> list[CorpusRecord]:
    records: dict[str, CorpusRecord] = {}
    for number, value in _lines(path):
        ident = _identifier(value, path, number)
        title, keywords, abstract = (
            _text(value.get("title")),
            _text(value.get("keywords")),
            _text(value.get("abstract")),
        )
        if ident in records:
            report.warnings.append(f"{path}:{number}: duplicate id {ident!r}, first record kept")
            continue
        if not abstract.strip():
            report.warnings.append(f"{path}:{number}: no abstract, ranked on title and keywords")
        text = "\n".join(part for part in (title, keywords, abstract) if part.strip())
        if not text.strip():
            report.warnings.append(f"{path}:{number}: no text at all, never ranked")
        records[ident] = CorpusRecord(ident, text)
    report.corpus = len(records)
    return list(records.values())


def read_queries(path: Path, report: BatchReport) -> list[tuple[str, str]]:
    queries: list[tuple[str, str]] = []
    seen: set[str] = set()
    for number, value in _lines(path):
        ident = _identifier(value, path, number)
        if ident in seen:
            raise BatchError(f"{path}:{number}: duplicate query id {ident!r}")
        seen.add(ident)
        text = _text(value.get("text"))
        if not text.strip():
            report.warnings.append(f"{path}:{number}: empty query text, no matches")
        queries.append((ident, text))
    report.queries = len(queries)
    return queries


class VectorStore:
    """Vectors by text hash in one .npz file, so a re-run embeds only new or changed texts."""

    def __init__(self, path: Path | None, embedder: Embedder) -> None:
        self.path = path
        self.name = embedder.name
        self.vectors: dict[str, np.ndarray] = {}
        if path is not None and path.exists():
            with np.load(path, allow_pickle=False) as data:
                if str(data["embedder"]) == self.name:
                    self.vectors = {str(k): v for k, v in zip(data["keys"], data["vectors"], strict=True)}

    def save(self) -> None:
        if self.path is None or not self.vectors:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self.vectors)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".npz")
        os.close(fd)
        np.savez(
            tmp,
            embedder=np.array(self.name),
            keys=np.array(keys),
            vectors=np.stack([self.vectors[k] for k in keys]),
        )
        os.replace(tmp, self.path)


def embed_all(
    texts: list[str],
    role: str,
    embedder: Embedder,
    store: VectorStore,
    report: BatchReport,
    progress: Callable[[str], None],
    batch: int = 32,
) -> np.ndarray:
    keys = [f"{role}:{text_hash(t)}" for t in texts]
    missing = sorted({k: i for i, k in enumerate(keys) if k not in store.vectors}.values())
    report.reused += len(texts) - len(missing)
    encode = embedder.queries if role == "query" else embedder.passages
    for at in range(0, len(missing), batch):
        chunk = missing[at : at + batch]
        for i, vector in zip(chunk, encode([texts[i] for i in chunk]), strict=True):
            store.vectors[keys[i]] = vector.astype(np.float16)
        report.embedded += len(chunk)
        progress(f"embedded {min(at + batch, len(missing))}/{len(missing)} {role} texts")
        if (at // batch) % 20 == 19:
            store.save()  # a crash loses at most 20 batches
    store.save()
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return np.stack([store.vectors[k].astype(np.float32) for k in keys])


def run(
    *,
    corpus: Path,
    queries: Path,
    out: Path,
    top: int,
    embedder: Embedder | None,
    cache: Path | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> BatchReport:
    if top < 1:
        raise BatchError("--top must be at least 1")
    report = BatchReport()
    records = read_corpus(corpus, report)
    asked = read_queries(queries, report)
    if not out.parent.exists():
        raise BatchError(f"{out.parent}: no such directory")

    collection = Collection(embedder.dim if embedder else None)
    collection.add_many((r.id, tokenize(r.text), None) for r in records)
    progress(f"indexed {len(records)} corpus records")
    query_vectors = None
    if embedder is not None:
        store = VectorStore(cache, embedder)
        vectors = embed_all([r.text for r in records], "passage", embedder, store, report, progress)
        collection.set_vectors([r.id for r in records], vectors)
        query_vectors = embed_all([t for _, t in asked], "query", embedder, store, report, progress)

    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            _write(handle, collection, asked, query_vectors, top)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return report


def _write(
    handle: TextIO, collection: Collection, asked: list[tuple[str, str]], vectors: np.ndarray | None, top: int
) -> None:
    for n, (ident, text) in enumerate(asked):
        matches = []
        if text.strip():
            vector = vectors[n] if vectors is not None else None
            matches = collection.rank(Query(tokenize(text), vector), top=top)
        ranked = [
            {
                "id": m.id,
                "score": round(m.score, 4),
                "components": m.components(),
                "reasons": [render(r) for r in m.reasons],
            }
            for m in matches
        ]
        handle.write(json.dumps({"query_id": ident, "ranked": ranked}, ensure_ascii=False) + "\n")


def stderr_progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
