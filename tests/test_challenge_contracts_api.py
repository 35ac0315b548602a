"""The milestone-contract API (军令状): the same services, scoping and refusals as the pages."""

import datetime
from decimal import Decimal

import pytest

from hebi.challenges import milestones
from hebi.challenges.models import (
    ContractMilestone,
    MilestoneContract,
    MilestoneReview,
    MilestoneVerdict,
    Panel,
    Penalty,
    Tranche,
)
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
from tests.test_challenge_contracts import PENALTY_TERMS, TODAY


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
    user = UserFactory(username="dave", display_name="戴夫")
    MembershipFactory(user=user, organisation=OrganisationFactory(name="长春理工大学"), role=Role.RESEARCHER)
    return user


@pytest.fixture
def experts(db):
    return make_experts(5)


@pytest.fixture
def insider(university):
    return make_expert("吉大专家", organisation=university)


CONTRACTS = "/api/v1/milestone-contracts/"
MILESTONES = "/api/v1/contract-milestones/"
VERDICTS = "/api/v1/milestone-verdicts/"


def payload(application, **overrides):
    data = {
        "application": application.pk,
        "signed_on": TODAY.isoformat(),
        "starts_on": TODAY.isoformat(),
        "amount_public": "3000000",
        "amount_enterprise": "5000000",
        "penalty_terms": PENALTY_TERMS,
        "milestones": [
            {
                "title": "中期考核",
                "kind": "midterm",
                "due_on": milestones.add_months(TODAY, 12).isoformat(),
                "tranche": "1500000",
                "deliverable": "小试样品",
            },
            {
                "title": "验收",
                "kind": "acceptance",
                "due_on": milestones.add_months(TODAY, 24).isoformat(),
                "tranche": "1500000",
            },
        ],
    }
    data.update(overrides)
    return data


def midterm(contract):
    return contract.milestones.get(kind=ContractMilestone.Kind.MIDTERM)


def test_the_secretariat_signs_a_contract(api, sam, awarded):
    response = api(sam).post(CONTRACTS, payload(awarded), format="json")
    assert response.status_code == 201, response.data
    body = response.json()
    assert body["number"] == f"JLZ-{TODAY.year}-0001"
    assert body["ends_on"] == milestones.add_months(TODAY, 24).isoformat()
    assert [m["kind"] for m in body["milestones"]] == ["midterm", "acceptance"]
    assert body["lead_name"] == "吉林大学" and body["released"] == "0.00"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"amount_public": "2000000"}, "milestones", "应等于财政资金"),
        ({"penalty_terms": ""}, "penalty_terms", "请写明违约与责任条款"),
        ({"milestones": []}, "milestones", "至少需要 2 个考核节点"),
    ],
)
def test_bad_contracts_answer_400_in_chinese(api, sam, awarded, change, field, message):
    response = api(sam).post(CONTRACTS, payload(awarded, **change), format="json")
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not MilestoneContract.objects.exists()


def test_an_application_not_awarded_or_already_signed_is_refused(api, sam, challenge, university, contract):
    submitted = make_application(challenge, OrganisationFactory(name="长春光机所", kind="institute"))
    assert api(sam).post(CONTRACTS, payload(submitted), format="json").json() == {
        "non_field_errors": ["只有揭榜成功的申报才能签订军令状。"]
    }
    response = api(sam).post(CONTRACTS, payload(contract.application), format="json")
    assert response.status_code == 400
    assert response.json()["non_field_errors"] == ["该申报已签订军令状。"]
    assert MilestoneContract.objects.count() == 1


def test_the_parties_cannot_sign(api, alice, nina, awarded):
    assert api(alice).post(CONTRACTS, payload(awarded), format="json").status_code == 403
    assert api(nina).post(CONTRACTS, payload(awarded), format="json").status_code == 404
    assert not MilestoneContract.objects.exists()


def test_the_list_and_the_contract_are_scoped(api, bob, charlie, dave, contract):
    assert [c["number"] for c in api(bob).get(CONTRACTS).json()["results"]] == [contract.number]
    assert api(charlie).get(f"{CONTRACTS}{contract.pk}/").status_code == 200
    assert api(dave).get(CONTRACTS).json()["results"] == []
    assert api(dave).get(f"{CONTRACTS}{contract.pk}/").status_code == 404
    assert api(dave).get(f"{MILESTONES}{midterm(contract).pk}/").status_code == 404
    assert api(bob).get(f"{CONTRACTS}99999999999999999999/").status_code == 404


