"""The demo of open challenge calls (揭榜挂帅, 军令状): an expert pool and five calls, one in each
part of the life cycle.

- A 车规级固态电池 (中国一汽): decided ~6 months ago; three applications and one withdrawn, a
  panel formed with conflicts excluded (same organisation, a co-author found in the registry,
  a declared conflict), every seated expert's scores, ranks and reasons; the winner's 军令状 is
  mid-way: the first milestone and the mid-term review passed, their tranches released.
- B 半导体激光 (长春市科学技术局): taking applications, with public questions and answers.
- C 智能网联 (一汽解放): under review; every seated expert has scored except expert_sun, who
  can log in and score.
- D (长光卫星): waiting for the secretariat's approval; and one draft of 中国一汽 (faw_chen).

What the documents give: Changchun focuses 揭榜挂帅 on solid-state batteries, semiconductor lasers
and automotive intelligent integration (003), and Jilin revised its 揭榜挂帅(军令状) scheme in
December 2023 (004). Everything else (the calls' texts, budgets, teams, experts, scores) is
illustrative and says so; the people are fictional.

The texts (experts, calls, applications, decisions, questions) are in demo_data/calls.json; the
dates, states and the review are computed here. Called by the core demo loader after the
transfer and contract demos, inside its transaction.
Deterministic (one seeded random.Random; dates are offsets from the day of the load) and
idempotent: experts are keyed by username, calls by issuer and title, and a call found in place
is left as it is (a demo user may have moved it on).
"""

from __future__ import annotations

import calendar
import datetime
import json
import random
from collections.abc import Hashable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from hebi.catalog.models import Achievement, StatusChange, TechField
from hebi.challenges import panels, scoring
from hebi.challenges.models import (
    Application,
    ApplicationMember,
    ApplicationMilestone,
    Challenge,
    ChallengeIndicator,
    ChallengeMilestone,
    ChallengeQuestion,
    ContractMilestone,
    DecisionCategory,
    DeclaredConflict,
    ExpertProfile,
    MilestoneContract,
    MilestoneReview,
    MilestoneVerdict,
    Panel,
    Rubric,
    Score,
    Tranche,
)
from hebi.challenges.reference import load_reference
from hebi.core import audit
from hebi.core.demo import SeedReport, load_demo_file
from hebi.core.models import AuditLog, Citation, Notification
from hebi.core.roles import Role
from hebi.deals.demo import demo_organisations
from hebi.orgs.models import Membership, Organisation

DATA_FILE = Path(__file__).resolve().parent / "demo_data" / "calls.json"
DEMO_MARK = "（演示数据）"
SEED = 20_260_127
WAN = Decimal(10_000)
SECRETARIAT = "mishu"

FOCUS_SOURCE = {
    "doc": "003_f7b9a75bc1616f5e.txt",
    "quote": "通过推行“揭榜挂帅”等灵活机制，聚焦固态电池、半导体激光、汽车智能集成等重点领域核心技术攻关",
}
SCHEME_SOURCE = {
    "doc": "004_27cf28b0b4388d2d.txt",
    "quote": "2023年12月，重新修订并印发了《吉林省科技发展计划揭榜挂帅(军令状)机制实施方案》。",
}
EXPERT_SOURCE = {
    "doc": "004_27cf28b0b4388d2d.txt",
    "quote": "提高科技项目评审专家库中企业专家占比，扩大企业专家在科技创新工作中的“话语权”。",
}
ILLUSTRATIVE = "榜单内容、金额、申报团队与评审过程均为演示示意，人物均为虚构。"


# -- shared helpers (the events demo uses them too) -------------------------------------------------
def add(report: SeedReport, kind: str, n: int = 1) -> None:
    if n:
        report.created[kind] = report.created.get(kind, 0) + n


