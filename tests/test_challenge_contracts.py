"""Milestone contracts (军令状): signing, mid-term and acceptance panels, verdicts, outcomes,
tranches, penalties and the boards — the pages and the services behind them.

中国一汽 (Charlie) posted the challenge; 吉林大学 (Alice administers it, Bob filed the application)
won it. Sam sits in the committee secretariat and runs the contract. Dave belongs to another
university and has no business with it; Nina belongs nowhere. The experts come from the pool;
one of them works at 吉林大学 and must stand aside.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from hebi.challenges import milestones
from hebi.challenges.models import (
    Challenge,
    ContractMilestone,
    MilestoneContract,
    MilestoneReview,
    MilestoneVerdict,
    Panel,
    PanelExclusion,
    Penalty,
    Tranche,
)
from hebi.core.models import Notification
from hebi.core.roles import Role
from tests.challenge_factories import (
    declare,
    make_application,
    make_challenge,
    make_contract,
    make_expert,
    make_experts,
)
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

TODAY = timezone.localdate()
PENALTY_TERMS = "未通过验收的，收回未使用的财政资金，三年内不得申报。"


@pytest.fixture
def challenge(enterprise):
    return make_challenge(enterprise, status="decided")


@pytest.fixture
def awarded(challenge, university, bob):
    return make_application(challenge, university, status="awarded", created_by=bob)


@pytest.fixture
def contract(awarded):
    return make_contract(awarded)


@pytest.fixture
def dave(db):
    other = OrganisationFactory(name="长春理工大学", kind="university")
    user = UserFactory(username="dave", display_name="戴夫")
    MembershipFactory(user=user, organisation=other, role=Role.RESEARCHER)
    return user


@pytest.fixture
def experts(db):
    return make_experts(5)


@pytest.fixture
def insider(university):
    """An expert of the pool who works at 吉林大学, the winning team's organisation."""
    return make_expert("吉大专家", organisation=university)


def midterm(contract):
    return contract.milestones.get(kind=ContractMilestone.Kind.MIDTERM)


def acceptance(contract):
    return contract.milestones.get(kind=ContractMilestone.Kind.ACCEPTANCE)


def panel_for(sam, milestone, experts):
    return milestones.milestone_panel_form(actor=sam, milestone=milestone, experts=experts)


def give(panel, experts, verdict="pass"):
    for expert in experts:
        milestones.verdict_submit(
            actor=expert.user, panel=panel, verdict=verdict, comment="按期完成考核内容。"
        )


def reviewed(sam, milestone, experts, outcome="passed", verdict="pass", **extra):
    panel = panel_for(sam, milestone, experts)
    give(panel, experts[:3], verdict)
    return milestones.milestone_review(
        actor=sam, milestone=milestone, outcome=outcome, comment="同意。", **extra
    )


def contract_form(**overrides):
    data = {
        "signed_on": TODAY.isoformat(),
        "starts_on": TODAY.isoformat(),
        "ends_on": "",
        "amount_public": "3000000",
        "amount_enterprise": "5000000",
        "penalty_terms": PENALTY_TERMS,
        "milestones-TOTAL_FORMS": "3",
        "milestones-INITIAL_FORMS": "0",
        "milestones-MIN_NUM_FORMS": "0",
        "milestones-MAX_NUM_FORMS": "20",
        "milestones-0-title": "中期考核",
        "milestones-0-kind": "midterm",
        "milestones-0-due_on": milestones.add_months(TODAY, 12).isoformat(),
        "milestones-0-tranche": "1500000",
        "milestones-0-deliverable": "小试样品",
        "milestones-1-title": "验收",
        "milestones-1-kind": "acceptance",
        "milestones-1-due_on": milestones.add_months(TODAY, 24).isoformat(),
        "milestones-1-tranche": "1500000",
        "milestones-1-deliverable": "装车验证",
        # The blank row the page always offers is ignored.
        "milestones-2-title": "",
        "milestones-2-kind": "milestone",
        "milestones-2-due_on": "",
        "milestones-2-tranche": "",
        "milestones-2-deliverable": "",
    }
    data.update(overrides)
    return data


def service_rows(**changes):
    rows = [
        {
            "title": "中期考核",
            "kind": "midterm",
            "due_on": milestones.add_months(TODAY, 12),
            "tranche": Decimal("1500000"),
        },
        {
            "title": "验收",
            "kind": "acceptance",
            "due_on": milestones.add_months(TODAY, 24),
            "tranche": Decimal("1500000"),
        },
    ]
    for index, values in changes.items():
        rows[int(index[1:])].update(values)
    return rows


def service_data(**overrides):
    data = {
        "signed_on": TODAY,
        "starts_on": TODAY,
        "ends_on": None,
        "amount_public": Decimal("3000000"),
        "amount_enterprise": Decimal("5000000"),
        "penalty_terms": PENALTY_TERMS,
    }
    data.update(overrides)
    return data


# -- pure helpers -------------------------------------------------------------------------------------
def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert milestones.add_months(datetime.date(2024, 1, 31), 1) == datetime.date(2024, 2, 29)
    assert milestones.add_months(datetime.date(2024, 11, 15), 14) == datetime.date(2026, 1, 15)


# -- signing ------------------------------------------------------------------------------------------
def test_the_form_is_prefilled_from_the_awarded_application(login, sam, awarded):
    response = login(sam).get(reverse("challenges:contract-create", args=[awarded.pk]))
    assert response.status_code == 200
    rows = response.context["rows"].initial
    assert [r["title"] for r in rows] == ["中期", "验收"]
    assert [r["kind"] for r in rows] == ["midterm", "acceptance"]
    assert rows[0]["due_on"] == milestones.add_months(TODAY, 12)
    assert rows[1]["tranche"] == Decimal("1500000")
    form = response.context["form"]
    assert form.initial["amount_public"] == Decimal("3000000")
    assert form.initial["ends_on"] == milestones.add_months(form.initial["starts_on"], 24)
    assert rows[0]["due_on"] == milestones.add_months(form.initial["starts_on"], 12)
    # The page moves the end and the due dates along when the start changes (see form.html).
    page = response.content.decode()
    assert 'data-term-months="24"' in page and 'data-month="12"' in page and 'data-month="24"' in page