def test_a_midterm_through_the_api(api, sam, bob, contract, experts, insider):
    milestone = midterm(contract)
    secretariat = api(sam)
    formed = secretariat.post(
        f"{MILESTONES}{milestone.pk}/panel/", {"experts": [e.pk for e in [*experts, insider]]}, format="json"
    )
    assert formed.status_code == 201, formed.data
    assert (formed.json()["kind"], formed.json()["members"]) == ("midterm", 5)
    panel_id = formed.json()["id"]

    early = secretariat.post(
        f"{MILESTONES}{milestone.pk}/review/", {"outcome": "passed", "comment": "通过。"}
    )
    assert early.status_code == 400
    assert "至少需要 3 人" in early.json()["non_field_errors"][0]

    for expert in experts[:3]:
        given = api(expert.user).post(VERDICTS, {"panel": panel_id, "verdict": "pass", "comment": "达标。"})
        assert given.status_code == 201, given.data
    mine = api(experts[0].user).get(VERDICTS).json()["results"]
    assert [(v["panel"], v["verdict"]) for v in mine] == [(panel_id, "pass")]
    assert api(experts[0].user).post(
        VERDICTS, {"panel": panel_id, "verdict": "fail", "comment": "再议。"}
    ).json() == {"non_field_errors": ["您已提交过本轮考核意见。"]}

    reviewed = secretariat.post(
        f"{MILESTONES}{milestone.pk}/review/", {"outcome": "passed", "comment": "通过。"}
    )
    assert reviewed.status_code == 200
    assert reviewed.json()["status"] == "passed" and reviewed.json()["panel"]["status"] == "closed"

    paid = secretariat.post(
        f"{MILESTONES}{milestone.pk}/tranches/", {"amount": "1500000", "released_on": TODAY.isoformat()}
    )
    assert paid.status_code == 201
    too_much = secretariat.post(
        f"{MILESTONES}{milestone.pk}/tranches/", {"amount": "1", "released_on": TODAY.isoformat()}
    )
    assert too_much.json() == {"amount": ["超出该节点的拨付额度：剩余 0.00 元。"]}
    assert api(bob).get(f"{CONTRACTS}{contract.pk}/").json()["released"] == "1500000.00"


def test_refusals_through_the_api(api, sam, alice, bob, university, contract, experts):
    milestone = midterm(contract)
    secretariat = api(sam)
    pending = secretariat.post(
        f"{MILESTONES}{milestone.pk}/tranches/", {"amount": "100", "released_on": TODAY.isoformat()}
    )
    assert pending.json() == {"non_field_errors": ["该节点尚未通过考核，不能拨付资金。"]}
    no_panel = secretariat.post(
        f"{MILESTONES}{milestone.pk}/review/", {"outcome": "passed", "comment": "通过。"}
    )
    assert no_panel.json() == {"non_field_errors": ["请先组建考核专家组。"]}
    panel = milestones.milestone_panel_form(actor=sam, milestone=milestone, experts=experts)
    no_date = secretariat.post(
        f"{MILESTONES}{milestone.pk}/review/", {"outcome": "extended", "comment": "整改。"}
    )
    assert no_date.json()["extended_to"] == ["延期整改须填写新的考核日期。"]
    no_comment = secretariat.post(f"{MILESTONES}{milestone.pk}/review/", {"outcome": "passed"})
    assert no_comment.json()["comment"] == ["请填写考核意见。"]
    # Parties and strangers to the panel.
    assert (
        api(alice)
        .post(f"{MILESTONES}{milestone.pk}/review/", {"outcome": "passed", "comment": "x"})
        .status_code
        == 403
    )
    assert api(alice).post(f"{MILESTONES}{milestone.pk}/tranches/", {"amount": "1"}).status_code == 403
    assert api(alice).post(f"{CONTRACTS}{contract.pk}/terminate/", {"reason": "x"}).status_code == 403
    assert api(alice).post(f"{CONTRACTS}{contract.pk}/penalties/", {"description": "x"}).status_code == 403
    assert (
        api(alice).post(f"{MILESTONES}{milestone.pk}/panel/", {"experts": [1]}, format="json").status_code
        == 403
    )
    assert api(bob).post(VERDICTS, {"panel": panel.pk, "verdict": "pass", "comment": "x"}).status_code == 403
    outsider = make_expert("局外专家")
    assert (
        api(outsider.user).post(VERDICTS, {"panel": panel.pk, "verdict": "pass", "comment": "x"}).status_code
        == 404
    )
    declare(experts[0], organisation=university)
    conflicted = api(experts[0].user).post(VERDICTS, {"panel": panel.pk, "verdict": "pass", "comment": "x"})
    assert conflicted.status_code == 400 and "需回避" in conflicted.json()["non_field_errors"][0]
    assert not (
        MilestoneVerdict.objects.exists() or MilestoneReview.objects.exists() or Tranche.objects.exists()
    )