def add_months(day: datetime.date, months: int) -> datetime.date:
    years, index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, index + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def moment(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def backdate(instance: models.Model, at: datetime.datetime, **more: Any) -> None:
    """Set created_at (and updated_at) of a row written now to the moment the story says."""
    type(instance)._default_manager.filter(pk=instance.pk).update(created_at=at, updated_at=at, **more)


def cite(report: SeedReport, instance: models.Model, source: dict[str, str], fact: str = "") -> None:
    titles = {d["file"]: d.get("title") or "" for d in load_demo_file().get("documents", [])}
    _, created = Citation.objects.get_or_create(
        content_type=ContentType.objects.get_for_model(instance),
        object_id=str(instance.pk),
        fact=fact,
        document=source["doc"],
        quote=source["quote"],
        defaults={"document_title": titles.get(source["doc"], "")[:300]},
    )
    if created:
        add(report, "citation")


def history(
    report: SeedReport, instance: models.Model, moves: list[tuple[str, str, Any, datetime.datetime, str]]
) -> None:
    """Status history rows (from, to, who, when, why), as the workflows write them."""
    content_type = ContentType.objects.get_for_model(instance)
    for from_status, to_status, actor, at, reason in moves:
        change = StatusChange.objects.create(
            content_type=content_type,
            object_id=instance.pk,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            reason=reason,
        )
        StatusChange.objects.filter(pk=change.pk).update(at=at)
    add(report, "status_change", len(moves))


def demo_user(
    report: SeedReport,
    username: str,
    name: str,
    title: str,
    organisation: Organisation | None = None,
    role: str | None = None,
) -> Any:
    """A fictional person of the records (no usable password: not a demo login)."""
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is None:
        user = user_model(
            username=username,
            display_name=name,
            title=title,
            email=f"{username}@demo.hebi.local",
            is_fictional=True,
        )
        user.set_unusable_password()
        user.save()
        audit.record_create(
            actor=None,
            instance=user,
            fields=["username", "display_name", "title"],
            note="演示数据导入（虚构人物）",
        )
        add(report, "person")
    if organisation is not None and role is not None:
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=organisation, role=role
        )
        if created:
            audit.record_create(
                actor=None,
                instance=membership,
                fields=["user", "organisation", "role"],
                organisation=organisation,
            )
            add(report, "membership")
    return user


# -- the expert pool --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExpertPlan:
    username: str
    name: str
    title: str
    org: str  # organisation key in changchun.json
    fields: tuple[str, ...]
    specialties: str
    enterprise: bool = False


# The expert who shares a registered result with jlu_li (a co-author conflict found by the registry).
COAUTHOR = ("zj_xu", "jlu_li")


def _experts(ctx: Context) -> None:
    for row in ctx.data["experts"]:
        plan = ExpertPlan(**{**row, "fields": tuple(row["fields"])})
        org = ctx.orgs.get(plan.org)
        if plan.username == "expert_sun":
            user = get_user_model().objects.filter(username="expert_sun").first()
            if user is None:
                continue
        else:
            user = demo_user(ctx.report, plan.username, plan.name, plan.title, org, Role.EXPERT)
        profile = ExpertProfile.objects.filter(user=user).first()
        if profile is None:
            profile = ExpertProfile.objects.create(
                user=user,
                organisation=org,
                title=plan.title,
                specialties=plan.specialties,
                is_enterprise_expert=plan.enterprise,
            )
            profile.fields.set(TechField.objects.filter(code__in=plan.fields))
            audit.record_create(
                actor=None,
                instance=profile,
                fields=["user", "organisation", "title", "specialties"],
                organisation=org,
                note="演示数据导入（虚构专家）",
            )
            add(ctx.report, "expert")
            cite(ctx.report, profile, EXPERT_SOURCE, "企业专家入库")
        ctx.experts[plan.username] = profile
        ctx.users[plan.username] = user
    for row in ctx.data["declared_conflicts"]:
        username, org_key, person, reason = row["expert"], row["org"], row["person"], row["reason"]
        profile = ctx.experts.get(username)
        if profile is None:
            continue
        _, created = DeclaredConflict.objects.get_or_create(
            expert=profile,
            organisation=ctx.orgs.get(org_key) if org_key else None,
            person=person,
            defaults={"reason": reason},
        )
        if created:
            add(ctx.report, "declared_conflict")
    _coauthor(ctx)


