"""The registry's demo: CSL papers as research results, fictional needs of real enterprises."""

import datetime
import json
import time
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from hebi.catalog.demo import (
    CSL_LICENCE,
    CSL_SOURCE,
    DEMO_NEED_NOTE,
    RESEARCH_ORGS,
    Paper,
    load_catalog_demo,
    load_needs_file,
    owner_candidates,
)
from hebi.catalog.models import Achievement, Need, NeedIndicator, TechField
from hebi.catalog.search.backend import apply_search
from hebi.catalog.search.lexicon import current_lexicon
from hebi.catalog.search.text import parse_query
from hebi.core.demo import SeedReport, load_demo_file
from hebi.core.models import AuditLog
from hebi.orgs.models import Organisation

PAPERS = settings.HEBI_SHARED_DATA_DIR / "csl" / "papers.jsonl"
needs_papers = pytest.mark.skipif(
    not PAPERS.is_file(), reason=f"the CSL paper records are not at {PAPERS} (../shared/data is absent)"
)

# 31 records of the real file, one per discipline, covering every owner rule.
SAMPLE_IDS = [
    "csl-dev-0506", "csl-dev-0454", "csl-test-0721", "csl-test-0843", "csl-dev-0813", "csl-test-0159",
    "csl-test-0691", "csl-test-0529", "csl-dev-0695", "csl-test-0519", "csl-test-0536", "csl-dev-0777",
    "csl-test-0443", "csl-test-0410", "csl-test-0780", "csl-dev-0122", "csl-dev-0264", "csl-dev-0684",
    "csl-dev-0488", "csl-dev-0567", "csl-dev-0356", "csl-dev-0289", "csl-dev-0007", "csl-dev-0248",
    "csl-test-0462", "csl-dev-0873", "csl-test-0586", "csl-test-0805", "csl-test-0610", "csl-test-0361",
    "csl-test-0883",
]  # fmt: skip
SEVEN_FIELDS = {"auto", "optoelectronics", "biomedicine", "materials", "agriculture", "energy", "aerospace"}
ENTERPRISES = {"faw", "faw_jiefang", "cgstl", "gpixel", "cgcy", "gensci", "crrc_cc", "sbm"}


def _sample_lines() -> list[str]:
    wanted = set(SAMPLE_IDS)
    with PAPERS.open(encoding="utf-8") as lines:
        return [line for line in lines if json.loads(line)["id"] in wanted]


@pytest.fixture
def sample_papers(settings, tmp_path):
    """The seed reads settings.HEBI_SHARED_DATA_DIR/csl/papers.jsonl: point it at 31 real lines."""
    (tmp_path / "csl").mkdir()
    lines = _sample_lines()
    assert len(lines) == len(SAMPLE_IDS)
    (tmp_path / "csl" / "papers.jsonl").write_text("".join(lines), encoding="utf-8")
    settings.HEBI_SHARED_DATA_DIR = tmp_path
    # The seed sets ten demo passwords; the default hasher would spend two seconds per load on them.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return {json.loads(line)["id"]: json.loads(line) for line in lines}


@pytest.fixture
def seeded(db, sample_papers):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return sample_papers


def _org_key(org: Organisation) -> str:
    keys = {row["name"]: row["key"] for row in load_demo_file()["organisations"]}
    return keys[org.name]


def _demo_orgs() -> dict[str, Organisation]:
    """key → Organisation for the demo file's organisations, as the core loader passes them."""
    names = {row["key"]: row["name"] for row in load_demo_file()["organisations"]}
    return {key: Organisation.objects.get(name=name) for key, name in names.items()}