def test_the_acceptance_failed_then_a_penalty_and_no_more_money(api, sam, contract, experts):
    milestone = contract.milestones.get(kind=ContractMilestone.Kind.ACCEPTANCE)
    panel = milestones.milestone_panel_form(actor=sam, milestone=milestone, experts=experts)
    assert panel.kind == Panel.Kind.ACCEPTANCE
    for expert in experts[:3]:
        milestones.verdict_submit(actor=expert.user, panel=panel, verdict="fail", comment="指标未达到。")
    secretariat = api(sam)
    secretariat.post(f"{MILESTONES}{milestone.pk}/review/", {"outcome": "failed", "comment": "未达指标。"})
    body = secretariat.get(f"{CONTRACTS}{contract.pk}/").json()
    assert body["status"] == "failed"
    penalty = secretariat.post(
        f"{CONTRACTS}{contract.pk}/penalties/",
        {"description": "收回财政资金 80 万元。", "amount": "800000", "milestone": milestone.pk},
        format="json",
    )
    assert penalty.status_code == 201
    assert Penalty.objects.get().amount == Decimal("800000")
    terminated = secretariat.post(f"{CONTRACTS}{contract.pk}/terminate/", {"reason": "已失败。"})
    assert terminated.status_code == 400


def test_a_contract_is_terminated_with_a_reason(api, sam, contract):
    assert api(sam).post(f"{CONTRACTS}{contract.pk}/terminate/", {"reason": ""}).json() == {
        "reason": ["请填写终止原因。"]
    }
    response = api(sam).post(f"{CONTRACTS}{contract.pk}/terminate/", {"reason": "团队解散。"})
    assert response.json()["status"] == "terminated"


def test_a_panel_of_unknown_experts_is_refused(api, sam, contract):
    response = api(sam).post(
        f"{MILESTONES}{midterm(contract).pk}/panel/", {"experts": [424242]}, format="json"
    )
    assert response.json() == {"experts": ["以下专家不存在：424242"]}
    assert not Panel.objects.exists()


def test_an_extension_through_the_api(api, sam, contract):
    milestone = midterm(contract)
    pool = make_experts(5)
    panel = milestones.milestone_panel_form(actor=sam, milestone=milestone, experts=pool)
    for expert in pool[:3]:
        milestones.verdict_submit(actor=expert.user, panel=panel, verdict="extend", comment="需补充测试。")
    new_date = milestone.due_on + datetime.timedelta(days=45)
    response = api(sam).post(
        f"{MILESTONES}{milestone.pk}/review/",
        {"outcome": "extended", "comment": "延期整改。", "extended_to": new_date.isoformat()},
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["due_on"]) == ("extended", new_date.isoformat())
    assert response.json()["reviews"][0]["extended_to"] == new_date.isoformat()
    assert response.json()["panel"]["status"] == "open"


def test_an_extension_opens_a_new_round_in_the_api(api, sam, contract, experts):
    milestone = midterm(contract)
    panel = milestones.milestone_panel_form(actor=sam, milestone=milestone, experts=experts)
    for expert in experts[:3]:
        milestones.verdict_submit(actor=expert.user, panel=panel, verdict="extend", comment="需补充测试。")
    secretariat = api(sam)
    extended = secretariat.post(
        f"{MILESTONES}{milestone.pk}/review/",
        {
            "outcome": "extended",
            "comment": "延期整改。",
            "extended_to": (milestone.due_on + datetime.timedelta(days=30)).isoformat(),
        },
    )
    assert extended.json()["panel"]["round"] == 2 and extended.json()["panel"]["given"] == 0
    at_once = secretariat.post(
        f"{MILESTONES}{milestone.pk}/review/", {"outcome": "passed", "comment": "通过。"}
    )
    assert at_once.status_code == 400 and "至少需要 3 人" in at_once.json()["non_field_errors"][0]
    again = api(experts[0].user).post(
        VERDICTS, {"panel": panel.pk, "verdict": "pass", "comment": "整改到位。"}
    )
    assert again.status_code == 201 and again.json()["round"] == 2
    assert MilestoneReview.objects.count() == 1