def _coauthor(ctx: Context) -> None:
    """Put the enterprise expert on the team of one of jlu_li's registered results (once)."""
    expert = ctx.users.get(COAUTHOR[0])
    member = get_user_model().objects.filter(username=COAUTHOR[1]).first()
    if expert is None or member is None or Achievement.objects.filter(team=expert).exists():
        return
    result = Achievement.objects.filter(team=member).order_by("source_ref", "pk").first()
    if result is None:
        return
    result.team.add(expert)
    audit.record(
        actor=None,
        action=AuditLog.Action.UPDATE,
        instance=result,
        changes={"team": [[], [str(expert)]]},
        organisation=result.owner,
        note="演示数据导入（虚构人物：企业专家为成果合作者）",
    )
    add(ctx.report, "achievement_team")


# -- the calls --------------------------------------------------------------------------------------
@dataclass
class Context:
    rng: random.Random
    today: datetime.date
    report: SeedReport
    orgs: dict[str, Organisation]
    rubric: Rubric
    users: dict[str, Any]
    experts: dict[str, ExpertProfile]
    data: dict[str, Any]


def _person(ctx: Context, username: str) -> Any:
    if username not in ctx.users:
        ctx.users[username] = get_user_model().objects.filter(username=username).first()
    return ctx.users[username]


def _call(
    ctx: Context,
    row: dict[str, Any],
    *,
    deadline: datetime.date,
    status: str,
    created_on: datetime.date,
    submitted_on: datetime.date | None = None,
    published_on: datetime.date | None = None,
    reviewing_on: datetime.date | None = None,
) -> Challenge | None:
    """The call (a row of calls.json) and its history up to `status`; the review and the decision
    are the caller's."""
    title, budget, indicators, milestones = row["title"], row["budget"], row["indicators"], row["milestones"]
    org = ctx.orgs[row["issuer"]]
    if Challenge.objects.filter(issuer=org, title=title).exists():
        return None  # loaded before: leave what demo users did since alone
    author = _person(ctx, row["created_by"])
    secretariat = _person(ctx, SECRETARIAT)
    published = moment(published_on, 9, 30) if published_on else None
    challenge = Challenge.objects.create(
        issuer=org,
        title=title,
        field=TechField.objects.filter(code=row["field"]).first(),
        problem=f"{row['problem']}\n\n{ILLUSTRATIVE}{DEMO_MARK}",
        budget_public=budget[0] * WAN,
        budget_enterprise=budget[1] * WAN,
        deadline=deadline,
        duration_months=row["months"],
        eligibility=row["eligibility"],
        deliverables=row["deliverables"],
        rubric=ctx.rubric,
        contact=author,
        status=status,
        review_note="榜单需求明确、指标可考核，同意发布。" if published else "",
        approved_by=secretariat if published else None,
        published_at=published,
        created_by=author,
    )
    ChallengeIndicator.objects.bulk_create(
        ChallengeIndicator(challenge=challenge, name=name, target=target, unit=unit, order=i)
        for i, (name, target, unit) in enumerate(indicators)
    )
    ChallengeMilestone.objects.bulk_create(
        ChallengeMilestone(challenge=challenge, title=name, month=month, deliverable=what, order=i)
        for i, (name, month, what) in enumerate(milestones)
    )
    backdate(challenge, moment(created_on, 15))
    audit.record_create(
        actor=author,
        instance=challenge,
        fields=["issuer", "title", "deadline", "budget_public", "budget_enterprise", "status"],
        organisation=org,
        note="演示数据导入",
    )
    moves: list[tuple[str, str, Any, datetime.datetime, str]] = []
    if submitted_on:
        moves.append(("draft", "pending", author, moment(submitted_on, 16), "提交秘书处审核"))
    if published_on:
        moves.append(("pending", "published", secretariat, published or moment(published_on), "同意发布"))
    if reviewing_on:
        moves.append(("published", "reviewing", secretariat, moment(reviewing_on, 9), "揭榜截止，进入评审"))
    history(ctx.report, challenge, moves)
    cite(ctx.report, challenge, FOCUS_SOURCE, "揭榜挂帅重点领域")
    cite(ctx.report, challenge, SCHEME_SOURCE, "揭榜挂帅(军令状)机制")
    add(ctx.report, "challenge")
    add(ctx.report, "challenge_indicator", len(indicators))
    add(ctx.report, "challenge_milestone", len(milestones))
    return challenge


