"""Set-up helpers for the challenge (揭榜挂帅) and event tests: rows written directly, so that each
test starts from the state it needs. The behaviour under test goes through the services."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

from django.utils import timezone

from hebi.challenges.models import (
    Application,
    ApplicationMember,
    ApplicationMilestone,
    Challenge,
    ChallengeIndicator,
    ChallengeMilestone,
    ContractMilestone,
    DeclaredConflict,
    ExpertProfile,
    MilestoneContract,
    Rubric,
)
from hebi.challenges.reference import load_reference
from hebi.core.roles import Role
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

_experts = itertools.count(1)


def challenge_rubric() -> Rubric:
    load_reference()  # transactional tests flush the migration's rows
    return Rubric.objects.get(code="challenge-2024")


def roadshow_rubric() -> Rubric:
    load_reference()
    return Rubric.objects.get(code="roadshow-2023")


def make_challenge(
    issuer: Any, *, status: str = "published", days_left: int = 10, **fields: Any
) -> Challenge:
    """A challenge of `issuer`; published ones get a publication time, closing in `days_left` days."""
    today = timezone.localdate()
    values: dict[str, Any] = {
        "title": "车规级固态电池电解质界面稳定性攻关",
        "problem": "固态电池在低温下界面阻抗升高，循环寿命不足。",
        "budget_public": Decimal("3000000"),
        "budget_enterprise": Decimal("6000000"),
        "deadline": today + datetime.timedelta(days=days_left),
        "duration_months": 24,
        "eligibility": "在长春注册的高校、院所或企业牵头，可联合申报。",
        "deliverables": "样品电池 10 只，第三方检测报告。",
        "rubric": challenge_rubric(),
        "status": status,
    }
    values.update(fields)
    if status not in ("draft", "pending", "returned") and "published_at" not in fields:
        values["published_at"] = timezone.now() - datetime.timedelta(days=5)
    challenge = Challenge.objects.create(issuer=issuer, **values)
    ChallengeIndicator.objects.create(challenge=challenge, name="能量密度", target="≥400", unit="Wh/kg")
    ChallengeMilestone.objects.create(challenge=challenge, title="中期考核", month=12, deliverable="小试样品")
    ChallengeMilestone.objects.create(challenge=challenge, title="验收", month=24, deliverable="装车验证")
    return challenge


def make_application(
    challenge: Challenge,
    lead: Any,
    *,
    status: str = "submitted",
    partners: tuple[Any, ...] = (),
    members: tuple[tuple[str, Any, Any], ...] = (),
    created_by: Any = None,
    **fields: Any,
) -> Application:
    """members: (name, organisation, user or None); the first is the project lead."""
    values: dict[str, Any] = {
        "title": f"{lead} 的揭榜方案",
        "approach": "采用原位聚合复合电解质，界面修饰降低阻抗。",
        "trl_now": 4,
        "trl_promised": 7,
        "team_summary": "教授 2 人，博士后 3 人。",
        "budget_total": Decimal("8000000"),
        "budget_public": Decimal("3000000"),
        "status": status,
        "created_by": created_by,
    }
    values.update(fields)
    if status != "draft" and "submitted_at" not in fields:
        values["submitted_at"] = timezone.now() - datetime.timedelta(days=1)
    application = Application.objects.create(challenge=challenge, lead=lead, **values)
    application.partners.set(partners)
    for order, (name, org, user) in enumerate(members):
        ApplicationMember.objects.create(
            application=application, name=name, organisation=org, user=user, is_lead=order == 0, order=order
        )
    ApplicationMilestone.objects.create(
        application=application, title="中期", month=12, amount=Decimal("1500000")
    )
    ApplicationMilestone.objects.create(
        application=application, title="验收", month=24, amount=Decimal("1500000")
    )
    return application


def make_expert(
    name: str, *, organisation: Any = None, username: str | None = None, **fields: Any
) -> ExpertProfile:
    """An expert with an account (role 专家 in `organisation`, a new institute when None)."""
    organisation = organisation or OrganisationFactory(kind="institute")
    user = UserFactory(username=username or f"expert_{next(_experts)}", display_name=name)
    MembershipFactory(user=user, organisation=organisation, role=Role.EXPERT)
    return ExpertProfile.objects.create(user=user, organisation=organisation, title="研究员", **fields)


def make_experts(count: int, *, prefix: str = "专家") -> list[ExpertProfile]:
    return [make_expert(f"{prefix}{next(_experts)}") for _ in range(count)]


def declare(
    expert: ExpertProfile, *, organisation: Any = None, person: str = "", reason: str = "近三年合作"
) -> None:
    DeclaredConflict.objects.create(expert=expert, organisation=organisation, person=person, reason=reason)


def make_contract(
    application: Application, *, tranches: tuple[Decimal, ...] = (Decimal("1500000"), Decimal("1500000"))
) -> MilestoneContract:
    """A signed milestone contract for an awarded application: a mid-term review and an acceptance."""
    today = timezone.localdate()
    if application.status != Application.Status.AWARDED:
        Application.objects.filter(pk=application.pk).update(status=Application.Status.AWARDED)
        application.refresh_from_db()
    contract = MilestoneContract.objects.create(
        application=application,
        number=f"JLZ-{application.pk:05d}",
        signed_on=today - datetime.timedelta(days=200),
        starts_on=today - datetime.timedelta(days=190),
        ends_on=today + datetime.timedelta(days=540),
        amount_public=sum(tranches, Decimal(0)),
        amount_enterprise=Decimal("6000000"),
        penalty_terms="未通过验收的，收回未使用的财政资金，三年内不得申报。",
    )
    kinds = [ContractMilestone.Kind.MIDTERM, ContractMilestone.Kind.ACCEPTANCE]
    for order, amount in enumerate(tranches):
        ContractMilestone.objects.create(
            contract=contract,
            order=order,
            title="中期考核" if order == 0 else "验收",
            kind=kinds[min(order, 1)],
            due_on=today + datetime.timedelta(days=10 + 360 * order),
            deliverable="小试样品" if order == 0 else "装车验证",
            tranche=amount,
        )
    return contract
