"""Patents: application numbers, the value score, the 存量专利盘活 stages, feedback and the pages.

Alice administers 吉林大学 and Bob researches there: their patents are theirs to manage.
Charlie administers 中国一汽 (an enterprise): he reads the registry and gives market feedback.
"""

import datetime
import io
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from hebi.catalog import patent_services
from hebi.catalog.models import Achievement, Patent, PatentFeedback, StatusChange, TechField
from hebi.catalog.patents import (
    ApplicationNumberError,
    IndicatorSpec,
    PatentFacts,
    check_character,
    normalise_application_number,
    normalise_publication_number,
    parse_application_number,
    score_patent,
    split_ipc,
)
from hebi.core.models import AuditLog
from hebi.orgs.models import Region
from tests.factories import OrganisationFactory

TODAY = datetime.date(2025, 1, 1)
_serials = itertools.count(100)


def number(year=2019, kind="1"):
    body = f"{year}{kind}{next(_serials):07d}"
    return f"{body}.{check_character(body)}"


def patent_data(**overrides):
    data = {
        "application_number": number(),
        "title": "一种基于模型预测控制的电动汽车轮毂电机转矩分配方法",
        "abstract": "本发明公开了一种转矩分配方法。",
        "legal_status": "granted",
        "application_date": datetime.date(2019, 5, 6),
        "grant_date": datetime.date(2021, 8, 10),
        "ipc_codes": "B60L15/20; B60W30/02",
        "applicants": "吉林大学",
        "inventors": "王立新；李晓东",
        "claims_count": 10,
    }
    data.update(overrides)
    return data


def make_patent(actor, organisation, **overrides):
    return patent_services.patent_create(actor=actor, organisation=organisation, **patent_data(**overrides))


# -- application numbers (no database) ----------------------------------------------------------
def test_the_published_examples_of_the_check_digit_hold():
    # 201710601862.3 and ZL95115608.X are the worked examples of the public descriptions.
    assert check_character("201710601862") == "3"
    assert check_character("95115608") == "X"


@pytest.mark.parametrize(
    "raw",
    [
        "201910123451.7",
        "ZL201910123451.7",
        "CN 2019101234517",
        "zl 2019 1012 3451.7",
        "ＺＬ２０１９１０１２３４５１．７",
        "201910123451。7",
        " CN201910123451.7 ",
    ],
)
def test_it_accepts_the_ways_people_write_an_application_number(raw):
    assert normalise_application_number(raw) == "201910123451.7"


def test_it_accepts_the_eight_digit_numbers_before_2003():
    parsed = parse_application_number("ZL 95115608.x")
    assert parsed.canonical == "95115608.X"
    assert parsed.year == 1995 and parsed.kind == "invention"


@pytest.mark.parametrize(
    ("type_digit", "kind", "pct"),
    [
        ("1", "invention", False),
        ("2", "utility", False),
        ("3", "design", False),
        ("8", "invention", True),
        ("9", "utility", True),
    ],
)
def test_it_derives_the_kind_from_the_type_digit(type_digit, kind, pct):
    parsed = parse_application_number(number(2020, type_digit))
    assert parsed.kind == kind and parsed.is_pct is pct


def test_it_rejects_a_wrong_check_digit_and_names_the_right_one():
    with pytest.raises(ApplicationNumberError) as caught:
        normalise_application_number("201910123451.8")
    assert caught.value.code == "check"
    assert "应为 7" in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "empty"),
        ("201910123451", "check_missing"),
        ("20191012345.7", "format"),
        ("201940123451.7", "type"),
        ("199910123451.7", "year"),
        ("04115608.X", "year"),
        ("专利201910123451", "format"),
    ],
)
def test_it_says_what_is_wrong_with_a_malformed_number(raw, code):
    with pytest.raises(ApplicationNumberError) as caught:
        parse_application_number(raw, today=TODAY)
    assert caught.value.code == code


def test_a_number_error_is_a_validation_error_with_a_readable_message():
    with pytest.raises(ValidationError) as caught:
        normalise_application_number("201910123451.8")
    assert caught.value.messages == [str(caught.value)]