@dataclass(frozen=True)
class AppPlan:
    lead: str
    partners: tuple[str, ...]
    title: str
    approach: str
    trl: tuple[int, int]
    team: str
    budget: tuple[int, int]  # total, public (万元)
    members: tuple[tuple[str, str, str, str], ...]  # (username or "", name, org key, role); first leads
    created_by: str
    milestones: tuple[tuple[str, int, str, int], ...] = ()  # (title, month, deliverable, 万元)
    withdrawn_reason: str = ""

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AppPlan:
        return cls(
            **{
                **row,
                "partners": tuple(row["partners"]),
                "trl": tuple(row["trl"]),
                "budget": tuple(row["budget"]),
                "members": tuple(tuple(m) for m in row["members"]),
                "milestones": tuple(tuple(m) for m in row.get("milestones", [])),
            }
        )


def _default_milestones(challenge: Challenge, plan: AppPlan) -> list[tuple[str, int, str, int]]:
    """An application without its own milestones follows the call's required ones, the public
    money asked (in 万元) split evenly, the last taking the remainder."""
    required = list(challenge.milestones.order_by("month", "order", "id"))
    if not required:
        return []
    share = plan.budget[1] // len(required)
    rows = []
    for i, m in enumerate(required):
        amount = plan.budget[1] - share * (len(required) - 1) if i == len(required) - 1 else share
        rows.append((m.title, m.month, m.deliverable, amount))
    return rows


def _application(
    ctx: Context, challenge: Challenge, plan: AppPlan, *, status: str, submitted_on: datetime.date | None
) -> Application:
    lead = ctx.orgs[plan.lead]
    author = _person(ctx, plan.created_by)
    application = Application.objects.create(
        challenge=challenge,
        lead=lead,
        title=plan.title,
        approach=plan.approach + DEMO_MARK,
        trl_now=plan.trl[0],
        trl_promised=plan.trl[1],
        team_summary=plan.team,
        budget_total=plan.budget[0] * WAN,
        budget_public=plan.budget[1] * WAN,
        budget_note=f"申请财政资金{plan.budget[1]}万元，其余由牵头单位和联合单位自筹（示意）。",
        status=status,
        submitted_at=moment(submitted_on, 17) if submitted_on else None,
        created_by=author,
    )
    application.partners.set([ctx.orgs[k] for k in plan.partners])
    ApplicationMember.objects.bulk_create(
        ApplicationMember(
            application=application,
            user=_person(ctx, username) if username else None,
            name=name,
            organisation=ctx.orgs[org],
            role=role,
            is_lead=i == 0,
            order=i,
        )
        for i, (username, name, org, role) in enumerate(plan.members)
    )
    steps = plan.milestones or _default_milestones(challenge, plan)
    ApplicationMilestone.objects.bulk_create(
        ApplicationMilestone(
            application=application, title=name, month=month, deliverable=what, amount=amount * WAN, order=i
        )
        for i, (name, month, what, amount) in enumerate(steps)
    )
    created = moment((submitted_on or ctx.today) - datetime.timedelta(days=12), 14)
    backdate(application, created)
    audit.record_create(
        actor=author,
        instance=application,
        fields=["challenge", "lead", "title", "status"],
        organisation=lead,
        note="演示数据导入",
    )
    if submitted_on:
        history(ctx.report, application, [("draft", "submitted", author, moment(submitted_on, 17), "")])
    add(ctx.report, "application")
    add(ctx.report, "application_member", len(plan.members))
    return application


