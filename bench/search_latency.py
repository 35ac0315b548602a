"""Full-text search latency at 100,000 research results on SQLite (target: p95 ≤ 200 ms).

Builds a throwaway database in a temporary directory (never var/hebi.sqlite3), fills it with
results made from the 2,000 CSL paper records (each paper recycled ~50 times: other owner,
field, TRL, price, visibility, and a summary mixing its sentences with a related paper's), then
runs ~200 Chinese queries through the real path: parse_query → facet filters → apply_search →
count() + first page of 20 → highlighted snippets; the AND query falls back to "any" when it
finds nothing, as the hall does. The same queries as a LIKE scan (title/summary icontains) give
the baseline.

    .venv/bin/python bench/search_latency.py [--records 100000] [--queries 200] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--records", type=int, default=100_000)
parser.add_argument("--queries", type=int, default=200)
parser.add_argument("--baseline-queries", type=int, default=60)
parser.add_argument("--keep", action="store_true", help="keep the temporary database and print its path")
args = parser.parse_args()

WORKDIR = Path(tempfile.mkdtemp(prefix="hebi-search-bench-"))
DB_PATH = WORKDIR / "bench.sqlite3"
os.environ["HEBI_VAR_DIR"] = str(WORKDIR)
os.environ["HEBI_CACHE_DIR"] = str(WORKDIR / "cache")
os.environ["DATABASE_URL"] = f"sqlite:///{DB_PATH}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hebi.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Q, QuerySet  # noqa: E402

from hebi.catalog.models import Achievement, PriceKind, TechField, TransferMode, Visibility  # noqa: E402
from hebi.catalog.search.backend import apply_search  # noqa: E402
from hebi.catalog.search.documents import achievement_document  # noqa: E402
from hebi.catalog.search.lexicon import current_lexicon  # noqa: E402
from hebi.catalog.search.text import highlight, index_text, parse_query  # noqa: E402
from hebi.orgs.models import Organisation, Region  # noqa: E402

rng = random.Random(20260301)
SENTENCE_END = re.compile(r"(?<=[。；！？])")
ORG_KINDS = ["university", "university", "institute", "enterprise", "enterprise", "lab", "pilot_base"]
VIEWER_VISIBILITY = [Visibility.PUBLIC, Visibility.MEMBERS]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary_line(label: str, values: list[float]) -> str:
    return (
        f"{label:<34} n={len(values):<4} p50={percentile(values, 0.5):7.1f} ms  "
        f"p95={percentile(values, 0.95):7.1f} ms  max={max(values):7.1f} ms"
    )


def setup_database() -> None:
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrate: {time.perf_counter() - started:.1f} s ({DB_PATH})")


def organisations() -> list[Organisation]:
    # Three in four in 长春 (region prefix 2201), the rest elsewhere in 吉林省.
    changchun = list(Region.objects.filter(code__startswith="2201"))
    elsewhere = list(Region.objects.filter(code__startswith="22").exclude(code__startswith="2201"))
    orgs = []
    for n in range(60):
        region = rng.choice(changchun if n % 4 else elsewhere)
        orgs.append(Organisation(name=f"测试机构{n:02d}", kind=ORG_KINDS[n % len(ORG_KINDS)], region=region))
    return Organisation.objects.bulk_create(orgs)


def field_for(discipline: str, by_discipline: dict[str, str], codes: list[str]) -> str:
    return by_discipline.get(discipline) or rng.choice(codes)


def _closed(sentence: str) -> str:
    """End a sentence with full-width punctuation, where jieba always splits."""
    return sentence if sentence[-1] in "。；！？" else sentence + "。"


def build(papers: list[dict]) -> None:
    orgs = organisations()
    fields = list(TechField.objects.all())
    codes = [f.code for f in fields]
    by_discipline = {d: f.code for f in fields for d in f.disciplines}
    lexicon = current_lexicon()
    started = time.perf_counter()
    # A paper's parts are segmented once and reused by every record made from it. Concatenating
    # the tokens of sentences equals segmenting the joined text (jieba splits at punctuation);
    # the check below confirms it against the real recipe on a sample.
    sentences = [[_closed(s) for s in SENTENCE_END.split(p["abstract"]) if s.strip()] for p in papers]
    sentence_tokens = [[index_text(s) for s in group] for group in sentences]
    title_tokens = [index_text(p["title"]) for p in papers]
    keyword_tokens = [{k: index_text(k) for k in p["keywords"]} for p in papers]
    segmented = time.perf_counter() - started
    by_field: dict[str, list[int]] = {}
    for i, paper in enumerate(papers):
        by_field.setdefault(field_for(paper["discipline"], by_discipline, codes), []).append(i)

    now = datetime.now(UTC)
    batch: list[Achievement] = []
    inserted = 0
    samples: list[Achievement] = []
    insert_started = time.perf_counter()
    for n in range(args.records):
        i = n % len(papers)
        paper = papers[i]
        field = field_for(paper["discipline"], by_discipline, codes)
        other = rng.choice(by_field[field])
        own = list(range(len(sentences[i])))
        rng.shuffle(own)
        keep = sorted(own[: max(1, len(own) - rng.randint(0, 2))])
        picked = [(i, k) for k in keep]
        if sentences[other]:
            picked.append((other, rng.randrange(len(sentences[other]))))
        keywords = list(paper["keywords"])
        rng.shuffle(keywords)
        keywords = keywords[: rng.randint(max(1, len(keywords) - 2), len(keywords))]
        summary = "".join(sentences[p][k] for p, k in picked)
        search_text = " ".join(
            t
            for t in [
                title_tokens[i],
                title_tokens[i],
                *(sentence_tokens[p][k] for p, k in picked),
                *(keyword_tokens[i][k] for k in keywords),
            ]
            if t
        )
        price_kind = rng.choice([PriceKind.FIXED, PriceKind.RANGE, PriceKind.NEGOTIABLE])
        price_min = Decimal(rng.choice([5, 10, 20, 50, 80, 100, 200, 500])) * 10_000
        record = Achievement(
            title=paper["title"][:200],
            field_id=field,
            keywords=keywords,
            visibility=rng.choices(list(Visibility), weights=[80, 15, 5])[0],
            published_at=now - timedelta(minutes=n),
            owner=orgs[n % len(orgs)],
            summary=summary,
            trl=rng.randint(1, 9),
            transfer_modes=[rng.choice(list(TransferMode))],
            price_kind=price_kind,
            price_min=None if price_kind == PriceKind.NEGOTIABLE else price_min,
            price_max=price_min * 2 if price_kind == PriceKind.RANGE else None,
            status=Achievement.Status.PUBLISHED,
            search_text=search_text,
            source_ref=paper["id"],
        )
        batch.append(record)
        if n % 2003 == 0:
            samples.append(record)
        if len(batch) == 5000:
            with transaction.atomic():
                Achievement.objects.bulk_create(batch, batch_size=1000)
            inserted += len(batch)
            batch = []
    if batch:
        with transaction.atomic():
            Achievement.objects.bulk_create(batch, batch_size=1000)
        inserted += len(batch)
    inserted_in = time.perf_counter() - insert_started
    mismatched = sum(achievement_document(a, lexicon=lexicon) != a.search_text for a in samples)
    assert not mismatched, f"{mismatched} of {len(samples)} sample records differ from achievement_document()"
    print(
        f"build: segmented {len(papers)} papers in {segmented:.1f} s; inserted {inserted} records "
        f"(FTS5 triggers on) in {inserted_in:.1f} s; {len(samples)} samples equal achievement_document()"
    )


def make_queries(papers: list[dict], count: int) -> list[tuple[str, dict]]:
    """Queries people would type: keywords of a paper (1–3), some dictionary words; half with facets."""
    words = sorted(current_lexicon().words)
    fields = list(TechField.objects.values_list("code", flat=True))
    queries = []
    for n in range(count):
        paper = rng.choice(papers)
        keywords = [k for k in paper["keywords"] if 2 <= len(k) <= 12] or [paper["title"][:6]]
        shape = n % 10
        if shape < 4:
            text = rng.choice(keywords)
        elif shape < 7:
            text = " ".join(rng.sample(keywords, min(2, len(keywords))))
        elif shape < 8:
            text = " ".join(rng.sample(keywords, min(3, len(keywords))))
        else:
            text = rng.choice(words) + ("" if n % 2 else " " + rng.choice(keywords))
        facets: dict = {}
        if n % 2:
            if rng.random() < 0.5:
                facets["field_id"] = rng.choice(fields)
            if rng.random() < 0.4:
                low = rng.randint(1, 6)
                facets["trl__gte"], facets["trl__lte"] = low, low + 3
            if rng.random() < 0.3:
                facets["owner__kind"] = rng.choice(["university", "enterprise", "institute"])
            if rng.random() < 0.3:
                facets["owner__region__code__startswith"] = "2201"
            if rng.random() < 0.3:
                facets["price_min__gte"], facets["price_min__lte"] = Decimal(100_000), Decimal(1_000_000)
        queries.append((text, facets))
    return queries


def visible() -> QuerySet[Achievement]:
    return Achievement.objects.filter(status=Achievement.Status.PUBLISHED, visibility__in=VIEWER_VISIBILITY)


def run_search(text: str, facets: dict) -> tuple[int, bool]:
    """The hall's path; the total and whether "all words" found nothing and "any" was used."""
    query = parse_query(text, current_lexicon())
    assert query is not None
    base = visible().filter(**facets)
    qs = apply_search(base, query)
    total = qs.count()
    fell_back = total == 0
    if fell_back:
        qs = apply_search(base, query, mode="any")
        total = qs.count()
    page = list(qs.select_related("owner", "field")[:20])
    for record in page:
        highlight(record.title, query)
        highlight(record.summary, query, max_length=120)
    return total, fell_back