def test_the_end_and_the_milestones_count_from_the_start_not_the_signing(sam, awarded):
    """Signed on 26 Nov 2026, started on 1 Dec 2026, 24 months: the term ends on 1 Dec 2028."""
    signed, starts = datetime.date(2026, 11, 26), datetime.date(2026, 12, 1)
    rows = milestones.proposed_milestones(awarded, starts)
    assert [r["due_on"] for r in rows] == [datetime.date(2027, 12, 1), datetime.date(2028, 12, 1)]
    contract = milestones.contract_create(
        actor=sam,
        application=awarded,
        data=service_data(signed_on=signed, starts_on=starts, ends_on=None),
        milestones=rows,
    )
    assert contract.ends_on == datetime.date(2028, 12, 1)
    assert [m.due_on for m in contract.milestones.all()] == [
        datetime.date(2027, 12, 1),
        datetime.date(2028, 12, 1),
    ]


def test_sam_signs_the_contract_and_both_sides_are_told(
    login, sam, alice, bob, charlie, awarded, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(sam).post(reverse("challenges:contract-create", args=[awarded.pk]), contract_form())
    contract = MilestoneContract.objects.get(application=awarded)
    assert response.status_code == 302
    assert response.url == reverse("challenges:contract-detail", args=[contract.pk])
    assert contract.number == f"JLZ-{TODAY.year}-0001"
    assert contract.ends_on == milestones.add_months(TODAY, 24)
    assert [(m.kind, m.tranche) for m in contract.milestones.all()] == [
        ("midterm", Decimal("1500000")),
        ("acceptance", Decimal("1500000")),
    ]
    told = set(
        Notification.objects.filter(key=f"milestone-contract:{contract.pk}").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"alice", "bob", "charlie"}


def test_numbers_follow_each_other_within_the_year(sam, challenge, awarded, enterprise, bureau):
    Challenge.objects.filter(pk=challenge.pk).update(budget_public=Decimal("6000000"))  # room for two
    first = milestones.contract_create(
        actor=sam, application=awarded, data=service_data(), milestones=service_rows()
    )
    other = make_application(challenge, bureau, status="awarded")
    second = milestones.contract_create(
        actor=sam, application=other, data=service_data(), milestones=service_rows()
    )
    assert (first.number, second.number) == (f"JLZ-{TODAY.year}-0001", f"JLZ-{TODAY.year}-0002")


def test_an_application_not_awarded_gets_no_contract(login, sam, challenge, university):
    submitted = make_application(challenge, university, status="submitted")
    with pytest.raises(ValidationError, match="只有揭榜成功的申报才能签订军令状"):
        milestones.contract_create(
            actor=sam, application=submitted, data=service_data(), milestones=service_rows()
        )
    response = login(sam).post(reverse("challenges:contract-create", args=[submitted.pk]), contract_form())
    assert "只有揭榜成功的申报才能签订军令状" in response.content.decode()
    assert not MilestoneContract.objects.exists()


def test_a_second_contract_is_refused(login, sam, contract):
    with pytest.raises(ValidationError, match="该申报已签订军令状"):
        milestones.contract_create(
            actor=sam, application=contract.application, data=service_data(), milestones=service_rows()
        )
    response = login(sam).get(reverse("challenges:contract-create", args=[contract.application.pk]))
    assert response.context["refusal"] == "该申报已签订军令状。"
    assert response.context["existing"] == contract
    assert MilestoneContract.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "rows", "field", "message"),
    [
        (
            {},
            {"r1": {"tranche": Decimal("1000000")}},
            "milestones",
            "各节点拨付金额合计 2,500,000.00 元，应等于财政资金",
        ),
        ({}, {"r0": {"kind": "acceptance"}, "r1": {"kind": "midterm"}}, "milestones", "验收节点应是最后一个"),
        ({}, {"r1": {"kind": "midterm"}}, "milestones", "应有且只有一个验收节点"),
        ({}, {"r1": {"due_on": milestones.add_months(TODAY, 30)}}, "milestones", "不在军令状期限"),
        (
            {"amount_public": Decimal("4000000")},
            {},
            "amount_public",
            "不能超过榜单的财政资金预算 3,000,000.00 元",
        ),
        ({"ends_on": TODAY}, {}, "ends_on", "结束日期应晚于开始日期"),
        ({"penalty_terms": "  "}, {}, "penalty_terms", "请写明违约与责任条款"),
        ({"signed_on": None}, {}, "signed_on", "请填写签订日期"),
    ],
)
def test_bad_contracts_are_refused_by_field_and_nothing_is_written(sam, awarded, data, rows, field, message):
    with pytest.raises(ValidationError) as refused:
        milestones.contract_create(
            actor=sam, application=awarded, data=service_data(**data), milestones=service_rows(**rows)
        )
    assert any(message in m for m in refused.value.message_dict[field])
    assert not MilestoneContract.objects.exists()
    assert not ContractMilestone.objects.exists()


def test_a_contract_needs_at_least_two_milestones(sam, awarded):
    with pytest.raises(ValidationError, match="至少需要 2 个考核节点"):
        milestones.contract_create(
            actor=sam, application=awarded, data=service_data(), milestones=service_rows()[1:]
        )