def _panel(
    ctx: Context,
    challenge: Challenge,
    usernames: list[str],
    *,
    chair: str,
    formed_on: datetime.date,
    kind: str = Panel.Kind.REVIEW,
    milestone: ContractMilestone | None = None,
    told: bool = True,
) -> Panel:
    """Form the panel through panels.form_panel (which leaves out the conflicted experts).

    `told`: the experts read their invitation long ago (a past panel): the notification exists,
    read, before form_panel's own notice (sent after commit) would add an unread one."""
    proposed = [ctx.experts[u] for u in usernames if u in ctx.experts]
    panel = panels.form_panel(
        actor=_person(ctx, SECRETARIAT),
        challenge=challenge,
        experts=proposed,
        kind=kind,
        milestone=milestone,
        chair=ctx.experts.get(chair),
    )
    at = moment(formed_on, 10)
    backdate(panel, at)
    if told:
        for member in panel.memberships.select_related("expert__user"):
            note = Notification.objects.create(
                recipient=member.expert.user,
                key=f"panel:{panel.pk}",
                title=f"您已受邀参加评审：{challenge.title}"[:200],
                body=f"{panel.get_kind_display()} · 请在“我的评审”中独立完成评分。",
                read_at=at + datetime.timedelta(hours=3),
            )
            Notification.objects.filter(pk=note.pk).update(created_at=at)
    add(ctx.report, "panel")
    add(ctx.report, "panel_member", panel.memberships.count())
    add(ctx.report, "panel_exclusion", panel.exclusions.count())
    return panel


CRITERIA_COMMENTS = {
    "high": "技术路线清晰，前期基础扎实，核心指标响应充分。",
    "mid": "方案基本可行，部分指标的实现路径需进一步论证。",
    "low": "关键难点对策不足，指标承诺与现有基础差距较大。",
}


def _scores(
    ctx: Context,
    panel: Panel,
    applications: list[tuple[Application, float]],
    *,
    bias: dict[str, float],
    scored_on: datetime.date,
    skip: tuple[str, ...] = (),
) -> list[Score]:
    """Each seated expert scores each application: criterion = max × (quality + bias + noise), in
    steps of 0.5, checked by scoring.check_sheet like a sheet typed on the page."""
    criteria = [
        scoring.Criterion(code=c.code, name=c.name, max_score=c.max_score)
        for c in panel.rubric.criteria.all()
    ]
    members = list(panel.memberships.select_related("expert__user").order_by("id"))
    scores = []
    for day, member in enumerate(members):
        username = member.expert.user.username
        if username in skip:
            continue
        for application, quality in applications:
            items = {}
            for c in criteria:
                share = quality + bias.get(username, 0.0) + ctx.rng.uniform(-0.05, 0.05)
                value = round(float(c.max_score) * min(max(share, 0.3), 1.0) * 2) / 2
                items[c.code] = str(value)
            clean, total = scoring.check_sheet(criteria, items)
            tone = "high" if quality >= 0.8 else "mid" if quality >= 0.7 else "low"
            score = Score.objects.create(
                panel=panel,
                expert=member.expert,
                application=application,
                items=clean,
                total=total,
                comment=CRITERIA_COMMENTS[tone],
            )
            backdate(score, moment(scored_on + datetime.timedelta(days=day % 3), 14 + day % 4))
            scores.append(score)
    add(ctx.report, "score", len(scores))
    return scores


# -- A: decided, with a milestone contract mid-way ----------------------------------------------------
A_PANEL = [
    "expert_sun",
    "zj_xu",
    "zj_tang",
    "zj_lu",
    "zj_lin",
    "zj_feng",
    "zj_yang",
    "zj_qian",
    "zj_ren",
    "zj_bai",
]
A_MIDTERM = ["zj_lin", "zj_feng", "zj_lu", "zj_yang", "zj_ren", "expert_sun"]
A_BIAS = {"zj_yang": 0.12, "zj_qian": -0.16}  # one kinder, one harsher: trimming matters


