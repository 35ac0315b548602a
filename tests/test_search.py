"""Chinese full-text search: segmentation with the editable dictionary, synonyms, highlighting,
and the database engines (SQLite FTS5, PostgreSQL tsvector) behind apply_search.

Alice's university registers the results; the dictionary rows are made here so that the tests
do not lean on the reference data.
"""

import datetime

import jieba
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

from hebi.catalog.models import Achievement, Need, NeedIndicator, Patent, SearchTerm
from hebi.catalog.search.backend import (
    apply_search,
    create_search_index,
    drop_search_index,
    fts5_match,
    repair_search_index,
    tsquery,
)
from hebi.catalog.search.documents import achievement_document, need_document, patent_document
from hebi.catalog.search.lexicon import VERSION_KEY, current_lexicon
from hebi.catalog.search.text import (
    MAX_QUERY_CHARS,
    MAX_QUERY_GROUPS,
    Lexicon,
    SearchQuery,
    TermGroup,
    highlight,
    index_text,
    parse_query,
    segment,
    use_lexicon,
)

BATTERIES = Lexicon.from_entries(
    [
        ("固态电池", ["全固态电池"]),
        ("钠离子电池", ["钠电池", "储能电池"]),
        ("聚乳酸", ["PLA", "PLA 薄膜"]),
    ]
)

HOSTILE = [
    '"',
    '""',
    "'",
    "\\",
    "(",
    ")",
    "()",
    '固态电池"',
    '"固态电池',
    "AND",
    "OR",
    "NOT",
    "NEAR",
    "NEAR(固态 电池, 2)",
    "固态电池 AND OR NOT",
    "*",
    "固态*",
    "-固态电池",
    "^固态",
    "+电池",
    "search_text:固态电池",
    "{search_text}: 电池",
    "固态电池'; DROP TABLE catalog_achievement; --",
    "<script>alert(1)</script>",
    "!@#$%^&*()",
    "\x00电池",
    "\u200b",
    "𠀀𠀁",
    "ＡＮＤ",
    ":",
    '"a" "b"',
    "x:y",
    "♥",
    "a" * 100_000,
    "电池 " * 50_000,
    "电池 OR 1=1",
    "%",
    "_",
    "%%电池%%",
]


# -- helpers ----------------------------------------------------------------------------------
@pytest.fixture
def dictionary(db):
    SearchTerm.objects.update_or_create(word="固态电池", defaults={"synonyms": ["全固态电池"]})
    SearchTerm.objects.update_or_create(word="钠离子电池", defaults={"synonyms": ["钠电池", "储能电池"]})
    return current_lexicon()


def result(owner, title, summary="一项成果。", keywords=(), **extra):
    fields = {
        "owner": owner,
        "title": title,
        "summary": summary,
        "keywords": list(keywords),
        "field_id": "energy",
        "trl": 5,
        "status": Achievement.Status.PUBLISHED,
        **extra,
    }
    return Achievement.objects.create(**fields, search_text=achievement_document(Achievement(**fields)))


def found(q, qs=None, **options):
    query = parse_query(q, current_lexicon())
    assert query is not None
    return list(apply_search(qs if qs is not None else Achievement.objects.all(), query, **options))


# -- segmentation (pure) ----------------------------------------------------------------------
def test_dictionary_words_stay_whole_and_leave_no_trace_when_removed():
    use_lexicon(Lexicon())
    assert "钠离子电池" not in segment("钠离子电池的研究")
    use_lexicon(BATTERIES)
    assert "钠离子电池" in segment("钠离子电池的研究")
    assert "钠离子电池" in parse_query("钠离子电池", BATTERIES).terms
    use_lexicon(Lexicon())
    assert "钠离子电池" not in segment("钠离子电池的研究")


def test_switching_dictionaries_leaves_jieba_as_it_was():
    text = "钠离子电池与全固态电池的研究进展"
    use_lexicon(Lexicon())
    total, before = jieba.dt.total, segment(text)
    for _ in range(20):
        use_lexicon(BATTERIES)
        use_lexicon(Lexicon())
    assert (jieba.dt.total, segment(text)) == (total, before)