def test_the_form_shows_the_milestone_problems_in_their_box(login, sam, awarded):
    response = login(sam).post(
        reverse("challenges:contract-create", args=[awarded.pk]),
        contract_form(**{"milestones-1-tranche": "1000000"}),
    )
    assert response.status_code == 200
    assert "应等于财政资金" in " ".join(response.context["milestone_errors"])
    assert not MilestoneContract.objects.exists()


def test_only_the_secretariat_signs(login, api, alice, charlie, nina, awarded):
    url = reverse("challenges:contract-create", args=[awarded.pk])
    assert login(alice).get(url).status_code == 403  # the winner's own administrator
    assert login(charlie).post(url, contract_form()).status_code == 403  # the issuer
    assert login(nina).get(url).status_code == 404
    with pytest.raises(PermissionDenied):
        milestones.contract_create(
            actor=alice, application=awarded, data=service_data(), milestones=service_rows()
        )
    assert not MilestoneContract.objects.exists()


# -- the contract page ----------------------------------------------------------------------------------
def test_the_parties_see_the_contract_and_others_do_not(login, bob, charlie, dave, nina, contract):
    url = reverse("challenges:contract-detail", args=[contract.pk])
    page = login(bob).get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert contract.number in text and "吉林大学" in text and "中国第一汽车集团有限公司" in text
    assert login(charlie).get(url).status_code == 200
    assert login(dave).get(url).status_code == 404
    assert login(nina).get(url).status_code == 404


def test_an_overdue_pending_milestone_is_flagged(login, bob, contract):
    ContractMilestone.objects.filter(pk=midterm(contract).pk).update(
        due_on=TODAY - datetime.timedelta(days=3)
    )
    response = login(bob).get(reverse("challenges:contract-detail", args=[contract.pk]))
    rows = response.context["timeline"]
    assert [row.overdue for row in rows] == [True, False]
    assert 'data-testid="overdue"' in response.content.decode()


# -- the mid-term review, end to end through the pages ----------------------------------------------
def test_a_midterm_review_from_panel_to_tranche(
    login, sam, bob, contract, experts, insider, django_capture_on_commit_callbacks
):
    milestone = midterm(contract)
    client = login(sam)
    chosen = [str(e.pk) for e in [*experts, insider]]
    preview = client.post(
        reverse("challenges:milestone-panel", args=[milestone.pk]), {"experts": chosen, "preview": "1"}
    )
    flagged = {p["expert"].pk: bool(p["reasons"]) for p in preview.context["preview"]}
    assert flagged[insider.pk] is True and not any(flagged[e.pk] for e in experts)
    assert not Panel.objects.exists()

    response = client.post(
        reverse("challenges:milestone-panel", args=[milestone.pk]), {"experts": chosen, "form": "1"}
    )
    assert response.status_code == 302
    panel = Panel.objects.get(milestone=milestone)
    assert panel.kind == "midterm"
    assert set(panel.experts.values_list("pk", flat=True)) == {e.pk for e in experts}
    assert PanelExclusion.objects.get(panel=panel).expert == insider

    verdict_url = reverse("challenges:verdict", args=[panel.pk])
    for expert in experts[:3]:
        expert_client = login(expert.user)
        page = expert_client.get(verdict_url)
        assert "小试样品" in page.content.decode() and "能量密度" in page.content.decode()
        # The milestone is called 中期考核 already: the heading does not say 中期考核：中期考核.
        assert '<h1 data-testid="verdict-heading">中期考核</h1>' in page.content.decode()
        assert (
            expert_client.post(verdict_url, {"verdict": "pass", "comment": "样品达标。"}).status_code == 302
        )
    after = login(experts[0].user).get(verdict_url)
    assert after.context["own"].verdict == "pass" and after.context["form"] is None

    client = login(sam)
    review_page = client.get(reverse("challenges:milestone-review", args=[milestone.pk]))
    assert review_page.context["tally"]["majority"] == "pass"
    assert review_page.context["form"].initial["outcome"] == "passed"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("challenges:milestone-review", args=[milestone.pk]),
            {"outcome": "passed", "comment": "中期考核通过。"},
        )
    milestone.refresh_from_db()
    panel.refresh_from_db()
    assert (milestone.status, milestone.reviewed_by, panel.status) == ("passed", sam, "closed")
    assert Notification.objects.filter(recipient=bob, key__startswith="milestone-review:").exists()

    client.post(
        reverse("challenges:tranche-release", args=[milestone.pk]),
        {"amount": "1000000", "released_on": TODAY.isoformat(), "note": "第一笔"},
    )
    assert list(Tranche.objects.values_list("amount", flat=True)) == [Decimal("1000000")]
    contract.refresh_from_db()
    assert contract.status == "active"
    detail = client.get(reverse("challenges:contract-detail", args=[contract.pk]))
    assert detail.context["released"] == Decimal("1000000")


def test_the_acceptance_failed_fails_the_contract_and_a_penalty_is_recorded(
    login, sam, bob, contract, experts
):
    reviewed(sam, midterm(contract), experts)
    final = acceptance(contract)
    reviewed(sam, final, experts, outcome="failed", verdict="fail")
    contract.refresh_from_db()
    assert contract.status == "failed"
    login(sam).post(
        reverse("challenges:penalty-add", args=[contract.pk]),
        {"description": "收回未使用的财政资金。", "amount": "800000", "milestone": str(final.pk)},
    )
    penalty = Penalty.objects.get()
    assert (penalty.contract, penalty.milestone, penalty.amount) == (contract, final, Decimal("800000"))
    page = login(bob).get(reverse("challenges:contract-detail", args=[contract.pk]))
    assert "收回未使用的财政资金。" in page.content.decode()


def test_the_acceptance_passed_completes_the_contract(sam, contract, experts):
    reviewed(sam, midterm(contract), experts)
    reviewed(sam, acceptance(contract), experts)
    contract.refresh_from_db()
    assert contract.status == "completed"