def _challenge_a(ctx: Context) -> None:
    today = ctx.today
    deadline = today - datetime.timedelta(days=243)
    published = deadline - datetime.timedelta(days=75)
    row = ctx.data["calls"]["A"]
    challenge = _call(
        ctx,
        row,
        deadline=deadline,
        status=Challenge.Status.REVIEWING,
        created_on=published - datetime.timedelta(days=20),
        submitted_on=published - datetime.timedelta(days=12),
        published_on=published,
        reviewing_on=deadline + datetime.timedelta(days=1),
    )
    if challenge is None:
        return
    # Applications: 长春应化所 first applied on its own, withdrew and joined 吉林大学's team.
    plans = [AppPlan.from_row(r) for r in row["applications"]]
    live = [p for p in plans if not p.withdrawn_reason]
    gone = next(p for p in plans if p.withdrawn_reason)
    withdrawn = _application(
        ctx, challenge, gone, status=Application.Status.SUBMITTED, submitted_on=deadline - days(40)
    )
    withdrawn_at = moment(deadline - days(25), 11)
    Application.objects.filter(pk=withdrawn.pk).update(
        status=Application.Status.WITHDRAWN, withdrawn_at=withdrawn_at
    )
    history(
        ctx.report,
        withdrawn,
        [
            (
                "submitted",
                "withdrawn",
                _person(ctx, gone.created_by),
                withdrawn_at,
                gone.withdrawn_reason,
            )
        ],
    )
    applications = [
        _application(
            ctx, challenge, plan, status=Application.Status.SUBMITTED, submitted_on=deadline - days(6 - 2 * i)
        )
        for i, plan in enumerate(live)
    ]
    # The review: panel, scores, ranks, decisions.
    panel = _panel(ctx, challenge, A_PANEL, chair="zj_lin", formed_on=deadline + days(8))
    _scores(
        ctx,
        panel,
        list(zip(applications, [0.87, 0.77, 0.64], strict=True)),
        bias=A_BIAS,
        scored_on=deadline + days(12),
    )
    Panel.objects.filter(pk=panel.pk).update(status=Panel.Status.CLOSED)
    decided_at = moment(today - days(195), 16)
    secretariat = _person(ctx, SECRETARIAT)
    aggregates: dict[Hashable, Decimal | None] = {
        a.pk: scoring.aggregate(list(a.scores.values_list("total", flat=True))).score for a in applications
    }
    ranks = scoring.rank(aggregates)
    for application, decision in zip(applications, row["decisions"], strict=True):
        code, comment = DecisionCategory.objects.get(code=decision["category"]), decision["comment"]
        status = (
            Application.Status.AWARDED
            if code.outcome == DecisionCategory.Outcome.AWARDED
            else Application.Status.NOT_AWARDED
        )
        Application.objects.filter(pk=application.pk).update(
            status=status,
            score=aggregates[application.pk],
            rank=ranks[application.pk],
            decision_category=code,
            decision_comment=comment,
            decided_by=secretariat,
            decided_at=decided_at,
            updated_at=decided_at,
        )
        history(ctx.report, application, [("submitted", status, secretariat, decided_at, code.name)])
    Challenge.objects.filter(pk=challenge.pk).update(status=Challenge.Status.DECIDED, updated_at=decided_at)
    history(
        ctx.report,
        challenge,
        [("reviewing", "decided", secretariat, decided_at, "专家评审后定榜：吉林大学牵头团队揭榜")],
    )
    _contract_a(ctx, challenge, applications[0], live[0], decided_at.date())