def test_it_splits_ipc_codes_written_with_spaces_and_chinese_punctuation():
    assert split_ipc("B60L 58/12; H01M10/052，g01r、B60L 58/12") == ["B60L58/12", "H01M10/052", "G01R"]


def test_it_normalises_publication_numbers():
    assert normalise_publication_number(" cn 110123456 a") == "CN110123456A"
    assert normalise_publication_number("") == ""
    with pytest.raises(ApplicationNumberError):
        normalise_publication_number("<b>CN1</b>")


# -- the value score (no database) ---------------------------------------------------------------
INDICATORS = [
    IndicatorSpec("legal_status", "legal", "法律状态", "legal_status", Decimal("0.5")),
    IndicatorSpec("remaining_term", "legal", "剩余保护期", "remaining_term", Decimal("0.3")),
    IndicatorSpec("claims", "legal", "权利要求数量", "claims_count", Decimal("0.2")),
    IndicatorSpec("patent_kind", "technical", "专利类型", "patent_kind", Decimal("0.4")),
    IndicatorSpec("ipc_breadth", "technical", "技术覆盖面", "ipc_breadth", Decimal("0.3")),
    IndicatorSpec("linked_trl", "technical", "关联成果成熟度", "linked_trl", Decimal("0.3")),
    IndicatorSpec("enterprise_interest", "economic", "企业评价意向", "enterprise_interest", Decimal("0.6")),
    IndicatorSpec("local_fit", "economic", "本地产业契合度", "local_fit", Decimal("0.4")),
]
FACTS = PatentFacts(
    kind="invention",
    legal_status="granted",
    application_date=datetime.date(2020, 1, 1),
    claims_count=12,
    ipc_codes=("B60L58/12", "B60L15/20", "H01M10/052"),
    linked_trls=(4, 6),
    feedback={"high": 1, "medium": 1, "none": 2},
    owner_region_code="220102",
)


def test_the_score_is_computed_from_the_facts_and_keeps_its_parts():
    score = score_patent(FACTS, INDICATORS, TODAY)
    parts = {p.code: p for p in score.parts}
    assert parts["remaining_term"].points == Decimal("75.0")  # 15 of 20 years left
    assert parts["ipc_breadth"].points == Decimal("70.0") and "B60L、H01M" in parts["ipc_breadth"].fact
    assert parts["linked_trl"].points == Decimal("66.7") and "TRL 6" in parts["linked_trl"].fact
    assert parts["enterprise_interest"].points == Decimal("75.0")
    assert parts["local_fit"].points == Decimal("100.0")
    # legal 0.5×100 + 0.3×75 + 0.2×100; technical 0.4×100 + 0.3×70 + 0.3×66.7; economic 0.6×75 + 0.4×100
    assert (score.legal, score.technical, score.economic) == (
        Decimal("92.5"),
        Decimal("81.0"),
        Decimal("85.0"),
    )
    assert score.total == Decimal("86.2")
    assert {p["code"] for p in score.parts_as_json()} == {i.code for i in INDICATORS}
    assert score.parts_as_json()[0] == {
        "code": "legal_status",
        "dimension": "legal",
        "name": "法律状态",
        "rule": "legal_status",
        "fact": "有效（已授权）",
        "points": "100.0",
        "weight": "0.500",
        "missing": False,
    }


def test_missing_facts_score_zero_and_say_so():
    score = score_patent(PatentFacts(), INDICATORS, TODAY)
    assert score.total == Decimal("0.0")
    assert all(p.missing and p.points == 0 and p.fact.startswith("未登记") for p in score.parts)


def test_weights_are_normalised_within_a_dimension_and_inactive_ones_ignored():
    indicators = [
        IndicatorSpec("a", "legal", "A", "legal_status", Decimal("2")),
        IndicatorSpec("b", "legal", "B", "claims_count", Decimal("2")),
        IndicatorSpec("c", "legal", "C", "remaining_term", Decimal("1"), is_active=False),
        IndicatorSpec("d", "technical", "D", "patent_kind", Decimal("1")),
    ]
    score = score_patent(
        PatentFacts(kind="utility", legal_status="granted", claims_count=4), indicators, TODAY
    )
    assert [p.weight for p in score.parts] == [Decimal("0.500"), Decimal("0.500"), Decimal("1.000")]
    assert score.legal == Decimal("70.0") and score.technical == Decimal("60.0")
    # No economic indicator is active: the total is the mean of the two dimensions that have some.
    assert score.economic is None and score.total == Decimal("65.0")