def test_index_text_keeps_ascii_words_and_numbers_and_drops_punctuation():
    use_lexicon(BATTERIES)
    tokens = index_text("采用PLA与5G技术，“全固态电池”！", ["ＣＯ２排放", None], None).split()
    assert {"pla", "5g", "co2", "全固态电池", "固态", "电池"} <= set(tokens)
    assert not {"，", "“", "”", "！", ""} & set(tokens)
    assert index_text(None, "", []) == ""


def test_a_query_word_is_among_the_index_tokens_of_the_same_text():
    use_lexicon(BATTERIES)
    text = "面向电网调峰的钠离子电池正极材料及其制备方法"
    query = parse_query(text, BATTERIES)
    assert set(query.terms) <= set(index_text(text).split())


def test_a_query_becomes_groups_of_synonyms_segmented_like_the_index():
    query = parse_query("钠电池 的 PLA", BATTERIES)
    assert query.terms == ("钠电池", "pla")
    sodium, pla = query.groups
    assert set(sodium.alternatives) == {("钠电池",), ("钠离子电池",), ("储能电池",)}
    assert set(pla.alternatives) == {("pla",), ("聚乳酸",), ("pla", "薄膜")}


@pytest.mark.parametrize("q", ["", "   ", "，。！？", "的 和 与", "<>\"'()*-", "\x00"])
def test_an_empty_or_punctuation_only_query_is_none(q):
    assert parse_query(q, BATTERIES) is None


def test_a_huge_query_is_capped():
    many_words = "".join(f"第{n:03d}号 电池 材料 工艺 设备 " for n in range(20_000))
    query = parse_query(many_words, BATTERIES)
    assert len(query.text) <= MAX_QUERY_CHARS
    assert len(query.groups) == MAX_QUERY_GROUPS


def test_highlight_escapes_the_text_and_marks_every_alternative():
    query = parse_query("钠电池", BATTERIES)
    html = highlight('<script>alert("x")</script>储能电池与钠离子电池 & 钠电池', query)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert html.count("<mark>") == 3
    assert "<mark>储能电池</mark>" in html and "<mark>钠离子电池</mark>" in html
    assert "&amp; <mark>钠电池</mark>" in html


def test_highlight_never_marks_inside_an_entity_it_produced():
    query = SearchQuery(text="amp", groups=(TermGroup(term="amp", alternatives=(("amp",),)),))
    assert highlight("R&D amp", query) == "R&amp;D <mark>amp</mark>"


def test_highlight_without_query_only_escapes():
    assert highlight("<b>钠电池</b>", None) == "&lt;b&gt;钠电池&lt;/b&gt;"
    assert highlight(None, None) == ""


def test_highlight_snippet_is_a_window_around_the_first_hit():
    query = parse_query("钠电池", BATTERIES)
    text = "前言" * 100 + "<i>钠电池</i>" + "后记" * 100
    snippet = highlight(text, query, max_length=40)
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "<mark>钠电池</mark>" in snippet
    assert "<i>" not in snippet
    assert len(snippet.replace("<mark>", "").replace("</mark>", "")) < 80
    assert highlight("短文本钠电池", query, max_length=40) == "短文本<mark>钠电池</mark>"
    assert highlight("没有命中" * 30, query, max_length=10) == "没有命中没有命中没有…"


def test_every_token_is_quoted_for_both_engines():
    query = SearchQuery(
        text="x",
        groups=(
            TermGroup(term='a"b', alternatives=(('a"b',), ("it's", "x) OR (y"))),
            TermGroup(term="c", alternatives=(("c\\",),)),
        ),
    )
    assert fts5_match(query) == '(("a""b") OR ("it\'s" AND "x) OR (y")) AND (("c\\"))'
    assert fts5_match(query, "any") == '(("a""b") OR ("it\'s" AND "x) OR (y")) OR (("c\\"))'
    assert tsquery(query) == "(('a\"b') | ('it''s' & 'x) OR (y')) & (('c\\\\'))"