def _contract_a(
    ctx: Context, challenge: Challenge, winner: Application, plan: AppPlan, decided_on: datetime.date
) -> None:
    secretariat = _person(ctx, SECRETARIAT)
    signed = decided_on + days(3)
    ends = add_months(signed, challenge.duration_months)
    contract = MilestoneContract.objects.create(
        application=winner,
        number=f"JLZ-{signed.year}-0001",
        signed_on=signed,
        starts_on=signed,
        ends_on=ends,
        amount_public=challenge.budget_public,
        amount_enterprise=challenge.budget_enterprise,
        penalty_terms=(
            "节点考核未通过且整改后仍未通过的，停止拨付后续财政资金；验收未通过的，按实际完成情况"
            "收回部分已拨付资金，项目负责人三年内不得牵头申报揭榜挂帅项目（示意条款）。"
        ),
        created_by=secretariat,
    )
    backdate(contract, moment(signed, 15))
    audit.record_create(
        actor=secretariat,
        instance=contract,
        fields=["application", "number", "signed_on", "amount_public", "amount_enterprise"],
        organisation=winner.lead,
        note="演示数据导入：军令状签订",
    )
    kinds = [
        ContractMilestone.Kind.MILESTONE,
        ContractMilestone.Kind.MIDTERM,
        ContractMilestone.Kind.MILESTONE,
        ContractMilestone.Kind.ACCEPTANCE,
    ]
    milestones = [
        ContractMilestone.objects.create(
            contract=contract,
            order=i + 1,
            title=title,
            kind=kind,
            due_on=ends if kind == ContractMilestone.Kind.ACCEPTANCE else add_months(signed, month),
            deliverable=what,
            tranche=amount * WAN,
        )
        for i, ((title, month, what, amount), kind) in enumerate(zip(plan.milestones, kinds, strict=True))
    ]
    first, midterm = milestones[0], milestones[1]
    # The first milestone: checked by the secretariat on the documents.
    reviewed = moment(first.due_on + days(5), 15)
    _passed(
        ctx,
        first,
        reviewed,
        "电解质批次样品室温离子电导率实测 5.6 mS/cm（第三方检测），技术方案评审通过。",
        released=first.due_on + days(12),
    )
    # The mid-term: a panel of experts, each with a verdict; the majority decides.
    panel = _panel(
        ctx,
        challenge,
        A_MIDTERM,
        chair="zj_lin",
        formed_on=midterm.due_on - days(5),
        kind="midterm",
        milestone=midterm,
    )
    verdicts = []
    for i, member in enumerate(panel.memberships.select_related("expert").order_by("id")):
        extend = i == 3  # one of five asks for more data; the majority passes it
        verdict = MilestoneVerdict.objects.create(
            panel=panel,
            expert=member.expert,
            verdict=MilestoneVerdict.Verdict.EXTEND if extend else MilestoneVerdict.Verdict.PASS,
            comment=(
                "低温放电数据样本偏少，建议补测后再拨付。"
                if extend
                else "Ah 级样品电芯能量密度实测 356 Wh/kg，达到中期指标，同意通过。"
            ),
        )
        backdate(verdict, moment(midterm.due_on - days(2 - i % 3), 15))
        verdicts.append(verdict.verdict)
    add(ctx.report, "milestone_verdict", len(verdicts))
    Panel.objects.filter(pk=panel.pk).update(status=Panel.Status.CLOSED)
    _passed(
        ctx,
        midterm,
        moment(midterm.due_on + days(2), 16),
        f"中期考核专家组 {len(verdicts)} 人，{verdicts.count('pass')} 人同意通过：样品电芯达到中期指标；"
        "低温性能请在下一节点前补充数据。",
        released=midterm.due_on + days(4),
    )
    add(ctx.report, "milestone_contract")
    add(ctx.report, "contract_milestone", len(milestones))


def _passed(
    ctx: Context,
    milestone: ContractMilestone,
    at: datetime.datetime,
    comment: str,
    *,
    released: datetime.date,
) -> None:
    secretariat = _person(ctx, SECRETARIAT)
    ContractMilestone.objects.filter(pk=milestone.pk).update(
        status=ContractMilestone.Status.PASSED,
        outcome_comment=comment,
        reviewed_by=secretariat,
        reviewed_at=at,
    )
    review = MilestoneReview.objects.create(
        milestone=milestone, outcome=ContractMilestone.Status.PASSED, comment=comment, decided_by=secretariat
    )
    backdate(review, at)
    tranche = Tranche.objects.create(
        milestone=milestone,
        amount=milestone.tranche,
        released_on=released,
        note="节点考核通过，拨付本节点财政资金。",
        released_by=secretariat,
    )
    backdate(tranche, moment(released, 11))
    add(ctx.report, "milestone_review")
    add(ctx.report, "tranche")


# -- B: taking applications ------------------------------------------------------------------------------
def _challenge_b(ctx: Context) -> None:
    today = ctx.today
    published = today - days(40)
    row = ctx.data["calls"]["B"]
    challenge = _call(
        ctx,
        row,
        deadline=today + days(21),
        status=Challenge.Status.PUBLISHED,
        created_on=published - days(15),
        submitted_on=published - days(10),
        published_on=published,
    )
    if challenge is None:
        return
    secretariat = _person(ctx, SECRETARIAT)
    for question in row["questions"]:
        asked = moment(today - days(question["days_ago"]), 10)
        answered = bool(question["answer"])
        item = ChallengeQuestion.objects.create(
            challenge=challenge,
            asked_by=_person(ctx, question["asked_by"]),
            question=question["question"],
            answer=question["answer"],
            answered_by=secretariat if answered else None,
            answered_at=asked + days(2) if answered else None,
        )
        backdate(item, asked)
    add(ctx.report, "challenge_question", len(row["questions"]))
    submitted, draft = (AppPlan.from_row(r) for r in row["applications"])
    _application(ctx, challenge, submitted, status=Application.Status.SUBMITTED, submitted_on=today - days(3))
    _application(ctx, challenge, draft, status=Application.Status.DRAFT, submitted_on=None)


