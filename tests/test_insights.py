"""The transfer report (技术合同与转化项目统计): the arithmetic without a database, then the page, the
workbook and the API with their scoping.

Alice administers 吉林大学, the seller of two registered contracts; Charlie administers 中国一汽,
the buyer of one of them. Sam (secretariat) and Rita (registry officer) see the whole city.
Nina belongs nowhere.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from hebi.contracts import services
from hebi.contracts.models import ContractCategory, RefusalReason
from hebi.core.validators import uscc_check_character
from hebi.deals.models import Engagement, StagePeriod, TransferProject, WorkTeam
from hebi.insights import stats
from hebi.insights.selectors import parse_year
from hebi.orgs.models import Region
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, changchun

D = Decimal
NOW = datetime.datetime(2026, 6, 30, 12, tzinfo=datetime.UTC)
PIPELINE = ["matched", "negotiating", "contracted", "concept", "pilot", "incubation", "industrial"]


def contract(
    pk,
    category="development",
    subtype="development_commissioned",
    total="100",
    tech="80",
    on=datetime.date(2026, 3, 5),
    local=True,
    region="220104",
):
    return stats.ContractFacts(pk, category, subtype, D(total), D(tech), on, local, region)


# -- contracts ------------------------------------------------------------------------------------
def test_totals_add_up_amounts_and_the_local_share():
    rows = [contract(1, total="100", tech="80"), contract(2, total="300", tech="120", local=False)]
    totals = stats.contract_totals(rows)
    assert (totals.count, totals.total_amount, totals.tech_amount) == (2, D(400), D(200))
    assert (totals.local_count, totals.local_tech_amount) == (1, D(80))
    assert totals.local_share_amount == D("0.4")
    assert totals.local_share_count == D("0.5")


def test_totals_of_nothing_have_no_share():
    totals = stats.contract_totals([])
    assert totals.count == 0 and totals.total_amount == 0
    assert totals.local_share_amount is None and totals.local_share_count is None


def test_every_category_is_listed_in_order_even_empty():
    rows = [contract(1, "transfer", "transfer_patent", "50", "50"), contract(2), contract(3)]
    groups = stats.by_category(
        rows, {"development": "技术开发", "transfer": "技术转让"}, ["development", "transfer", "licence"]
    )
    assert [(g.key, g.label, g.count, g.total_amount) for g in groups] == [
        ("development", "技术开发", 2, D(200)),
        ("transfer", "技术转让", 1, D(50)),
        ("licence", "licence", 0, D(0)),
    ]


def test_subtypes_list_only_those_with_contracts():
    rows = [contract(1, subtype="development_cooperative"), contract(2)]
    groups = stats.by_subtype(rows, {}, ["development_commissioned", "development_cooperative", "x"])
    assert [g.key for g in groups] == ["development_commissioned", "development_cooperative"]


@pytest.mark.parametrize(
    ("code", "prefecture"),
    [("220104", "220100"), ("2201XQ", "220100"), ("110108", "110100"), ("220000", "220000"), ("", "")],
)
def test_a_region_rolls_up_to_its_prefecture(code, prefecture):
    assert stats.prefecture_code(code) == prefecture


def test_regions_group_districts_of_one_city_and_put_the_biggest_first():
    rows = [
        contract(1, region="220104", tech="10"),
        contract(2, region="2201XQ", tech="15"),
        contract(3, region="110108", tech="40", local=False),
    ]
    groups = stats.by_region(rows, {"220100": "长春市", "110100": "北京市"})
    assert [(g.label, g.count, g.tech_amount) for g in groups] == [("北京市", 1, D(40)), ("长春市", 2, D(25))]


def test_months_cover_the_whole_year_and_skip_other_years():
    rows = [
        contract(1, on=datetime.date(2026, 1, 31)),
        contract(2, on=datetime.date(2026, 1, 2)),
        contract(3, on=datetime.date(2026, 12, 1), tech="5"),
        contract(4, on=datetime.date(2025, 12, 31)),
    ]
    months = stats.by_month(rows, 2026)
    assert [g.key for g in months][:2] == ["2026-01", "2026-02"] and len(months) == 12
    assert (months[0].count, months[1].count, months[11].count, months[11].tech_amount) == (2, 0, 1, D(5))


def test_locality_always_shows_both_sides():
    groups = stats.by_locality([contract(1)], {"local": "本地", "non_local": "非本地"})
    assert [(g.key, g.count) for g in groups] == [("local", 1), ("non_local", 0)]


# -- projects ----------------------------------------------------------------------------------------
def project(pk, stage, visited, reason=""):
    return stats.ProjectFacts(pk, stage, reason, tuple(visited))


def test_the_funnel_counts_skipped_steps_as_passed_and_stops_by_reason():
    projects = [
        project(1, "matched", ["matched"]),
        project(2, "industrial", ["matched", "negotiating", "contracted", "industrial"]),
        project(3, "stopped", ["matched", "negotiating", "stopped"], "terms"),
        project(4, "pilot", ["matched", "negotiating", "contracted", "concept", "pilot"]),
    ]
    funnel = stats.project_funnel(projects, PIPELINE, "stopped", reasons=["terms", "technical"])
    steps = {step.stage: step for step in funnel.steps}
    assert [steps[s].reached for s in PIPELINE] == [4, 3, 2, 2, 2, 1, 1]
    assert steps["concept"].visited == 1 and steps["pilot"].visited == 1
    assert steps["matched"].current == 1 and steps["industrial"].current == 1
    assert (funnel.total, funnel.stopped) == (4, 1)
    assert [(g.reason, g.count, g.by_stage) for g in funnel.stopped_reasons] == [
        ("terms", 1, {"negotiating": 1}),
        ("technical", 0, {}),
    ]


def test_the_median_of_an_even_count_is_the_mean_of_the_two_middle_values():
    assert stats.median([1, 9, 3, 7]) == 5.0
    assert stats.median([4, 1, 7]) == 4.0
    assert stats.median([]) is None


def stay(pk, stage, start_day, end_day=None):
    start = NOW - datetime.timedelta(days=start_day)
    return stats.StayFacts(
        pk, stage, start, NOW - datetime.timedelta(days=end_day) if end_day is not None else None
    )


def test_median_days_count_open_stays_up_to_now_and_flag_them():
    stays = [
        stay(1, "negotiating", 40, 30),  # 10 days
        stay(2, "negotiating", 50, 20),  # 30 days
        stay(3, "negotiating", 20),  # still there: 20 days so far
        stay(4, "negotiating", 60, 56),  # 4 days
        stay(1, "contracted", 30, 10),  # 20 days
    ]
    rows = {row.stage: row for row in stats.stage_durations(stays, PIPELINE, NOW)}
    negotiating = rows["negotiating"]
    assert (negotiating.stays, negotiating.ongoing) == (4, 1)
    assert negotiating.median_days == 15.0  # 4, 10, 20, 30 → (10 + 20) / 2
    assert negotiating.median_finished_days == 10.0
    assert negotiating.includes_open
    assert rows["contracted"].median_days == 20.0 and not rows["contracted"].includes_open
    assert rows["pilot"].median_days is None and rows["pilot"].stays == 0


# -- engagements ----------------------------------------------------------------------------------------
def test_engagements_count_distinct_results_and_needs_per_team_and_month():
    rows = [
        stats.EngagementFacts(1, "7", datetime.date(2026, 3, 2), frozenset({1, 2}), frozenset({10})),
        stats.EngagementFacts(2, "7", datetime.date(2026, 3, 9), frozenset({2, 3}), frozenset({10})),
        stats.EngagementFacts(3, "7", datetime.date(2026, 5, 9), frozenset({1}), frozenset()),
        stats.EngagementFacts(4, "", datetime.date(2026, 5, 9), frozenset({4}), frozenset({11})),
        stats.EngagementFacts(5, "7", datetime.date(2025, 5, 9), frozenset({9}), frozenset()),
    ]
    table = stats.engagement_table(rows, 2026, {"7": "光电信息专班", "": "未归属"}, ["7"])
    team = table.teams[0]
    assert (team.label, team.months[2], team.months[4]) == (
        "光电信息专班",
        stats.EngagementCell(2, 3, 1),
        stats.EngagementCell(1, 1, 0),
    )
    assert team.year == stats.EngagementCell(3, 3, 1)
    assert [t.team for t in table.teams] == ["7", ""]
    assert table.total == stats.EngagementCell(4, 4, 2)
    assert table.months[4] == stats.EngagementCell(2, 2, 1)


@pytest.mark.parametrize(
    ("value", "year", "ok"),
    [
        (None, 2026, True),
        ("2025", 2025, True),
        ("abc", 2026, False),
        ("1999", 2026, False),
        ("2028", 2026, False),
        ("２０２５", 2025, True),
        ("9" * 40, 2026, False),
    ],
)
def test_a_year_is_a_four_digit_year_in_range(value, year, ok):
    got, problem = parse_year(value, today=datetime.date(2026, 6, 30))
    assert got == year and (problem == "") is ok


# -- pages, workbook, API -------------------------------------------------------------------------------
TODAY = timezone.localdate()


def code(first17):
    return first17 + uscc_check_character(first17)


def _contract(actor, seller, buyer_org, *, category, total, tech, region, buyer_uscc, title, items=()):
    data = {
        "title": title,
        "category": ContractCategory.objects.get(code=category),
        "licence_scope": "ordinary" if category.startswith("licence") else "",
        "subject": "演示",
        "total_amount": total,
        "tech_amount": tech,
        "non_tech_items": list(items),
        "signed_on": TODAY - datetime.timedelta(days=5),
        "term_start": TODAY - datetime.timedelta(days=5),
        "term_end": TODAY + datetime.timedelta(days=300),
    }
    parties = [
        {
            "role": "seller",
            "name": seller.name,
            "uscc": code("12220000412345678"),
            "region": "220100",
            "organisation": seller,
        },
        {
            "role": "buyer",
            "name": buyer_org.name if buyer_org else "外地公司",
            "uscc": buyer_uscc,
            "region": region,
            "organisation": buyer_org,
        },
    ]
    pdf = SimpleUploadedFile("c.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    return services.contract_create(
        actor=actor, seller=seller, data=data, parties=parties, signed_file=pdf, buyer_org=buyer_org
    )


@pytest.fixture
def city(db, alice, charlie, university, enterprise, rita, bureau):
    """Two registered contracts of 吉林大学 (one to 中国一汽, one to Beijing), one refused contract
    of another university, a project and an engagement of each side."""
    changchun()
    Region.objects.get_or_create(
        code="220104", defaults={"name": "朝阳区", "kind": "district", "parent_id": "220100"}
    )
    Region.objects.get_or_create(code="110100", defaults={"name": "北京市", "kind": "prefecture"})
    Region.objects.get_or_create(
        code="110108", defaults={"name": "海淀区", "kind": "district", "parent_id": "110100"}
    )
    first = _contract(
        alice,
        university,
        enterprise,
        category="licence_patent",
        total="1200000",
        tech="1000000",
        region="220104",
        buyer_uscc=code("91220101MA1234567"),
        title="专利实施许可合同",
        items=[{"name": "设备", "amount": "200000"}],
    )
    second = _contract(
        alice,
        university,
        None,
        category="development_commissioned",
        total="500000",
        tech="500000",
        region="110108",
        buyer_uscc=code("91110108MA0000001"),
        title="委托开发合同",
    )
    other = OrganisationFactory(name="长春理工大学")
    olga = UserFactory(username="olga")
    MembershipFactory(user=olga, organisation=other, role="org_admin")
    refused = _contract(
        olga,
        other,
        None,
        category="service_general",
        total="90000",
        tech="90000",
        region="220104",
        buyer_uscc=code("91220101MA7654321"),
        title="技术服务合同",
    )
    for item in (first, second, refused):
        services.contract_submit(actor=olga if item is refused else alice, contract=item)
    services.contract_register(actor=rita, contract=first)
    services.contract_register(actor=rita, contract=second)
    services.contract_refuse(
        actor=rita, contract=refused, reasons=[RefusalReason.objects.get(code="missing_proof")]
    )
    now = timezone.now()
    team = WorkTeam.objects.create(name="光电信息专班", organisation=bureau)
    deal = TransferProject.objects.create(
        title="项目甲",
        owner=university,
        enterprise=enterprise,
        stage="negotiating",
        stage_entered_at=now - datetime.timedelta(days=3),
    )
    StagePeriod.objects.create(
        project=deal,
        stage="matched",
        entered_at=now - datetime.timedelta(days=13),
        left_at=now - datetime.timedelta(days=3),
    )
    StagePeriod.objects.create(project=deal, stage="negotiating", entered_at=now - datetime.timedelta(days=3))
    elsewhere = TransferProject.objects.create(
        title="项目乙", owner=other, enterprise=OrganisationFactory(), stage="matched", stage_entered_at=now
    )
    StagePeriod.objects.create(project=elsewhere, stage="matched", entered_at=now)
    for org, with_team in ((university, True), (other, False)):
        engagement = Engagement.objects.create(
            kind="visit",
            held_on=TODAY,
            team=team if with_team else None,
            recorded_by=olga,
            recorder_org=org,
            summary="走访",
            outcome="information",
        )
        engagement.organisations.set([org])
    return {"first": first, "second": second}


def _api(api, user, **params):
    return api(user).get(reverse("report-transfers"), params)


def test_the_city_sees_every_registered_contract(city, sam, api):
    data = _api(api, sam).json()
    assert data["scope"]["city"] is True
    assert data["totals"]["count"] == 2
    assert D(data["totals"]["total_amount"]) == D(1_700_000)
    assert D(data["totals"]["tech_amount"]) == D(1_500_000)
    assert D(data["totals"]["local_share_amount"]) == D("0.6667")
    by_category = {row["key"]: row["count"] for row in data["by_category"]}
    assert by_category["licence"] == 1 and by_category["development"] == 1 and by_category["service"] == 0
    regions = {row["label"]: D(row["tech_amount"]) for row in data["by_region"]}
    assert regions == {"长春市": D(1_000_000), "北京市": D(500_000)}
    assert data["funnel"]["total"] == 2
    assert data["engagements"]["total"]["engagements"] == 2


def test_the_registry_officer_sees_the_city_too(city, rita, api):
    assert _api(api, rita).json()["totals"]["count"] == 2


def test_a_buyer_sees_only_its_own_contracts_projects_and_engagements(city, charlie, api):
    data = _api(api, charlie).json()
    assert data["scope"] == {
        "city": False,
        "organisations": [charlie.memberships.get().organisation_id],
        "label": "中国第一汽车集团有限公司",
    }
    assert data["totals"]["count"] == 1
    assert D(data["totals"]["tech_amount"]) == D(1_000_000)
    assert data["funnel"]["total"] == 1
    assert data["engagements"]["total"]["engagements"] == 0


def test_a_seller_sees_its_organisations_figures(city, alice, api):
    data = _api(api, alice).json()
    assert data["totals"]["count"] == 2
    assert data["engagements"]["total"]["engagements"] == 1


def test_someone_who_belongs_nowhere_gets_no_report(city, nina, api, login):
    assert _api(api, nina).status_code == 403
    client = login(nina)
    assert client.get(reverse("insights:transfers")).status_code == 403
    assert client.get(reverse("insights:transfers-xlsx")).status_code == 403


def test_the_api_refuses_a_bad_year_with_a_message(city, sam, api):
    response = _api(api, sam, year="20x6")
    assert response.status_code == 400
    assert "年份" in response.json()["year"][0]


def test_another_year_is_empty(city, sam, api):
    data = _api(api, sam, year=str(TODAY.year - 1)).json()
    assert data["year"] == TODAY.year - 1 and data["totals"]["count"] == 0


def test_the_page_shows_figures_tables_and_local_charts(city, sam, login):
    page = login(sam).get(reverse("insights:transfers")).content.decode()
    assert "技术交易额" in page and "150 万元" in page  # 1,500,000 yuan
    assert 'data-testid="table-categories"' in page and 'data-testid="table-funnel"' in page
    assert 'id="chart-categories" type="application/json"' in page
    assert "/static/hebi/vendor/echarts/echarts.min.js" in page and "cdn" not in page.lower()
    assert "光电信息专班" in page


def test_the_page_falls_back_to_this_year_on_a_bad_year(city, sam, login):
    response = login(sam).get(reverse("insights:transfers"), {"year": "<script>"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "年份" in page and "无效" in page and "<script>" not in page.split("<main>")[1].split("</main>")[0]
    assert f'<option value="{TODAY.year}" selected>' in page


def test_a_member_sees_only_their_organisations_figures_on_the_page(city, charlie, login):
    page = login(charlie).get(reverse("insights:transfers")).content.decode()
    assert "100 万元" in page and "150 万元" not in page


def test_the_workbook_has_a_sheet_per_table_with_numbers_and_units(city, sam, login):
    response = login(sam).get(reverse("insights:transfers-xlsx"), {"year": TODAY.year})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert {"说明", "按合同类别", "转化项目漏斗", "各阶段停留时间（中位数）"} <= set(book.sheetnames)
    sheet = book["按合同类别"]
    header = [cell.value for cell in sheet[1]]
    assert header == ["合同类别", "登记合同数", "合同成交额（元）", "技术交易额（元）"]
    rows = {row[0]: row[1:] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]}
    assert rows["技术许可"][0] == 1 and rows["技术许可"][2] == 1_000_000
    assert rows["合计"] == (2, 1_700_000, 1_500_000)
    assert isinstance(rows["合计"][1], int | float)


def test_a_bad_year_on_the_workbook_goes_back_to_the_page(city, sam, login):
    response = login(sam).get(reverse("insights:transfers-xlsx"), {"year": "next"})
    assert response.status_code == 302 and reverse("insights:transfers") in response["Location"]


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(reverse("insights:transfers"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_figure_links_to_the_contracts_it_counts(city, sam, login):
    """The drill-down: the local-conversion figure's link lists exactly the local registered contracts."""
    from hebi.insights.reports import contracts_link

    client = login(sam)
    page = client.get(contracts_link(TODAY.year, local=True)).content.decode()
    assert "专利实施许可合同" in page
    assert "委托开发合同" not in page and "技术服务合同" not in page
    everything = client.get(contracts_link(TODAY.year)).content.decode()
    assert "专利实施许可合同" in everything and "委托开发合同" in everything
    assert "技术服务合同" not in everything  # refused: not counted, not listed
    assert "委托开发合同" in client.get(contracts_link(TODAY.year, category="development")).content.decode()
    assert "委托开发合同" not in client.get(contracts_link(TODAY.year + 1)).content.decode()


def test_text_that_looks_like_a_formula_stays_text_in_the_workbook():
    from hebi.insights.exports import plain_text

    assert plain_text("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert plain_text("吉林大学") == "吉林大学" and plain_text(3) == 3


def test_a_superscript_year_gets_a_message_not_an_error(sam, api, login):
    assert api(sam).get(reverse("report-transfers"), {"year": "²²²²"}).status_code == 400
    assert login(sam).get(reverse("insights:transfers"), {"year": "²²²²"}).status_code == 200
    assert login(sam).get(reverse("contracts:list"), {"seller": "²"}).status_code == 200