def run_like(text: str, facets: dict) -> int:
    query = parse_query(text, current_lexicon())
    assert query is not None
    qs = visible().filter(**facets)
    for term in query.terms:
        qs = qs.filter(Q(title__icontains=term) | Q(summary__icontains=term))
    total = qs.count()
    list(qs.select_related("owner", "field")[:20])
    return total


def timed(fn, *a) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn(*a)
    return (time.perf_counter() - started) * 1000, result


def main() -> None:
    try:
        setup_database()
        papers_file = settings.HEBI_SHARED_DATA_DIR / "csl" / "papers.jsonl"
        papers = [json.loads(line) for line in papers_file.read_text(encoding="utf-8").splitlines() if line]
        build(papers)
        count = Achievement.objects.count()
        size_mb = DB_PATH.stat().st_size / 1e6
        print(f"records: {count}; database file: {size_mb:.0f} MB")

        queries = make_queries(papers, args.queries)
        for text, facets in queries[:5]:  # warm the page cache and jieba, as a running server has
            run_search(text, facets)
        fts_ms, totals, facet_ms, plain_ms, fallbacks = [], [], [], [], 0
        for text, facets in queries:
            ms, (total, fell_back) = timed(run_search, text, facets)
            fts_ms.append(ms)
            totals.append(total)
            fallbacks += fell_back
            (facet_ms if facets else plain_ms).append(ms)
        print(
            f"queries: {len(queries)}; hits per query median {statistics.median(totals):.0f}, "
            f"max {max(totals)}; {fallbacks} fell back to 'any'"
        )
        print(summary_line("FTS5 search (count + page 20)", fts_ms))
        print(summary_line("  without facets", plain_ms))
        print(summary_line("  with facets", facet_ms))
        slowest = sorted(zip(fts_ms, totals, queries, strict=True), key=lambda row: -row[0])[:3]
        for ms, total, (text, facets) in slowest:
            print(f"  slow: {ms:6.1f} ms, {total} hits: {text!r} {sorted(facets)}")

        like_ms = [timed(run_like, text, facets)[0] for text, facets in queries[: args.baseline_queries]]
        print(summary_line("LIKE scan baseline", like_ms))
        same = fts_ms[: len(like_ms)]
        p50_ratio = percentile(like_ms, 0.5) / percentile(same, 0.5)
        p95_ratio = percentile(like_ms, 0.95) / percentile(same, 0.95)
        print(f"LIKE / FTS5 on the same {len(like_ms)} queries: p50 ×{p50_ratio:.1f}, p95 ×{p95_ratio:.1f}")

        # The same queries once SQLite has table statistics (`reindex_search` runs ANALYZE).
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(f'ANALYZE "{Achievement._meta.db_table}"')
        analyze_s = time.perf_counter() - started
        analyzed_ms = [timed(run_search, text, facets)[0] for text, facets in queries]
        print(summary_line(f"FTS5 search after ANALYZE ({analyze_s:.1f} s)", analyzed_ms))

        p95 = percentile(fts_ms, 0.95)
        print(f"target p95 ≤ 200 ms (without ANALYZE): {'met' if p95 <= 200 else 'MISSED'} ({p95:.1f} ms)")
    finally:
        connection.close()
        if args.keep:
            print(f"kept: {WORKDIR}")
        else:
            shutil.rmtree(WORKDIR, ignore_errors=True)


if __name__ == "__main__":
    main()
