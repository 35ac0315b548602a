"""The demo of open challenge calls and events (hebi/challenges/demo.py, hebi/events/demo.py): the
2023-11-01 roadshow as reported, a decided call with its 军令状 mid-way, a call under review that
expert_sun still has to score, one taking applications and one waiting for approval.

The whole seed takes ~20 s, so each test seeds once and checks a whole area.
"""

import re
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone

from hebi.accounts.models import User
from hebi.catalog.models import StatusChange
from hebi.challenges import scoring
from hebi.challenges.models import (
    Application,
    Challenge,
    ContractMilestone,
    DeclaredConflict,
    ExpertProfile,
    MilestoneContract,
    Panel,
    PanelExclusion,
    Score,
    Tranche,
)
from hebi.core.models import AuditLog, Citation, Notification
from hebi.deals.models import Engagement, TransferProject
from hebi.events.models import Event, EventSlot, Invitation, Registration, SlotFeedback

PAPERS = settings.HEBI_SHARED_DATA_DIR / "csl" / "papers.jsonl"
NAMED_PROJECTS = {
    "无线光通信产业化项目",
    "检测试剂及仪器项目",
    "纤维复合材料多点柔性数字化智造产线项目",
    "商用车液力缓速器产业化项目",
}
ROADSHOW_ORGS = {
    "吉林大学",
    "长春理工大学",
    "中国科学院长春光学精密机械与物理研究所",
    "中国科学院长春应用化学研究所",
}


