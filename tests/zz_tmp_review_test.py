import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from hebi.challenges import milestones
from hebi.challenges.models import ContractMilestone, MilestoneVerdict, Panel, PanelMember
from hebi.core.roles import Role
from tests.challenge_factories import (
    make_application, make_challenge, make_contract, make_experts, roadshow_rubric,
)
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory


@pytest.fixture
def awarded(enterprise, university):
    ch = make_challenge(enterprise, status="decided", days_left=-30)
    app = make_application(ch, university, status="awarded")
    return app


def _panel(sam, contract):
    m = contract.milestones.order_by("order").first()
    experts = make_experts(5)
    panel = milestones.milestone_panel_form(actor=sam, milestone=m, experts=experts)
    return m, panel, experts


def test_extension_then_pass_on_stale_verdicts(sam, awarded):
    contract = make_contract(awarded)
    m, panel, experts = _panel(sam, contract)
    for e in experts[:3]:
        milestones.verdict_submit(actor=e.user, panel=panel, verdict="extend", comment="需要整改")
    milestones.milestone_review(actor=sam, milestone=m, outcome="extended", comment="延期整改",
                                extended_to=m.due_on + datetime.timedelta(days=60))
    # experts cannot give a new opinion after the extension
    with pytest.raises(Exception) as exc:
        milestones.verdict_submit(actor=experts[0].user, panel=panel, verdict="pass", comment="已整改")
    print("re-verdict:", exc.value)
    # ... yet the secretariat may pass it at once, on the old "extend" verdicts
    milestones.milestone_review(actor=sam, milestone=m, outcome="passed", comment="通过了")
    m.refresh_from_db()
    assert m.status == "passed"


def test_tally_shown_to_expert_and_applicant(sam, awarded, alice, login):
    contract = make_contract(awarded)
    m, panel, experts = _panel(sam, contract)
    milestones.verdict_submit(actor=experts[0].user, panel=panel, verdict="fail", comment="不通过")
    milestones.verdict_submit(actor=experts[1].user, panel=panel, verdict="fail", comment="不通过")
    c = login(experts[2].user)
    html = c.get(f"/challenges/contracts/{contract.pk}/").content.decode()
    assert 'data-testid="tally"' in html
    print([l for l in html.splitlines() if "tally" in l][:2])
    c = login(alice)
    html = c.get(f"/challenges/contracts/{contract.pk}/").content.decode()
    assert "不通过 2" in html


def test_contract_far_future_start_500(sam, awarded, login):
    c = login(sam)
    c.raise_request_exception = True
    data = {
        "signed_on": "2026-01-01", "starts_on": "9999-06-01", "ends_on": "", "amount_public": "3000000",
        "amount_enterprise": "0", "penalty_terms": "收回资金",
        "milestones-TOTAL_FORMS": "2", "milestones-INITIAL_FORMS": "0",
        "milestones-0-title": "中期", "milestones-0-kind": "midterm", "milestones-0-due_on": "9999-07-01", "milestones-0-tranche": "1500000",
        "milestones-1-title": "验收", "milestones-1-kind": "acceptance", "milestones-1-due_on": "9999-08-01", "milestones-1-tranche": "1500000",
    }
    with pytest.raises(ValueError):
        c.post(f"/challenges/applications/{awarded.pk}/contract/new/", data)


def test_api_decide_huge_id(sam, api, enterprise):
    ch = make_challenge(enterprise, status="reviewing", days_left=-3)
    client = api(sam)
    client.raise_request_exception = False
    r = client.post(f"/api/v1/challenges/{ch.pk}/decide/", {"decisions": [{"application": 10**30, "category": "", "comment": ""}]}, format="json")
    print("decide", r.status_code)


def test_api_milestone_panel_huge_id(sam, api, awarded):
    contract = make_contract(awarded)
    m = contract.milestones.first()
    client = api(sam)
    client.raise_request_exception = False
    r = client.post(f"/api/v1/contract-milestones/{m.pk}/panel/", {"experts": [10**30]}, format="json")
    print("panel", r.status_code)


def test_question_asker_public(api, enterprise, charlie, bob):
    from hebi.challenges import services
    ch = make_challenge(enterprise)
    q = services.question_ask(actor=bob, challenge=ch, question="能否联合申报？")
    services.question_answer(actor=charlie, question=q, answer="可以")
    r = api().get(f"/api/v1/challenge-questions/?challenge={ch.pk}")
    print("questions", r.status_code, r.content.decode()[:300])


def test_event_year1(pat, login, bureau):
    roadshow_rubric()
    c = login(pat)
    c.raise_request_exception = False
    r = c.post("/events/new/", {"organiser": bureau.pk, "kind": "roadshow", "title": "路演", "starts_at": "0001-01-01T00:00",
                                "venue": "长春", "capacity": "10", "rubric": "roadshow-2023"})
    print("event year1", r.status_code)


def test_event_self_declared_expert_scores_own_slot(pat, bob, university, login):
    from hebi.events import services
    from hebi.events.models import Event
    roadshow_rubric()
    ev = services.event_create(actor=pat, organiser=OrganisationFactory(kind="government"), kind="roadshow", title="路演",
                               starts_at=timezone.now() + datetime.timedelta(days=3), venue="长春", capacity=10)
    slot = services.slot_add(actor=pat, event=ev, title="吉大项目", organisation=university)
    services.event_publish(actor=pat, event=ev)
    reg = services.registration_create(actor=bob, event=ev, role="expert", organisation=university)
    services.registration_check_in(actor=pat, registration=reg)  # three days early
    from hebi.challenges.models import RubricCriterion
    items = {c.code: str(c.max_score) for c in ev.rubric.criteria.all()}
    fb = services.feedback_submit(actor=bob, slot=slot, items=items)
    print("own-slot score", fb.score)