# -- the needs file on its own ----------------------------------------------------------------
def test_needs_file_is_complete_and_plausible():
    needs = load_needs_file()
    fields = {
        row["code"]
        for row in json.loads((settings.BASE_DIR / "hebi/catalog/data/fields.json").read_text())["fields"]
    }
    orgs = {row["key"]: row for row in load_demo_file()["organisations"]}
    assert len(needs) >= 32
    assert len({(n["owner"], n["title"]) for n in needs}) == len(needs)
    assert {n["field"] for n in needs} >= SEVEN_FIELDS
    for field in SEVEN_FIELDS:
        assert sum(n["field"] == field for n in needs) >= 3, field
    for n in needs:
        assert n["field"] in fields, n["title"]
        assert orgs[n["owner"]]["kind"] == "enterprise", n["owner"]
        assert 150 <= len(n["description"]) <= 400, n["title"]
        assert 2 <= len(n["indicators"]) <= 4, n["title"]
        assert all(i["name"] and i["target"] for i in n["indicators"])
        assert 300_000 <= n["budget"] <= 20_000_000, n["title"]
        assert n["deadline_days"] > 0
        assert n["ip_ownership"] in Need.IPOwnership.values
        assert n["cooperation"] in Need.Cooperation.values
        assert n["status"] in (Need.Status.PUBLISHED, Need.Status.DRAFT)
        if n["visibility"] == "confidential":
            assert n["confidential_details"]
    visibilities = [n["visibility"] for n in needs]
    assert visibilities.count("members") >= 3 and visibilities.count("confidential") >= 2
    assert sum(n["is_complex"] for n in needs) >= 4
    assert sum(n["status"] == "draft" for n in needs) >= 2


# -- results from papers ----------------------------------------------------------------------
@needs_papers
def test_every_result_names_its_source_and_licence(seeded):
    results = Achievement.objects.all()
    assert results.count() == len(SAMPLE_IDS)
    for result in results:
        assert result.source == CSL_SOURCE
        assert result.source_licence == CSL_LICENCE
        assert result.source_ref in seeded
        assert result.title == seeded[result.source_ref]["title"]
        assert result.summary == seeded[result.source_ref]["abstract"].strip()
        # Published, or moved on by the demo's match feedback (洽谈中).
        assert result.status in (Achievement.Status.PUBLISHED, Achievement.Status.NEGOTIATING)
        assert result.search_text


@needs_papers
def test_fields_and_owners_follow_the_discipline(seeded):
    field_of = {d: f.code for f in TechField.objects.all() for d in f.disciplines}
    for result in Achievement.objects.select_related("owner"):
        row = seeded[result.source_ref]
        assert result.field_id == field_of.get(row["discipline"], "social")
        paper = Paper(
            row["id"], row["title"], row["abstract"], row["keywords"], row["discipline"], row["category"]
        )
        assert _org_key(result.owner) in owner_candidates(paper), (row["discipline"], result.owner)
    assert Achievement.objects.get(source_ref="csl-dev-0506").field_id == "optoelectronics"  # 光学工程
    herbal = [r for r in Achievement.objects.all() if seeded[r.source_ref]["discipline"] == "中医学/中药学"]
    assert herbal and all(r.owner.name == "长春中医药大学" for r in herbal)


@needs_papers
def test_every_demo_university_and_institute_gets_results(seeded):
    owners = {_org_key(org) for org in Organisation.objects.filter(achievements__isnull=False)}
    assert owners == set(RESEARCH_ORGS)


@needs_papers
def test_results_look_like_offers(seeded):
    results = list(Achievement.objects.all())
    assert all(2 <= r.trl <= 6 for r in results)
    assert all(r.transfer_modes and r.mode_tags == f" {' '.join(r.transfer_modes)} " for r in results)
    assert all(r.published_at and r.published_at <= timezone.now() for r in results)
    assert all(timezone.now() - r.published_at < datetime.timedelta(days=550) for r in results)
    for r in results:
        if r.price_kind == "negotiable":
            assert r.price_min is None and r.price_max is None
        elif r.price_kind == "fixed":
            assert r.price_min and r.price_min > 0 and r.price_max is None
        else:
            assert Decimal(0) < r.price_min <= r.price_max
        if r.visibility == "confidential":
            assert r.confidential_details
    assert sum(r.visibility == "public" for r in results) > len(results) / 2
    engineering = [r.trl for r in results if seeded[r.source_ref]["category"] == "工学"]
    humanities = [r.trl for r in results if seeded[r.source_ref]["category"] in ("哲学", "历史学", "教育学")]
    assert min(engineering) >= 4 and max(humanities) <= 3


@needs_papers
def test_demo_researchers_are_in_a_few_teams(seeded):
    for username, org_name in (("jlu_li", "吉林大学"), ("cust_wang", "长春理工大学")):
        teams = Achievement.objects.filter(team__username=username)
        assert teams.exists(), username
        assert all(a.owner.name == org_name for a in teams)