# -- the dictionary table ---------------------------------------------------------------------
def test_a_new_dictionary_word_takes_effect_at_once(db):
    assert "钙钛矿电池" not in current_lexicon().words
    SearchTerm.objects.create(word="钙钛矿电池", synonyms=["钙钛矿太阳能电池"])
    lexicon = current_lexicon()
    assert {"钙钛矿电池", "钙钛矿太阳能电池"} <= lexicon.words
    assert "钙钛矿电池" in segment("钙钛矿电池组件")


def test_a_committed_change_tells_the_other_processes(db, django_capture_on_commit_callbacks):
    current_lexicon()
    before = cache.get(VERSION_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        SearchTerm.objects.filter(word="固态电池").delete()
        SearchTerm.objects.create(word="固态电池", synonyms=["固态锂电池"])
    assert cache.get(VERSION_KEY) not in (None, before)


def test_the_dictionary_is_read_again_only_when_its_version_changes(db, django_assert_num_queries):
    current_lexicon()
    with django_assert_num_queries(0):
        current_lexicon()
    cache.set(VERSION_KEY, "published-by-another-process")
    with django_assert_num_queries(1):
        current_lexicon()
    with django_assert_num_queries(0):
        current_lexicon()


# -- the engines ------------------------------------------------------------------------------
def test_a_synonym_finds_the_record(university, dictionary):
    sodium = result(university, "电网储能系统", "采用储能电池实现削峰填谷。")
    result(university, "锂电池回收", "废旧锂电池的回收工艺。")
    assert found("钠电池") == [sodium]
    assert found("钠离子电池") == [sodium]


def test_a_word_matches_whole_tokens_not_characters(university, dictionary):
    whole = result(university, "固态电池电解质")
    apart = Achievement.objects.create(
        owner=university, title="固态 电池", summary="", field_id="energy", trl=3, search_text="固态 电池"
    )
    assert found("固态电池") == [whole]
    assert found("池") == []
    assert apart in found("电池")


def test_all_words_must_match_unless_any_is_asked(university, dictionary):
    both = result(university, "钠离子电池正极材料")
    only_sodium = result(university, "钠离子电池储能电站")
    only_cathode = result(university, "锂电池正极材料")
    assert found("钠电池 正极") == [both]
    assert set(found("钠电池 正极", mode="any")) == {both, only_sodium, only_cathode}


def test_a_title_hit_ranks_above_a_passing_mention(university, dictionary):
    # Created first, so that the tie-break (newest first) alone would put it last.
    in_title = result(university, "固态电池电解质薄膜", "一种电解质薄膜的制备工艺，适合规模化生产。")
    passing = result(university, "聚烯烃隔膜薄膜", "一种隔膜薄膜的制备工艺，适合固态电池生产。")
    ranked = found("固态电池")
    assert ranked == [in_title, passing]
    assert ranked[0].search_rank > ranked[1].search_rank


def test_search_combines_with_facets_count_and_subqueries(university, enterprise, dictionary):
    early = result(university, "钠离子电池负极", trl=3)
    late = result(university, "钠离子电池电解液", trl=8)
    elsewhere = result(enterprise, "钠离子电池隔膜", trl=8, field_id="materials")
    query = parse_query("钠电池", current_lexicon())
    searched = apply_search(
        Achievement.objects.filter(trl__gte=7, owner__kind="university", field_id="energy"), query
    )
    assert searched.count() == 1
    assert list(searched[:20]) == [late]
    inside = Achievement.objects.filter(pk__in=apply_search(Achievement.objects.all(), query).values("pk"))
    assert set(inside) == {early, late, elsewhere}
    assert set(apply_search(Achievement.objects.all(), query, order=False)) == {early, late, elsewhere}


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_do_not_break_the_engine(university, dictionary, q):
    result(university, "固态电池", "a b x y")
    query = parse_query(q, current_lexicon())
    if query is None:
        return
    for mode in ("all", "any"):
        searched = apply_search(Achievement.objects.all(), query, mode=mode)
        assert searched.count() == len(list(searched[:20]))


@pytest.mark.parametrize(
    "token", ['a"b', "it's", "x) OR (y", "NEAR(a b)", "*", "-", "\\", "'", '"', "", " ", "a:b", "^"]
)
def test_hand_made_queries_with_syntax_characters_are_harmless(university, token):
    result(university, "固态电池")
    query = SearchQuery(text=token, groups=(TermGroup(term=token, alternatives=((token,), ("固态电池",))),))
    assert [a.title for a in apply_search(Achievement.objects.all(), query)] == ["固态电池"]
    query = SearchQuery(text=token, groups=(TermGroup(term=token, alternatives=((token,),)),))
    assert list(apply_search(Achievement.objects.all(), query)) == []


def test_needs_and_patents_are_searched_the_same_way(university, enterprise, dictionary):
    need = Need(owner=enterprise, title="电池包热管理", description="需要提高低温性能。", field_id="energy")
    need.search_text = need_document(need, indicator_names=["储能电池循环寿命"])
    need.save()
    NeedIndicator.objects.create(need=need, name="储能电池循环寿命", target="5000", unit="次")
    assert need_document(need) == need.search_text
    patent = Patent(
        owner=university,
        application_number="202310123456.7",
        title="一种电解质膜",
        kind=Patent.Kind.INVENTION,
        legal_status=Patent.LegalStatus.GRANTED,
        application_date=datetime.date(2023, 1, 5),
        applicants=["吉林大学"],
    )
    patent.search_text = patent_document(patent)
    patent.save()
    assert found("钠电池", Need.objects.all()) == [need]
    assert found("吉林大学", Patent.objects.all()) == [patent]
    assert found("低温 性能", Need.objects.all(), mode="any") == [need]


def test_the_index_follows_updates_and_deletes(university, dictionary):
    record = result(university, "固态电池电解质")
    record.status = Achievement.Status.WITHDRAWN
    record.save()
    assert found("固态电池") == [record]
    record.title = "钠离子电池电解质"
    record.search_text = achievement_document(record)
    record.save()
    assert found("固态电池") == []
    assert found("钠电池") == [record]
    record.delete()
    assert found("钠电池") == []


def test_the_index_can_be_dropped_and_rebuilt_from_the_rows(university, dictionary):
    record = result(university, "固态电池电解质")
    tables = [Achievement._meta.db_table]
    if connection.vendor == "postgresql":
        # PostgreSQL refuses CREATE INDEX on a table with deferred foreign-key checks pending,
        # as the insert above leaves them inside the test's transaction.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    drop_search_index(connection, tables)
    assert create_search_index(connection, tables) == tables
    assert create_search_index(connection, tables) == []
    assert found("固态电池") == [record]
    later = result(university, "固态电池隔膜")
    assert set(found("固态电池")) == {record, later}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="only SQLite keeps the index with triggers")
def test_triggers_lost_to_a_table_rebuild_are_put_back_after_migrate(university, dictionary):
    # A later migration altering the table rebuilds it on SQLite, which drops its triggers.
    with connection.cursor() as cursor:
        for trigger in ("ai", "ad", "au"):
            cursor.execute(f'DROP TRIGGER "catalog_achievement_fts_{trigger}"')
    missed = result(university, "固态电池电解质")
    assert found("固态电池") == []
    assert repair_search_index() == ["catalog_achievement"]
    assert repair_search_index() == []
    assert found("固态电池") == [missed]
    missed.delete()
    assert found("固态电池") == []


def test_reindex_search_applies_a_changed_dictionary(university, dictionary, capsys):
    record = result(university, "钙钛矿电池组件封装")
    SearchTerm.objects.create(word="钙钛矿电池")
    # The query now keeps the new word whole; the record was split without it.
    assert found("钙钛矿电池") == []
    call_command("reindex_search", batch_size=2)
    assert found("钙钛矿电池") == [record]
    out = capsys.readouterr().out
    assert "检查 1 条，更新 1 条" in out
    call_command("reindex_search")
    assert "检查 1 条，更新 0 条" in capsys.readouterr().out