def test_a_lapsed_patent_has_no_remaining_term_and_an_unknown_rule_scores_zero():
    indicators = [*INDICATORS, IndicatorSpec("x", "legal", "X", "no_such_rule", Decimal("0.1"))]
    facts = PatentFacts(kind="invention", legal_status="lapsed", application_date=datetime.date(2015, 1, 1))
    parts = {p.code: p for p in score_patent(facts, indicators, TODAY).parts}
    assert parts["remaining_term"].points == 0 and "已不在保护期" in parts["remaining_term"].fact
    assert parts["x"].points == 0 and parts["x"].missing


def test_designs_filed_before_june_2021_have_ten_years():
    old = PatentFacts(kind="design", legal_status="granted", application_date=datetime.date(2016, 1, 1))
    new = PatentFacts(kind="design", legal_status="granted", application_date=datetime.date(2022, 1, 1))
    old_part = next(p for p in score_patent(old, INDICATORS, TODAY).parts if p.code == "remaining_term")
    new_part = next(p for p in score_patent(new, INDICATORS, TODAY).parts if p.code == "remaining_term")
    assert "2026-01-01" in old_part.fact and "2037-01-01" in new_part.fact


# -- services ----------------------------------------------------------------------------------
pytestmark_db = pytest.mark.django_db


@pytestmark_db
def test_a_researcher_registers_a_patent_with_its_kind_score_and_audit(bob, university):
    patent = make_patent(bob, university, application_number="ZL 201910123451.7")
    assert patent.application_number == "201910123451.7"
    assert patent.kind == "invention" and patent.owner == university
    assert patent.inventors == ["王立新", "李晓东"] and patent.ipc_codes == ["B60L15/20", "B60W30/02"]
    assert patent.search_text
    patent.refresh_from_db()
    assert patent.score_total is not None and len(patent.score_parts) == 8
    entry = AuditLog.objects.get(object_id=str(patent.pk), action=AuditLog.Action.CREATE)
    assert entry.actor == bob and entry.organisation == university


@pytestmark_db
def test_another_organisation_may_not_register_patents_for_the_university(charlie, university):
    with pytest.raises(PermissionDenied):
        make_patent(charlie, university)


@pytestmark_db
def test_a_number_is_registered_once(alice, bob, university, enterprise, charlie):
    first = make_patent(bob, university)
    with pytest.raises(ValidationError) as caught:
        make_patent(charlie, enterprise, application_number=first.application_number)
    assert "吉林大学" in caught.value.message_dict["application_number"][0]


@pytestmark_db
def test_a_wrong_check_digit_is_refused_on_the_number_field(bob, university):
    with pytest.raises(ValidationError) as caught:
        make_patent(bob, university, application_number="201910123451.8")
    assert "校验位" in caught.value.message_dict["application_number"][0]
    assert not Patent.objects.exists()


@pytestmark_db
def test_dates_must_not_contradict_each_other(bob, university):
    with pytest.raises(ValidationError) as caught:
        make_patent(bob, university, grant_date=datetime.date(2018, 1, 1))
    assert "grant_date" in caught.value.message_dict


@pytestmark_db
def test_an_edit_is_audited_and_rescores(bob, university):
    patent = make_patent(bob, university, claims_count=2)
    before = Patent.objects.get(pk=patent.pk).score_total
    changes = patent_services.patent_update(actor=bob, patent=patent, claims_count=10, title="新的名称")
    assert set(changes) == {"claims_count", "title"}
    patent.refresh_from_db()
    assert patent.title == "新的名称" and patent.score_total > before
    assert patent_services.patent_update(actor=bob, patent=patent, claims_count=10) == {}