# -- C: under review; expert_sun still has to score ----------------------------------------------------
C_PANEL = [
    "expert_sun",
    "zj_song",
    "zj_feng",
    "zj_lu",
    "zj_qian",
    "zj_ren",
    "zj_xu",
    "zj_wei",
    "zj_he",
    "zj_yang",
]


def _challenge_c(ctx: Context) -> None:
    today = ctx.today
    deadline = today - days(4)
    published = deadline - days(60)
    row = ctx.data["calls"]["C"]
    challenge = _call(
        ctx,
        row,
        deadline=deadline,
        status=Challenge.Status.REVIEWING,
        created_on=published - days(14),
        submitted_on=published - days(8),
        published_on=published,
        reviewing_on=deadline + days(1),
    )
    if challenge is None:
        return
    applications = [
        _application(
            ctx,
            challenge,
            AppPlan.from_row(plan),
            status=Application.Status.SUBMITTED,
            submitted_on=deadline - days(2 - i),
        )
        for i, plan in enumerate(row["applications"])
    ]
    panel = _panel(ctx, challenge, C_PANEL, chair="zj_song", formed_on=today - days(2), told=False)
    _scores(
        ctx,
        panel,
        list(zip(applications, [0.82, 0.78], strict=True)),
        bias={"zj_qian": -0.08, "zj_song": 0.03, "zj_ren": -0.02},
        scored_on=today - days(1),
        skip=("expert_sun",),
    )


# -- D: waiting for approval; and a draft -------------------------------------------------------------
def _challenge_d(ctx: Context) -> None:
    today = ctx.today
    _call(
        ctx,
        ctx.data["calls"]["D"],
        deadline=today + days(32),
        status=Challenge.Status.PENDING,
        created_on=today - days(9),
        submitted_on=today - days(2),
    )
    _call(
        ctx,
        ctx.data["calls"]["draft"],
        deadline=today + days(75),
        status=Challenge.Status.DRAFT,
        created_on=today - days(3),
    )


# -- entry point --------------------------------------------------------------------------------------
def load_challenges_demo(
    *, report: SeedReport, today: datetime.date | None = None, password: str | None = None
) -> None:
    """The expert pool and the five calls. Call inside a transaction, after the registry (results,
    whose teams give a co-author conflict) and the demo people are loaded. With `password`, the
    pool's experts can sign in with it (to score on the phone page)."""
    load_reference()
    orgs = demo_organisations()
    needed = {"faw", "faw_jiefang", "cc_kjj", "cgstl", "jlu", "cust", "ciomp", "ciac"}
    missing = needed - set(orgs)
    if missing or get_user_model().objects.filter(username=SECRETARIAT).first() is None:
        report.notes.append(f"揭榜挂帅：缺少演示机构或秘书处账号（{sorted(missing)}），未导入。")
        return
    ctx = Context(
        rng=random.Random(SEED),
        today=today or timezone.localdate(),
        report=report,
        orgs=orgs,
        rubric=Rubric.objects.get(code="challenge-2024"),
        users={},
        experts={},
        data=json.loads(DATA_FILE.read_text(encoding="utf-8")),
    )
    _experts(ctx)
    if password:
        for expert in ExpertProfile.objects.select_related("user").filter(user__is_fictional=True):
            if not expert.user.has_usable_password():
                expert.user.set_password(password)
                expert.user.save(update_fields=["password"])
    # The issuers' people without a demo login (中国一汽 has faw_chen).
    for row in ctx.data["issuer_staff"]:
        ctx.users[row["username"]] = demo_user(
            report, row["username"], row["name"], row["title"], orgs[row["org"]], Role.STAFF
        )
    _challenge_a(ctx)
    _challenge_b(ctx)
    _challenge_c(ctx)
    _challenge_d(ctx)