def test_an_extension_moves_the_date_and_opens_a_new_round_of_the_panel(sam, contract, experts):
    milestone = midterm(contract)
    new_date = milestone.due_on + datetime.timedelta(days=60)
    reviewed(sam, milestone, experts, outcome="extended", verdict="extend", extended_to=new_date)
    milestone.refresh_from_db()
    panel = Panel.objects.get(milestone=milestone)
    assert (milestone.status, milestone.due_on, panel.status, panel.round) == (
        "extended",
        new_date,
        "open",
        2,
    )
    # The three opinions of the first round do not carry over: the re-review starts from nothing.
    with pytest.raises(ValidationError, match="第 2 轮考核：专家组 5 人中已有 0 人提交考核意见"):
        milestones.milestone_review(actor=sam, milestone=milestone, outcome="passed", comment="整改到位。")
    give(panel, experts[3:], "pass")  # the experts who had not spoken yet
    with pytest.raises(ValidationError, match="已有 2 人提交考核意见，至少需要 3 人"):
        milestones.milestone_review(actor=sam, milestone=milestone, outcome="passed", comment="整改到位。")
    give(panel, experts[:1], "pass")  # an expert of the first round judges the rectified work again
    milestones.milestone_review(actor=sam, milestone=milestone, outcome="passed", comment="整改到位。")
    milestone.refresh_from_db()
    assert milestone.status == "passed"
    assert list(milestone.reviews.values_list("outcome", flat=True)) == ["extended", "passed"]
    assert sorted(MilestoneVerdict.objects.values_list("round", "verdict")) == [
        (1, "extend"),
        (1, "extend"),
        (1, "extend"),
        (2, "pass"),
        (2, "pass"),
        (2, "pass"),
    ]


def test_the_majority_of_a_re_review_counts_only_its_own_round(login, sam, contract, experts):
    milestone = midterm(contract)
    reviewed(
        sam,
        milestone,
        experts,
        outcome="extended",
        verdict="extend",
        extended_to=milestone.due_on + datetime.timedelta(days=30),
    )
    panel = Panel.objects.get(milestone=milestone)
    give(panel, experts[:3], "fail")
    page = login(sam).get(reverse("challenges:milestone-review", args=[milestone.pk]))
    counted = page.context["tally"]
    assert (counted["round"], counted["given"], counted["majority"]) == (2, 3, "fail")
    assert counted["counts"] == {"pass": 0, "extend": 0, "fail": 3}
    assert page.context["form"].initial["outcome"] == "failed"
    assert [v.verdict for v in page.context["verdicts"]] == ["fail"] * 3
    earlier = page.context["rounds"]
    assert [(r["round"], r["review"].outcome, r["tally"]["counts"]["extend"]) for r in earlier] == [
        (1, "extended", 3)
    ]
    assert [v.verdict for v in earlier[0]["verdicts"]] == ["extend"] * 3


def test_an_expert_sees_the_form_again_in_the_next_round(login, sam, contract, experts):
    milestone = midterm(contract)
    reviewed(
        sam,
        milestone,
        experts,
        outcome="extended",
        verdict="extend",
        extended_to=milestone.due_on + datetime.timedelta(days=30),
    )
    panel = Panel.objects.get(milestone=milestone)
    client = login(experts[0].user)
    url = reverse("challenges:verdict", args=[panel.pk])
    page = client.get(url)
    assert page.context["own"] is None and page.context["form"] is not None
    assert "第 2 轮考核" in page.content.decode()
    assert client.post(url, {"verdict": "pass", "comment": "整改到位。"}).status_code == 302
    assert client.get(url).context["own"].round == 2
    assert (
        "您已提交过本轮考核意见。"
        in client.post(url, {"verdict": "fail", "comment": "再议。"}).content.decode()
    )


def test_the_contract_page_shows_the_round_and_the_outcomes_of_earlier_rounds(
    login, sam, bob, contract, experts
):
    milestone = midterm(contract)
    new_date = milestone.due_on + datetime.timedelta(days=30)
    reviewed(sam, milestone, experts, outcome="extended", verdict="extend", extended_to=new_date)
    bob_page = login(bob).get(reverse("challenges:contract-detail", args=[contract.pk]))
    row = bob_page.context["timeline"][0]
    assert row.tally["round"] == 2
    assert [(r["round"], r["review"].outcome) for r in row.rounds] == [(1, "extended")]
    assert row.rounds[0]["tally"]["counts"] == {}  # the earlier tallies are the secretariat's
    text = bob_page.content.decode()
    assert "第 2 轮" in text and 'data-testid="rounds"' in text
    sam_row = login(sam).get(reverse("challenges:contract-detail", args=[contract.pk])).context["timeline"][0]
    assert sam_row.rounds[0]["tally"]["counts"]["extend"] == 3


def test_the_team_and_the_experts_see_no_counts_while_the_panel_is_open(
    login, sam, bob, charlie, contract, experts
):
    milestone = midterm(contract)
    panel = panel_for(sam, milestone, experts)
    give(panel, experts[:2], "pass")
    give(panel, experts[2:3], "fail")
    url = reverse("challenges:contract-detail", args=[contract.pk])
    for viewer in (bob, charlie, experts[4].user, experts[0].user):
        page = login(viewer).get(url)
        counted = page.context["timeline"][0].tally
        assert (counted["given"], counted["members"], counted["counts"], counted["majority"]) == (
            3,
            5,
            {},
            None,
        )
        text = page.content.decode()
        assert "已提交 3 / 5 份意见" in text
        assert "多数意见" not in text and "通过 2" not in text
    for expert in (experts[4], experts[0]):
        verdict_page = login(expert.user).get(reverse("challenges:verdict", args=[panel.pk]))
        assert verdict_page.context["tally"]["counts"] == {}
        assert "已提交 3 / 5 份意见" in verdict_page.content.decode()
        assert "不通过 1" not in verdict_page.content.decode()
    secretariat = login(sam).get(url).context["timeline"][0].tally
    assert (secretariat["counts"]["pass"], secretariat["majority"]) == (2, "pass")
    milestones.milestone_review(actor=sam, milestone=milestone, outcome="passed", comment="通过。")
    after = login(bob).get(url)
    assert after.context["timeline"][0].tally["counts"] == {"pass": 2, "extend": 0, "fail": 1}
    assert "多数意见" in after.content.decode()