@pytestmark_db
def test_the_screening_stages_move_with_history_and_promotion_needs_a_tier(bob, university):
    patent = make_patent(bob, university)
    patent_services.patent_transition(actor=bob, patent=patent, to="pooled", reason="筛选入库")
    patent_services.patent_transition(actor=bob, patent=patent, to="evaluation")
    with pytest.raises(ValidationError) as caught:
        patent_services.patent_transition(actor=bob, patent=patent, to="promotion")
    assert "tier" in caught.value.message_dict
    patent_services.patent_transition(actor=bob, patent=patent, to="promotion", tier="B")
    patent.refresh_from_db()
    assert (patent.stage, patent.tier) == ("promotion", "B")
    patent_services.patent_transition(actor=bob, patent=patent, to="evaluation", reason="重新评价")
    patent.refresh_from_db()
    assert (patent.stage, patent.tier) == ("evaluation", "")
    moves = list(
        StatusChange.objects.filter(object_id=patent.pk).order_by("id").values_list("to_status", flat=True)
    )
    assert moves == ["pooled", "evaluation", "promotion", "evaluation"]


@pytestmark_db
def test_a_stage_cannot_be_skipped_nor_moved_by_outsiders(bob, charlie, university):
    patent = make_patent(bob, university)
    with pytest.raises(ValidationError):
        patent_services.patent_transition(actor=bob, patent=patent, to="promotion", tier="A")
    with pytest.raises(PermissionDenied):
        patent_services.patent_transition(actor=charlie, patent=patent, to="pooled")


def _to_evaluation(actor, patent):
    patent_services.patent_transition(actor=actor, patent=patent, to="pooled")
    patent_services.patent_transition(actor=actor, patent=patent, to="evaluation")


@pytestmark_db
def test_an_enterprise_gives_feedback_once_and_it_raises_the_economic_score(
    bob, charlie, university, enterprise
):
    patent = make_patent(bob, university)
    _to_evaluation(bob, patent)
    before = Patent.objects.get(pk=patent.pk).score_economic
    patent_services.patent_feedback_record(
        actor=charlie, organisation=enterprise, patent=patent, interest="medium", comment="想了解"
    )
    patent_services.patent_feedback_record(
        actor=charlie, organisation=enterprise, patent=patent, interest="high", comment="有明确意向"
    )
    feedback = PatentFeedback.objects.get(patent=patent)
    assert (feedback.interest, feedback.comment) == ("high", "有明确意向")
    patent.refresh_from_db()
    assert patent.score_economic > before
    part = next(p for p in patent.score_parts if p["code"] == "enterprise_interest")
    assert part["fact"].startswith("1 家有明确意向")


@pytestmark_db
def test_only_enterprises_give_feedback_and_only_during_evaluation(
    alice, bob, charlie, university, enterprise
):
    patent = make_patent(bob, university)
    with pytest.raises(ValidationError):
        patent_services.patent_feedback_record(
            actor=charlie, organisation=enterprise, patent=patent, interest="high"
        )
    _to_evaluation(bob, patent)
    with pytest.raises(PermissionDenied):
        patent_services.patent_feedback_record(
            actor=alice, organisation=university, patent=patent, interest="high"
        )
    with pytest.raises(PermissionDenied):
        patent_services.patent_feedback_record(
            actor=alice, organisation=enterprise, patent=patent, interest="high"
        )


@pytestmark_db
def test_the_score_uses_linked_results_and_the_owners_region(bob, pat, university):
    patent = make_patent(bob, university)
    achievement = Achievement.objects.create(
        owner=university,
        title="轮毂电机",
        field=TechField.objects.first(),
        summary="简介",
        trl=9,
        transfer_modes=["transfer"],
    )
    achievement.patents.add(patent)
    patent_services.patent_rescore(patent, actor=bob)
    patent.refresh_from_db()
    parts = {p["code"]: p for p in patent.score_parts}
    assert parts["linked_trl"]["points"] == "100.0"
    assert parts["local_fit"]["points"] == "100.0" and "220100" in parts["local_fit"]["fact"]
    beijing, _ = Region.objects.get_or_create(code="110000", defaults={"name": "北京市", "kind": "province"})
    far = make_patent(pat, OrganisationFactory(name="北京某大学", region=beijing))
    local_fit = next(p for p in far.score_parts if p["code"] == "local_fit")
    assert local_fit["points"] == "20.0" and "省外" in local_fit["fact"]