@needs_papers
def test_results_are_found_by_the_search_engine(seeded):
    result = Achievement.objects.get(source_ref="csl-dev-0506")
    keyword = result.keywords[0]
    found = apply_search(Achievement.objects.all(), parse_query(keyword, current_lexicon()))
    assert result in found


# -- needs ------------------------------------------------------------------------------------
@needs_papers
def test_needs_across_the_seven_fields_with_indicators_budgets_and_future_deadlines(seeded):
    needs = Need.objects.select_related("owner")
    assert needs.count() >= 30
    assert set(needs.values_list("field_id", flat=True)) >= SEVEN_FIELDS
    today = timezone.localdate()
    for need in needs:
        assert _org_key(need.owner) in ENTERPRISES
        assert 2 <= need.indicators.count() <= 4
        assert need.budget and Decimal(300_000) <= need.budget <= Decimal(20_000_000)
        assert need.deadline and need.deadline > today
        assert need.search_text
        if need.status in Need.OPEN_STATES:
            assert need.published_at and need.published_at <= timezone.now()
        else:
            assert need.published_at is None
        if need.visibility == "confidential":
            assert need.confidential_details
    assert Need.objects.filter(status="draft").exists()
    faw = Need.objects.filter(owner__name="中国第一汽车集团有限公司")
    assert faw.exists() and all(n.created_by and n.created_by.username == "faw_chen" for n in faw)
    complex_published = Need.objects.filter(is_complex=True, status__in=Need.OPEN_STATES)
    assert complex_published.exists()
    assert all(n.manager and n.manager.username == "ciomp_zhao" for n in complex_published)


@needs_papers
def test_needs_say_they_are_demo_content_in_their_history(seeded):
    need = Need.objects.first()
    created = AuditLog.objects.get(action="create", content_type__model="need", object_id=str(need.pk))
    assert DEMO_NEED_NOTE in created.note


@needs_papers
def test_needs_are_found_by_the_search_engine(seeded):
    found = apply_search(Need.objects.all(), parse_query("储氢瓶", current_lexicon()))
    assert found.filter(title__contains="储氢瓶").exists()


# -- idempotence ------------------------------------------------------------------------------
def _counts():
    return (
        Achievement.objects.count(),
        Achievement.team.through.objects.count(),
        Need.objects.count(),
        NeedIndicator.objects.count(),
        AuditLog.objects.count(),
    )


@needs_papers
def test_a_second_run_writes_nothing(seeded):
    before = _counts()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "nothing changed" in out.getvalue()
    assert _counts() == before


@needs_papers
def test_a_changed_need_is_put_back_from_the_file(seeded):
    need = Need.objects.get(title="车载70 MPa IV型储氢瓶内胆材料与缠绕工艺")
    Need.objects.filter(pk=need.pk).update(budget=Decimal(1))
    need.indicators.first().delete()
    orgs = _demo_orgs()
    report = SeedReport()
    load_catalog_demo(orgs=orgs, report=report)
    need.refresh_from_db()
    assert need.budget == Decimal(10_000_000) and need.indicators.count() == 3
    assert report.updated == {"need": 1} and report.created == {}


# -- the real file ----------------------------------------------------------------------------
@needs_papers
def test_the_real_paper_file_loads_2000_results_in_seconds(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=StringIO())  # default path: the real 2,000 records
    assert Achievement.objects.filter(source=CSL_SOURCE).count() == 2000
    # Again, timed on the catalog part alone, from scratch.
    orgs = _demo_orgs()
    Achievement.objects.all().delete()
    started = time.monotonic()
    report = SeedReport()
    load_catalog_demo(orgs=orgs, report=report, papers_path=PAPERS)
    assert report.created["achievement"] == 2000
    assert time.monotonic() - started < 20
    per_owner = {
        _org_key(o): o.achievements.count()
        for o in Organisation.objects.filter(achievements__isnull=False).distinct()
    }
    assert set(per_owner) == set(RESEARCH_ORGS) and min(per_owner.values()) >= 50


def test_published_demo_records_have_their_status_history(seeded):
    from hebi.catalog.workflow import status_history

    result = Achievement.objects.filter(status="published").first()
    need = Need.objects.filter(status="published").first()
    draft = Need.objects.filter(status="draft").first()
    for record in (result, need):
        moves = [(c.from_status, c.to_status) for c in status_history(record)]
        assert moves == [("draft", "published")]
    assert not status_history(draft).exists()