def test_a_failed_midterm_leaves_the_contract_active_until_terminated(login, sam, contract, experts):
    reviewed(sam, midterm(contract), experts, outcome="failed", verdict="fail")
    contract.refresh_from_db()
    assert contract.status == "active"
    client = login(sam)
    assert client.get(reverse("challenges:contract-detail", args=[contract.pk])).context["has_failed"]
    client.post(reverse("challenges:contract-terminate", args=[contract.pk]), {"reason": ""})
    contract.refresh_from_db()
    assert contract.status == "active"
    client.post(
        reverse("challenges:contract-terminate", args=[contract.pk]), {"reason": "中期未通过，团队无法整改。"}
    )
    contract.refresh_from_db()
    assert contract.status == "terminated"


# -- refusals ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("outcome", ["pending", "extended", "failed"])
def test_no_tranche_without_a_passed_milestone(login, sam, contract, experts, outcome):
    milestone = midterm(contract)
    if outcome != "pending":
        extra = (
            {"extended_to": milestone.due_on + datetime.timedelta(days=30)} if outcome == "extended" else {}
        )
        reviewed(sam, milestone, experts, outcome=outcome, verdict="fail", **extra)
    with pytest.raises(ValidationError, match="该节点尚未通过考核，不能拨付资金。"):
        milestones.tranche_release(actor=sam, milestone=milestone, amount=Decimal("100"), released_on=TODAY)
    response = login(sam).post(
        reverse("challenges:tranche-release", args=[milestone.pk]),
        {"amount": "100", "released_on": TODAY.isoformat()},
        follow=True,
    )
    assert "该节点尚未通过考核，不能拨付资金。" in response.content.decode()
    assert not Tranche.objects.exists()


def test_a_tranche_cannot_exceed_what_is_left_of_the_milestone(sam, contract, experts):
    milestone = midterm(contract)
    reviewed(sam, milestone, experts)
    milestones.tranche_release(actor=sam, milestone=milestone, amount=Decimal("1000000"), released_on=TODAY)
    with pytest.raises(ValidationError) as refused:
        milestones.tranche_release(
            actor=sam, milestone=milestone, amount=Decimal("500000.01"), released_on=TODAY
        )
    assert refused.value.message_dict["amount"] == ["超出该节点的拨付额度：剩余 500,000.00 元。"]
    with pytest.raises(ValidationError, match="大于 0"):
        milestones.tranche_release(actor=sam, milestone=milestone, amount=Decimal("0"), released_on=TODAY)
    assert Tranche.objects.count() == 1


def test_no_tranche_on_a_terminated_contract(sam, contract, experts):
    milestone = midterm(contract)
    reviewed(sam, milestone, experts)
    milestones.contract_terminate(actor=sam, contract=contract, reason="团队解散。")
    with pytest.raises(ValidationError, match="不能再拨付资金"):
        milestones.tranche_release(actor=sam, milestone=milestone, amount=Decimal("100"), released_on=TODAY)


def test_a_review_needs_a_comment(login, sam, contract, experts):
    milestone = midterm(contract)
    give(panel_for(sam, milestone, experts), experts[:3])
    with pytest.raises(ValidationError) as refused:
        milestones.milestone_review(actor=sam, milestone=milestone, outcome="passed", comment="  ")
    assert refused.value.message_dict == {"comment": ["请填写考核意见。"]}
    response = login(sam).post(
        reverse("challenges:milestone-review", args=[milestone.pk]), {"outcome": "passed"}
    )
    assert response.context["form"].errors["comment"] == ["请填写考核意见。"]
    assert not MilestoneReview.objects.exists()
    milestone.refresh_from_db()
    assert milestone.status == "pending"


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (None, "延期整改须填写新的考核日期。"),
        (0, "新的考核日期应晚于当前考核日期"),
        (-5, "新的考核日期应晚于当前考核日期"),
        ("too late", "军令状结束日期后 12 个月"),
    ],
)
def test_an_extension_needs_a_valid_new_date(sam, contract, experts, days, message):
    milestone = midterm(contract)
    give(panel_for(sam, milestone, experts), experts[:3], "extend")
    if days is None:
        extended_to = None
    elif days == "too late":
        extended_to = milestones.add_months(contract.ends_on, 12) + datetime.timedelta(days=1)
    else:
        extended_to = milestone.due_on + datetime.timedelta(days=days)
    with pytest.raises(ValidationError) as refused:
        milestones.milestone_review(
            actor=sam, milestone=milestone, outcome="extended", comment="需整改。", extended_to=extended_to
        )
    assert message in refused.value.message_dict["extended_to"][0]
    assert not MilestoneReview.objects.exists()


def test_no_outcome_before_a_majority_of_the_panel_spoke(sam, contract, experts):
    milestone = midterm(contract)
    with pytest.raises(ValidationError, match="请先组建考核专家组。"):
        milestones.milestone_review(actor=sam, milestone=milestone, outcome="passed", comment="通过。")
    give(panel_for(sam, milestone, experts), experts[:2])
    with pytest.raises(ValidationError, match="专家组 5 人中已有 2 人提交考核意见，至少需要 3 人"):
        milestones.milestone_review(actor=sam, milestone=milestone, outcome="passed", comment="通过。")
    milestone.refresh_from_db()
    assert milestone.status == "pending" and not MilestoneReview.objects.exists()