# -- pages -------------------------------------------------------------------------------------
@pytestmark_db
@pytest.mark.parametrize("name", ["patents:list", "patents:import"])
def test_pages_ask_anonymous_visitors_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytestmark_db
def test_the_portfolio_lists_filters_and_sorts_an_organisations_patents(
    login, bob, university, enterprise, charlie, django_assert_max_num_queries
):
    make_patent(bob, university, title="授权的发明专利", legal_status="granted")
    make_patent(bob, university, title="审中的发明专利", legal_status="pending", grant_date=None)
    make_patent(bob, university, title="一项实用新型", application_number=number(2020, "2"))
    make_patent(charlie, enterprise, title="一汽的专利")
    client = login(bob)
    with django_assert_max_num_queries(12):
        body = client.get(reverse("patents:list"), {"org": university.pk}).content.decode()
    assert "授权的发明专利" in body and "一汽的专利" not in body and "批量导入" in body
    body = client.get(
        reverse("patents:list"), {"org": university.pk, "legal_status": "pending"}
    ).content.decode()
    assert "审中的发明专利" in body and "授权的发明专利" not in body
    body = client.get(reverse("patents:list"), {"org": university.pk, "kind": "utility"}).content.decode()
    assert "一项实用新型" in body and "审中的发明专利" not in body
    body = client.get(reverse("patents:list"), {"org": university.pk, "q": "审中"}).content.decode()
    assert "审中的发明专利" in body and "一项实用新型" not in body
    assert client.get(reverse("patents:list"), {"org": university.pk, "sort": "-score"}).status_code == 200


@pytestmark_db
def test_the_portfolio_shows_an_empty_state_and_pages_by_twenty(login, bob, university):
    client = login(bob)
    assert (
        "没有符合条件的专利" in client.get(reverse("patents:list"), {"org": university.pk}).content.decode()
    )
    for _ in range(21):
        make_patent(bob, university)
    body = client.get(reverse("patents:list"), {"org": university.pk, "page": 2}).content.decode()
    assert "第 2 / 2 页，共 21 条" in body


@pytestmark_db
def test_other_organisations_see_the_portfolio_but_no_management_buttons(login, charlie, bob, university):
    make_patent(bob, university, title="公开的专利事实")
    body = login(charlie).get(reverse("patents:list"), {"org": university.pk}).content.decode()
    assert "公开的专利事实" in body and "批量导入" not in body


@pytestmark_db
@pytest.mark.parametrize("org", ["999999", "abc"])
def test_an_unknown_organisation_is_not_found(login, bob, org):
    assert login(bob).get(reverse("patents:list"), {"org": org}).status_code == 404


@pytestmark_db
def test_the_detail_page_escapes_html_and_shows_the_score_parts(login, bob, charlie, university):
    patent = make_patent(
        bob,
        university,
        title="<script>alert('x')</script>专利",
        abstract='<img src=x onerror="alert(1)">摘要',
    )
    body = login(charlie).get(reverse("patents:detail", args=[patent.pk])).content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;专利" in body
    assert "<script>alert(" not in body and "<img src=x" not in body
    assert "专利价值评分" in body and "关联成果成熟度" in body and "未登记" in body
    assert "变更为" not in body  # Charlie may not move the university's patents
    assert "修改历史" not in body


@pytestmark_db
def test_a_member_registers_and_edits_a_patent_through_the_pages(login, bob, university):
    client = login(bob)
    form = {
        "application_number": "CN2019101234517",
        "title": "页面登记的专利",
        "legal_status": "pending",
        "application_date": "2019-05-06",
        "ipc_codes": "B60L 58/12",
    }
    response = client.post(f"{reverse('patents:create')}?org={university.pk}", form)
    patent = Patent.objects.get(application_number="201910123451.7")
    assert response.status_code == 302 and response["Location"] == reverse("patents:detail", args=[patent.pk])
    response = client.post(reverse("patents:edit", args=[patent.pk]), {**form, "title": "改过的名称"})
    patent.refresh_from_db()
    assert patent.title == "改过的名称" and patent.ipc_codes == ["B60L58/12"]
    body = client.get(reverse("patents:detail", args=[patent.pk])).content.decode()
    assert "修改历史" in body and "变更为：筛选入库" in body