@pytest.fixture
def seeded(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _collapse(text):
    return re.sub(r"\s+", "", text)


def _counts():
    models = (
        Challenge,
        Application,
        Score,
        Panel,
        PanelExclusion,
        ExpertProfile,
        DeclaredConflict,
        MilestoneContract,
        ContractMilestone,
        Tranche,
        Event,
        EventSlot,
        Invitation,
        Registration,
        SlotFeedback,
        Engagement,
        TransferProject,
        StatusChange,
        Citation,
        AuditLog,
        Notification,
        User,
    )
    return {m.__name__: m.objects.count() for m in models}


def test_the_calls_cover_the_life_cycle_and_load_once(seeded):
    today = timezone.localdate()
    mishu = User.objects.get(username="mishu")
    sun = User.objects.get(username="expert_sun")

    # The expert pool: fictional people, a third from enterprises, some declared conflicts.
    experts = ExpertProfile.objects.select_related("user")
    assert 12 <= experts.count() <= 16
    assert all(e.user.is_fictional and e.fields.exists() for e in experts)
    assert experts.filter(is_enterprise_expert=True).count() >= 4
    assert 3 <= DeclaredConflict.objects.count() <= 4
    assert sun.has_usable_password() and hasattr(sun, "expert_profile")

    # A: decided; a seated panel of at least 5; exclusions with reasons; every seated expert
    # scored every application; scores, ranks and reasons for every applicant.
    a = Challenge.objects.get(title__startswith="车规级固态电池")
    assert a.status == Challenge.Status.DECIDED and a.issuer.kind == "enterprise"
    assert a.deadline < today and a.budget_public > 0 and a.budget_enterprise > a.budget_public
    panel = a.panels.get(kind=Panel.Kind.REVIEW)
    seated = list(panel.memberships.values_list("expert_id", flat=True))
    assert panel.status == Panel.Status.CLOSED and len(seated) >= 5
    exclusions = list(panel.exclusions.all())
    assert len(exclusions) >= 2 and all(x.reasons and all(r["detail"] for r in x.reasons) for x in exclusions)
    kinds = {r["kind"] for x in exclusions for r in x.reasons}
    assert {"same_org", "declared"} <= kinds
    if PAPERS.is_file():
        assert "coauthor" in kinds
    assert not set(seated) & {x.expert_id for x in exclusions}
    reviewed = a.applications.exclude(status=Application.Status.WITHDRAWN)
    assert reviewed.count() == 3 and a.applications.filter(status=Application.Status.WITHDRAWN).count() == 1
    leads = list(reviewed.values_list("lead_id", flat=True))
    assert len(leads) == len(set(leads))
    criteria = {c.code: c.max_score for c in a.rubric.criteria.all()}
    for application in reviewed:
        scores = list(application.scores.filter(panel=panel))
        assert sorted(s.expert_id for s in scores) == sorted(seated)
        for s in scores:
            assert set(s.items) == set(criteria)
            assert all(Decimal("0") <= Decimal(v) <= criteria[k] for k, v in s.items.items())
            assert all((Decimal(v) * 2) % 1 == 0 for v in s.items.values())
            assert s.total == sum(Decimal(v) for v in s.items.values())
        assert application.score == scoring.aggregate([s.total for s in scores]).score
        assert application.decision_category is not None and len(application.decision_comment) >= 20
        assert application.decided_by == mishu and application.decided_at is not None
    ranks = scoring.rank({app.pk: app.score for app in reviewed})
    assert {app.pk: app.rank for app in reviewed} == ranks
    winner = reviewed.get(status=Application.Status.AWARDED)
    assert winner.rank == 1 and winner.decision_category.outcome == "awarded"
    assert {app.status for app in reviewed if app != winner} == {Application.Status.NOT_AWARDED}
    assert (today - timezone.localdate(winner.decided_at)).days in range(150, 220)

    # The 军令状: mid-way; tranches only for passed milestones and never above the milestone.
    contract = winner.contract
    assert re.fullmatch(r"JLZ-\d{4}-0001", contract.number)
    milestones = list(contract.milestones.order_by("order"))
    assert len(milestones) in (3, 4)
    passed = [m for m in milestones if m.status == ContractMilestone.Status.PASSED]
    assert len(passed) == 2 and passed[1].kind == ContractMilestone.Kind.MIDTERM
    assert all(m.due_on <= today for m in passed)
    assert all(m.status == ContractMilestone.Status.PENDING and m.due_on > today for m in milestones[2:])
    for m in milestones:
        released = sum(t.amount for t in m.tranches.all())
        assert released <= m.tranche
        if m.status != ContractMilestone.Status.PASSED:
            assert not m.tranches.exists()
        else:
            assert released == m.tranche and m.reviews.filter(outcome="passed").exists()
    assert sum(m.tranche for m in milestones) == contract.amount_public
    assert not contract.penalties.exists()
    midterm = passed[1].panels.get()
    verdicts = list(midterm.verdicts.values_list("verdict", flat=True))
    assert len(verdicts) == midterm.memberships.count() >= 5 and scoring.majority(verdicts) == "pass"

    # B: taking applications, with answered and unanswered questions.
    b = Challenge.objects.get(title__startswith="高功率半导体激光器芯片")
    assert b.status == Challenge.Status.PUBLISHED and b.deadline > today and b.published_at
    assert b.questions.exclude(answer="").count() == 2 and b.questions.filter(answer="").count() == 1
    assert set(b.applications.values_list("status", flat=True)) == {"submitted", "draft"}

    # C: under review; every seated expert scored except expert_sun, who can still score.
    c = Challenge.objects.get(title__startswith="商用车智能网联")
    assert c.status == Challenge.Status.REVIEWING and c.deadline < today
    c_panel = c.panels.get(kind=Panel.Kind.REVIEW)
    assert c_panel.status == Panel.Status.OPEN and c_panel.memberships.count() >= 5
    assert c_panel.exclusions.exists()
    assert c_panel.memberships.filter(expert__user=sun).exists()
    assert not Score.objects.filter(panel=c_panel, expert__user=sun).exists()
    others = c_panel.memberships.exclude(expert__user=sun).count()
    assert Score.objects.filter(panel=c_panel).count() == others * c.applications.count()

    # D waits for the secretariat; a draft waits for its author.
    d = Challenge.objects.get(status=Challenge.Status.PENDING)
    assert d.deadline > today and d.issuer.kind == "enterprise" and d.published_at is None
    draft = Challenge.objects.get(status=Challenge.Status.DRAFT)
    assert draft.issuer != d.issuer and draft.created_by.username == "faw_chen"

    # The history panel is not empty for the calls that moved.
    content_type = ContentType.objects.get_for_model(Challenge)
    moves = StatusChange.objects.filter(content_type=content_type, object_id=a.pk).order_by("at")
    assert [m.to_status for m in moves] == ["pending", "published", "reviewing", "decided"]

    # A second run finds everything in place and writes nothing.
    before = _counts()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "nothing changed" in out.getvalue()
    assert _counts() == before


def test_the_roadshow_is_the_one_reported_with_scores_and_follow_ups(seeded):
    event = Event.objects.get(starts_at__date="2023-11-01")
    assert event.kind == Event.Kind.ROADSHOW and event.status == Event.Status.HELD
    assert "长春新区" in event.venue and event.organiser.name == "长春市科学技术局"
    slots = list(event.slots.select_related("organisation"))
    assert len(slots) == 10
    assert {s.organisation.name for s in slots} <= ROADSHOW_ORGS
    assert {s.title for s in slots} >= NAMED_PROJECTS
    assert all("示意" in s.summary for s in slots)

    # ~40 registrations, most checked in; invitations of funds and enterprises.
    registrations = event.registrations.all()
    assert registrations.count() >= 30
    assert registrations.filter(checked_in_at__isnull=False).count() >= 30
    assert registrations.filter(checked_in_at__isnull=True).exists()
    assert all(r.user.is_fictional for r in registrations)
    kinds = set(event.invitations.values_list("kind", flat=True))
    assert {"investor", "enterprise"} <= kinds

    # Five experts score every slot within the rubric's maxima; feedback only from people there.
    criteria = {c.code: c.max_score for c in event.rubric.criteria.all()}
    for slot in slots:
        scored = slot.feedback.filter(score__isnull=False)
        assert scored.count() >= 5
        for feedback in scored:
            assert set(feedback.items) == set(criteria)
            assert all(Decimal(0) <= Decimal(v) <= criteria[k] for k, v in feedback.items.items())
            assert feedback.score == sum(Decimal(v) for v in feedback.items.values())
    feedback = SlotFeedback.objects.filter(slot__event=event).select_related("registration")
    assert all(
        f.registration.checked_in_at is not None and f.registration.user_id == f.user_id for f in feedback
    )
    assert feedback.filter(want_to_talk=True, registration__role__in=["investor", "enterprise"]).count() >= 10

    # What the interests became: engagements (in the demo year) and one transfer project.
    converted = feedback.filter(engagement__isnull=False)
    assert 3 <= converted.count() <= 4
    assert all(
        f.engagement.summary and f.slot.organisation in f.engagement.organisations.all() for f in converted
    )
    project = feedback.get(project__isnull=False).project
    assert project.owner == feedback.get(project__isnull=False).slot.organisation
    assert project.periods.filter(left_at__isnull=True).get().stage == project.stage

    # Every quote is word for word in its source document.
    if settings.HEBI_SEEDS_DIR.is_dir():
        types = [ContentType.objects.get_for_model(m) for m in (Event, EventSlot, Challenge, ExpertProfile)]
        citations = Citation.objects.filter(content_type__in=types)
        assert citations.count() >= 10
        for citation in citations:
            text = _collapse((Path(settings.HEBI_SEEDS_DIR) / citation.document).read_text(encoding="utf-8"))
            assert _collapse(citation.quote) in text, citation.quote

    # The upcoming matching event is open for registration, nobody checked in yet.
    upcoming = Event.objects.get(kind=Event.Kind.MATCHING)
    assert upcoming.status == Event.Status.OPEN and upcoming.capacity == 120
    assert 14 <= (timezone.localdate(upcoming.starts_at) - timezone.localdate()).days <= 28
    assert upcoming.slots.count() == 5 and upcoming.invitations.exists()
    assert upcoming.registrations.exists()
    assert not upcoming.registrations.filter(checked_in_at__isnull=False).exists()