def test_a_verdict_is_given_once(login, sam, contract, experts):
    panel = panel_for(sam, midterm(contract), experts)
    give(panel, experts[:1])
    with pytest.raises(ValidationError, match="您已提交过本轮考核意见。"):
        give(panel, experts[:1], "fail")
    response = login(experts[0].user).post(
        reverse("challenges:verdict", args=[panel.pk]), {"verdict": "fail", "comment": "改主意了。"}
    )
    assert "您已提交过本轮考核意见。" in response.content.decode()
    assert list(MilestoneVerdict.objects.values_list("verdict", flat=True)) == ["pass"]


def test_a_verdict_needs_a_choice_and_a_comment(sam, contract, experts):
    panel = panel_for(sam, midterm(contract), experts)
    with pytest.raises(ValidationError) as refused:
        milestones.verdict_submit(actor=experts[0].user, panel=panel, verdict="maybe", comment="")
    assert set(refused.value.message_dict) == {"verdict", "comment"}
    assert not MilestoneVerdict.objects.exists()


def test_a_conflict_declared_after_the_panel_was_formed_stops_the_verdict(
    login, sam, university, contract, experts
):
    panel = panel_for(sam, midterm(contract), experts)
    declare(experts[0], organisation=university, reason="近三年合作")
    with pytest.raises(ValidationError, match="需回避：本人申报回避 吉林大学：近三年合作"):
        give(panel, experts[:1])
    page = login(experts[0].user).get(reverse("challenges:verdict", args=[panel.pk]))
    assert page.context["conflicts"] and page.context["form"] is None
    assert not MilestoneVerdict.objects.exists()


def test_an_expert_left_out_of_the_panel_may_not_give_a_verdict(login, sam, contract, experts, insider):
    panel = panel_for(sam, midterm(contract), [*experts, insider])
    with pytest.raises(PermissionDenied):
        give(panel, [insider])
    # As a member of 吉林大学 the insider may read the contract, but not judge it.
    url = reverse("challenges:verdict", args=[panel.pk])
    assert login(insider.user).post(url, {"verdict": "pass", "comment": "同意。"}).status_code == 403
    assert not MilestoneVerdict.objects.exists()


def test_the_verdict_page_is_for_the_panel(login, sam, bob, dave, contract, experts):
    panel = panel_for(sam, midterm(contract), experts)
    url = reverse("challenges:verdict", args=[panel.pk])
    assert login(bob).get(url).status_code == 403  # a party to the contract, not an expert
    assert login(bob).post(url, {"verdict": "pass", "comment": "自评通过。"}).status_code == 403
    assert login(dave).get(url).status_code == 404
    assert login(sam).get(url).context["tally"]["members"] == 5
    assert not MilestoneVerdict.objects.exists()


@pytest.mark.parametrize(
    ("name", "target", "data"),
    [
        ("challenges:milestone-panel", "milestone", {"experts": [], "form": "1"}),
        ("challenges:milestone-review", "milestone", {"outcome": "passed", "comment": "通过。"}),
        ("challenges:tranche-release", "milestone", {"amount": "1", "released_on": TODAY.isoformat()}),
        ("challenges:penalty-add", "contract", {"description": "扣减。"}),
        ("challenges:contract-terminate", "contract", {"reason": "终止。"}),
    ],
)
def test_the_parties_cannot_act_for_the_secretariat(login, alice, charlie, contract, name, target, data):
    pk = midterm(contract).pk if target == "milestone" else contract.pk
    assert login(alice).post(reverse(name, args=[pk]), data).status_code == 403
    assert login(charlie).post(reverse(name, args=[pk]), data).status_code == 403
    contract.refresh_from_db()
    assert contract.status == "active"
    assert not (Penalty.objects.exists() or Tranche.objects.exists() or Panel.objects.exists())


def test_another_organisation_cannot_reach_the_milestone_pages(login, dave, contract):
    milestone = midterm(contract)
    client = login(dave)
    assert client.get(reverse("challenges:milestone-review", args=[milestone.pk])).status_code == 404
    assert (
        client.post(reverse("challenges:penalty-add", args=[contract.pk]), {"description": "x"}).status_code
        == 404
    )


def test_the_services_refuse_everyone_but_the_secretariat(alice, contract, experts):
    milestone = midterm(contract)
    for call in (
        lambda: milestones.milestone_panel_form(actor=alice, milestone=milestone, experts=experts),
        lambda: milestones.milestone_review(actor=alice, milestone=milestone, outcome="passed", comment="x"),
        lambda: milestones.tranche_release(actor=alice, milestone=milestone, amount=1, released_on=TODAY),
        lambda: milestones.penalty_record(actor=alice, contract=contract, description="x"),
        lambda: milestones.contract_terminate(actor=alice, contract=contract, reason="x"),
    ):
        with pytest.raises(PermissionDenied):
            call()


def test_a_penalty_needs_a_description_and_a_milestone_of_the_contract(sam, contract, challenge, bureau):
    with pytest.raises(ValidationError) as refused:
        milestones.penalty_record(actor=sam, contract=contract, description=" ")
    assert refused.value.message_dict == {"description": ["请填写处理内容。"]}
    stranger = make_contract(make_application(challenge, bureau, status="awarded"))
    with pytest.raises(ValidationError, match="该节点不属于本军令状。"):
        milestones.penalty_record(
            actor=sam, contract=contract, description="扣减。", milestone=midterm(stranger)
        )
    assert not Penalty.objects.exists()