@pytestmark_db
def test_the_form_shows_a_wrong_check_digit_on_the_field(login, bob, university):
    response = login(bob).post(
        f"{reverse('patents:create')}?org={university.pk}",
        {
            "application_number": "201910123451.8",
            "title": "x",
            "legal_status": "pending",
            "application_date": "2019-05-06",
        },
    )
    assert response.status_code == 200
    assert "校验位应为 7" in response.content.decode()
    assert not Patent.objects.exists()


@pytestmark_db
def test_other_organisations_may_not_register_edit_or_move_patents(login, charlie, bob, university):
    patent = make_patent(bob, university)
    client = login(charlie)
    assert client.get(f"{reverse('patents:create')}?org={university.pk}").status_code == 403
    assert client.get(reverse("patents:edit", args=[patent.pk])).status_code == 403
    assert client.post(reverse("patents:transition", args=[patent.pk]), {"to": "pooled"}).status_code == 403
    assert Patent.objects.get(pk=patent.pk).stage == "inventory"


@pytestmark_db
def test_the_stage_buttons_move_the_patent_and_promotion_asks_for_a_tier(login, bob, university):
    patent = make_patent(bob, university)
    client = login(bob)
    url = reverse("patents:transition", args=[patent.pk])
    client.post(url, {"to": "pooled", "reason": "价值较高"})
    client.post(url, {"to": "evaluation"})
    body = client.post(url, {"to": "promotion"}, follow=True).content.decode()
    assert "推广层级" in body and Patent.objects.get(pk=patent.pk).stage == "evaluation"
    client.post(url, {"to": "promotion", "tier": "A"})
    assert Patent.objects.values_list("stage", "tier").get(pk=patent.pk) == ("promotion", "A")
    body = client.get(reverse("patents:detail", args=[patent.pk])).content.decode()
    assert "价值较高" in body and "筛选入库" in body


@pytestmark_db
def test_an_enterprise_user_gives_feedback_on_the_page(login, bob, charlie, university, enterprise):
    patent = make_patent(bob, university)
    _to_evaluation(bob, patent)
    client = login(charlie)
    assert "提交反馈" in client.get(reverse("patents:detail", args=[patent.pk])).content.decode()
    response = client.post(
        reverse("patents:feedback", args=[patent.pk]),
        {"organisation": enterprise.pk, "interest": "high", "comment": "<b>希望洽谈</b>"},
    )
    assert response.status_code == 302
    body = client.get(reverse("patents:detail", args=[patent.pk])).content.decode()
    assert "&lt;b&gt;希望洽谈&lt;/b&gt;" in body
    assert (
        login(bob)
        .post(
            reverse("patents:feedback", args=[patent.pk]), {"organisation": university.pk, "interest": "high"}
        )
        .status_code
        == 403
    )


@pytestmark_db
def test_an_enterprise_does_not_rate_its_own_patents(charlie, enterprise):
    patent = make_patent(charlie, enterprise)
    _to_evaluation(charlie, patent)
    with pytest.raises(ValidationError):
        patent_services.patent_feedback_record(
            actor=charlie, organisation=enterprise, patent=patent, interest="high"
        )


def test_the_filtered_patent_list_exports_and_refuses_bad_input(client, alice, university):
    patent_services.patent_create(
        actor=alice,
        organisation=university,
        application_number="201710601862.3",
        title='=HYPERLINK("x") 一种车用电池热管理方法',
        legal_status="granted",
        application_date=datetime.date(2017, 7, 21),
    )
    client.force_login(alice, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("patents:export"), {"org": university.pk, "format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "申请号" and rows[1][0] == "201710601862.3"
    assert rows[1][2].startswith("'=")
    assert client.get(reverse("patents:export"), {"format": "doc"}).status_code == 404
    assert client.get(reverse("patents:export"), {"org": "9" * 30, "format": "csv"}).status_code == 404
    client.logout()
    assert client.get(reverse("patents:export"), {"format": "csv"}).status_code == 302