def test_the_team_sees_no_counts_in_the_api_while_the_panel_is_open(api, sam, bob, contract, experts):
    milestone = midterm(contract)
    panel = milestones.milestone_panel_form(actor=sam, milestone=milestone, experts=experts)
    for expert, verdict in zip(experts[:3], ["pass", "pass", "fail"], strict=True):
        milestones.verdict_submit(actor=expert.user, panel=panel, verdict=verdict, comment="意见。")

    def summary(user, path):
        body = api(user).get(path).json()
        return body["milestones"][0]["panel"] if "milestones" in body else body["panel"]

    for user in (bob, experts[4].user, experts[0].user):
        for path in (f"{CONTRACTS}{contract.pk}/", f"{MILESTONES}{milestone.pk}/"):
            seen = summary(user, path)
            assert (seen["given"], seen["members"], seen["counts"], seen["majority"]) == (3, 5, None, None)
        listed = api(user).get(CONTRACTS).json()["results"][0]["milestones"][0]["panel"]
        assert listed["counts"] is None
    assert summary(sam, f"{CONTRACTS}{contract.pk}/")["counts"] == {"pass": 2, "extend": 0, "fail": 1}
    milestones.milestone_review(actor=sam, milestone=milestone, outcome="passed", comment="通过。")
    closed = summary(bob, f"{CONTRACTS}{contract.pk}/")
    assert (closed["counts"], closed["majority"]) == ({"pass": 2, "extend": 0, "fail": 1}, "pass")


def test_the_api_refuses_a_second_contract_over_the_calls_budget(api, sam, challenge, contract, bureau):
    second = make_application(challenge, bureau, status="awarded")
    rows = payload(second)["milestones"]
    rows[0]["tranche"] = rows[1]["tranche"] = "500"
    response = api(sam).post(CONTRACTS, payload(second, amount_public="1000", milestones=rows), format="json")
    assert response.status_code == 400
    assert "本榜单已签订的军令状占用 3,000,000.00 元" in response.json()["amount_public"][0]
    assert MilestoneContract.objects.count() == 1


HUGE = 10**19


@pytest.mark.parametrize(
    ("target", "data", "field"),
    [
        ("panel", {"experts": [HUGE]}, "experts"),
        ("penalty", {"description": "扣减。", "milestone": HUGE}, "milestone"),
        ("verdict", {"panel": HUGE, "verdict": "pass", "comment": "x"}, "panel"),
        ("contract", {"application": HUGE}, "application"),
    ],
)
def test_ids_too_large_for_the_database_answer_400(api, sam, contract, target, data, field):
    url = {
        "panel": f"{MILESTONES}{midterm(contract).pk}/panel/",
        "penalty": f"{CONTRACTS}{contract.pk}/penalties/",
        "verdict": VERDICTS,
        "contract": CONTRACTS,
    }[target]
    if target == "contract":
        data = {**payload(contract.application), **data}
    response = api(sam).post(url, data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not (Panel.objects.exists() or Penalty.objects.exists() or MilestoneVerdict.objects.exists())


@pytest.mark.parametrize(
    ("target", "data", "field"),
    [
        ("contract", {"starts_on": "9999-06-01"}, "starts_on"),
        ("contract", {"signed_on": "1999-12-31"}, "signed_on"),
        ("review", {"outcome": "extended", "comment": "整改。", "extended_to": "2101-01-01"}, "extended_to"),
        ("tranche", {"amount": "1", "released_on": "1999-01-01"}, "released_on"),
    ],
)
def test_dates_outside_the_sane_range_answer_400(api, sam, awarded, target, data, field):
    if target == "contract":
        response = api(sam).post(CONTRACTS, payload(awarded, **data), format="json")
    else:
        contract = make_contract(awarded)
        path = "review" if target == "review" else "tranches"
        response = api(sam).post(f"{MILESTONES}{midterm(contract).pk}/{path}/", data, format="json")
    assert response.status_code == 400
    assert "2000-01-01 至 2100-12-31" in response.json()[field][0]
    assert not (MilestoneReview.objects.exists() or Tranche.objects.exists())


def test_the_acceptance_passes_through_the_api_only_after_the_midterm(api, sam, contract, experts):
    final = contract.milestones.get(kind=ContractMilestone.Kind.ACCEPTANCE)
    panel = milestones.milestone_panel_form(actor=sam, milestone=final, experts=experts)
    for expert in experts[:3]:
        milestones.verdict_submit(actor=expert.user, panel=panel, verdict="pass", comment="达标。")
    response = api(sam).post(
        f"{MILESTONES}{final.pk}/review/", {"outcome": "passed", "comment": "验收通过。"}
    )
    assert response.status_code == 400
    assert response.json() == {"outcome": ["以下节点尚未通过考核，验收不能记录为通过：中期考核（待考核）"]}
    contract.refresh_from_db()
    assert contract.status == "active"