# -- boards and boxes ----------------------------------------------------------------------------------
def test_the_board_is_the_secretariats(
    login, sam, alice, charlie, nina, contract, experts, enterprise, django_assert_max_num_queries
):
    reviewed(sam, midterm(contract), experts)
    milestones.tranche_release(
        actor=sam, milestone=midterm(contract), amount=Decimal("1500000"), released_on=TODAY
    )
    for n in range(4):
        make_challenge(enterprise, title=f"第 {n} 个榜单")
    # A draft is the issuer's private work: it is neither listed nor counted until submitted.
    draft = make_challenge(enterprise, title="草稿榜单", status="draft")
    client = login(sam)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("challenges:board"))
    assert response.status_code == 200
    totals = response.context["totals"]
    assert (totals.calls, totals.open, totals.contracts_active) == (5, 4, 1)
    assert totals.released == Decimal("1500000")
    row = next(r for r in response.context["rows"] if r.challenge == contract.application.challenge)
    assert (row.released, row.planned, row.awarded) == (
        Decimal("1500000"),
        Decimal("3000000"),
        [contract.application],
    )
    assert contract.number in response.content.decode()
    assert (
        draft not in [r.challenge for r in response.context["rows"]]
        and "草稿榜单" not in response.content.decode()
    )
    filtered = client.get(reverse("challenges:board"), {"status": "published"})
    assert len(filtered.context["rows"]) == 4
    assert client.get(reverse("challenges:board"), {"status": "draft"}).context["rows"] == []
    make_challenge(enterprise, title="待审核榜单", status="pending")
    assert client.get(reverse("challenges:board")).context["totals"].calls == 6
    for outsider in (alice, charlie, nina):
        assert login(outsider).get(reverse("challenges:board")).status_code == 403


def test_the_contract_list_shows_what_the_viewer_may_see(login, sam, bob, charlie, dave, contract):
    url = reverse("challenges:contracts")
    for viewer in (sam, bob, charlie):
        assert list(login(viewer).get(url).context["contracts"]) == [contract]
    response = login(dave).get(url)
    assert list(response.context["contracts"]) == []
    assert "暂无您可查看的军令状" in response.content.decode()


def render_tag(tag, user, **context):
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load challenge_contracts %}" + tag)
    return template.render(Context({"request": request, **context}))


def test_the_challenge_page_box_shows_the_contract_to_the_parties_only(bob, nina, contract):
    challenge = contract.application.challenge
    shown = render_tag("{% contract_box challenge %}", bob, challenge=challenge)
    assert contract.number in shown and "中期考核" in shown
    assert render_tag("{% contract_box challenge %}", nina, challenge=challenge) == ""


def test_the_application_box_offers_the_secretariat_to_sign(sam, bob, awarded):
    offered = render_tag("{% application_contract_box application %}", sam, application=awarded)
    assert reverse("challenges:contract-create", args=[awarded.pk]) in offered
    assert render_tag("{% application_contract_box application %}", bob, application=awarded) == ""
    contract = make_contract(awarded)
    linked = render_tag("{% application_contract_box application %}", bob, application=awarded)
    assert reverse("challenges:contract-detail", args=[contract.pk]) in linked


def test_the_milestone_pages_render_before_and_after_the_panel(login, sam, contract, experts, insider):
    milestone = midterm(contract)
    client = login(sam)
    review = client.get(reverse("challenges:milestone-review", args=[milestone.pk]))
    assert "请先组建考核专家组。" in review.content.decode()
    assert client.get(reverse("challenges:milestone-panel", args=[milestone.pk])).context["existing"] is None
    panel_for(sam, milestone, [*experts, insider])
    formed = client.get(reverse("challenges:milestone-panel", args=[milestone.pk]))
    assert formed.context["existing"] is not None
    assert "吉大专家" in formed.content.decode() and "申报单位人员" in formed.content.decode()
    too_small = client.post(
        reverse("challenges:milestone-panel", args=[acceptance(contract).pk]),
        {"experts": [str(e.pk) for e in experts[:4]], "form": "1"},
    )
    assert "专家组至少需要 5 名无利益冲突的专家" in too_small.content.decode()
    assert Panel.objects.count() == 1


# -- the call's budget is shared by its contracts ----------------------------------------------------
def test_the_contracts_of_a_call_together_stay_within_its_budget(sam, challenge, contract, bureau):
    second = make_application(challenge, bureau, status="awarded")
    rows = service_rows(r0={"tranche": Decimal("0.50")}, r1={"tranche": Decimal("0.50")})
    with pytest.raises(ValidationError) as refused:
        milestones.contract_create(
            actor=sam, application=second, data=service_data(amount_public=Decimal("1")), milestones=rows
        )
    assert refused.value.message_dict["amount_public"] == [
        "超出榜单的财政资金预算：预算 3,000,000.00 元，本榜单已签订的军令状占用 3,000,000.00 元，"
        "本军令状 1.00 元，合计 3,000,001.00 元；本军令状最多还可安排 0.00 元。"
    ]
    assert MilestoneContract.objects.count() == 1 and ContractMilestone.objects.count() == 2


def test_a_terminated_contract_holds_only_what_it_was_paid(sam, challenge, contract, experts, bureau):
    milestone = midterm(contract)
    reviewed(sam, milestone, experts)
    milestones.tranche_release(actor=sam, milestone=milestone, amount=Decimal("1000000"), released_on=TODAY)
    milestones.contract_terminate(actor=sam, contract=contract, reason="团队解散。")
    second = make_application(challenge, bureau, status="awarded")

    def sign(amount):
        half = amount / 2
        return milestones.contract_create(
            actor=sam,
            application=second,
            data=service_data(amount_public=amount),
            milestones=service_rows(r0={"tranche": half}, r1={"tranche": half}),
        )

    with pytest.raises(ValidationError) as refused:
        sign(Decimal("2000000.02"))
    assert (
        "已签订的军令状占用 1,000,000.00 元，本军令状 2,000,000.02 元"
        in (refused.value.message_dict["amount_public"][0])
    )
    assert sign(Decimal("2000000")).amount_public == Decimal("2000000")


# -- dates ---------------------------------------------------------------------------------------------
def test_add_months_stops_at_the_ends_of_the_calendar():
    assert milestones.add_months(datetime.date(9999, 6, 30), 12) == datetime.date.max
    assert milestones.add_months(datetime.date(1, 3, 1), -12) == datetime.date.min


@pytest.mark.parametrize(
    ("data", "rows", "field", "message"),
    [
        (
            {"starts_on": datetime.date(9999, 3, 1)},
            {},
            "starts_on",
            "开始日期应在 2000-01-01 至 2100-12-31 之间。",
        ),
        (
            {"signed_on": datetime.date(1999, 12, 31)},
            {},
            "signed_on",
            "签订日期应在 2000-01-01 至 2100-12-31 之间。",
        ),
        (
            {"ends_on": datetime.date(2101, 1, 1)},
            {},
            "ends_on",
            "结束日期应在 2000-01-01 至 2100-12-31 之间。",
        ),
        (
            {"starts_on": datetime.date(2100, 6, 1)},
            {"r0": {"due_on": datetime.date(2100, 9, 1)}, "r1": {"due_on": datetime.date(2100, 12, 1)}},
            "ends_on",
            "结束日期应在 2000-01-01 至 2100-12-31 之间。",  # 24 months later is 2102
        ),
        ({}, {"r1": {"due_on": datetime.date(3000, 1, 1)}}, "milestones", "考核日期应在 2000-01-01"),
    ],
)
def test_dates_outside_the_sane_range_are_refused(sam, awarded, data, rows, field, message):
    with pytest.raises(ValidationError) as refused:
        milestones.contract_create(
            actor=sam, application=awarded, data=service_data(**data), milestones=service_rows(**rows)
        )
    assert any(message in m for m in refused.value.message_dict[field])
    assert not MilestoneContract.objects.exists()


def test_the_form_refuses_a_start_in_the_year_9999(login, sam, awarded):
    response = login(sam).post(
        reverse("challenges:contract-create", args=[awarded.pk]), contract_form(starts_on="9999-06-01")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["starts_on"] == ["日期应在 2000-01-01 至 2100-12-31 之间。"]
    assert not MilestoneContract.objects.exists()


def test_an_extension_of_a_contract_ending_in_9999_is_refused_cleanly(login, sam, contract, experts):
    MilestoneContract.objects.filter(pk=contract.pk).update(ends_on=datetime.date(9999, 12, 31))
    milestone = midterm(contract)
    give(panel_for(sam, milestone, experts), experts[:3], "extend")
    with pytest.raises(ValidationError) as refused:
        milestones.milestone_review(
            actor=sam,
            milestone=milestone,
            outcome="extended",
            comment="需整改。",
            extended_to=datetime.date(9999, 1, 1),
        )
    assert refused.value.message_dict["extended_to"] == ["新的考核日期应在 2000-01-01 至 2100-12-31 之间。"]
    response = login(sam).post(
        reverse("challenges:milestone-review", args=[milestone.pk]),
        {"outcome": "extended", "comment": "需整改。", "extended_to": "2101-01-01"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["extended_to"]
    assert not MilestoneReview.objects.exists()


def test_a_panel_of_an_impossible_expert_id_is_refused(login, sam, contract):
    response = login(sam).post(
        reverse("challenges:milestone-panel", args=[midterm(contract).pk]),
        {"experts": [str(10**20)], "form": "1"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["experts"]
    assert not Panel.objects.exists()


# -- the acceptance comes last ---------------------------------------------------------------------------
def test_the_acceptance_passes_only_after_every_earlier_milestone_passed(login, sam, contract, experts):
    final = acceptance(contract)
    give(panel_for(sam, final, experts), experts[:3], "pass")
    with pytest.raises(ValidationError) as refused:
        milestones.milestone_review(actor=sam, milestone=final, outcome="passed", comment="验收通过。")
    assert refused.value.message_dict["outcome"] == [
        "以下节点尚未通过考核，验收不能记录为通过：中期考核（待考核）"
    ]
    response = login(sam).post(
        reverse("challenges:milestone-review", args=[final.pk]),
        {"outcome": "passed", "comment": "验收通过。"},
    )
    assert "中期考核（待考核）" in response.content.decode()
    contract.refresh_from_db()
    final.refresh_from_db()
    assert (contract.status, final.status) == ("active", "pending")
    assert not MilestoneReview.objects.exists()
    # An extended mid-term does not count as passed either.
    reviewed(
        sam,
        midterm(contract),
        experts,
        outcome="extended",
        verdict="extend",
        extended_to=midterm(contract).due_on + datetime.timedelta(days=30),
    )
    with pytest.raises(ValidationError, match="中期考核（延期整改）"):
        milestones.milestone_review(actor=sam, milestone=final, outcome="passed", comment="验收通过。")


def test_a_failed_acceptance_may_be_recorded_at_any_time(sam, contract, experts):
    final = acceptance(contract)
    give(panel_for(sam, final, experts), experts[:3], "fail")
    milestones.milestone_review(actor=sam, milestone=final, outcome="failed", comment="指标未达到。")
    contract.refresh_from_db()
    assert contract.status == "failed"


def test_the_navigation_marks_the_section_by_address_prefix(login, sam):
    page = login(sam).get("/challenges/contracts/").content.decode()
    assert '<a href="/challenges/" class="active">' in page
    assert '<a href="/contracts/" class="active">' not in page
