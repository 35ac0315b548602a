"""Writes to engagements (对接记录), transfer projects (转化项目), their stages and the money put in.

Each function is atomic and audited; bad input raises ValidationError (by field where there is
one) in the user's language and writes nothing. Notifications go out after the commit.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hebi.catalog import selectors as catalog_selectors
from hebi.catalog import workflow
from hebi.catalog.models import Achievement, Need
from hebi.contracts.rules import money
from hebi.core import audit
from hebi.core.models import AuditLog
from hebi.core.permissions import can_contribute, require_contribute
from hebi.core.roles import Role
from hebi.deals import permissions
from hebi.deals.models import Engagement, Funding, StagePeriod, TransferProject, WorkTeam
from hebi.matching.models import Match
from hebi.matching.services import notify_after_commit
from hebi.orgs.models import Membership, Organisation

User = get_user_model()
Stage = TransferProject.Stage

ENGAGEMENT_FIELDS = [
    "kind",
    "held_on",
    "place",
    "team",
    "people",
    "summary",
    "outcome",
    "next_step",
    "next_step_on",
    "next_step_owner",
]
PROJECT_FIELDS = ["title", "summary", "need", "team", "manager"]
MAX_LINKED = 20
# Stages a hosting platform belongs to, and the kinds of organisation that host them.
HOSTED_STAGES = (Stage.CONCEPT, Stage.PILOT, Stage.INCUBATION, Stage.INDUSTRIAL)
HOST_KINDS = (
    Organisation.Kind.CV_CENTRE,
    Organisation.Kind.PILOT_BASE,
    Organisation.Kind.INCUBATOR,
    Organisation.Kind.PARK,
    Organisation.Kind.LAB,
)
MAX_AMOUNT = Decimal("999999999999.99")


def _names(items: Iterable[Any]) -> list[str]:
    return sorted(str(item) for item in items)


# -- engagements ------------------------------------------------------------------------------------
def _check_linked(
    actor: Any, model: type[Achievement] | type[Need], items: Iterable[Any], field: str
) -> list[Any]:
    chosen = list({item.pk: item for item in items}.values())
    if len(chosen) > MAX_LINKED:
        raise ValidationError({field: _("最多关联 %(n)d 项。") % {"n": MAX_LINKED}})
    visible = set(
        catalog_selectors.visible(model, viewer=actor)
        .filter(pk__in=[i.pk for i in chosen])
        .values_list("pk", flat=True)
    )
    hidden = [str(item.pk) for item in chosen if item.pk not in visible]
    if hidden:
        raise ValidationError({field: _("以下记录不存在或您无权查看：%(ids)s") % {"ids": "、".join(hidden)}})
    return chosen


def _engagement_data(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: v for k, v in data.items() if k in ENGAGEMENT_FIELDS}
    for name in ("place", "people", "summary", "next_step"):
        if name in cleaned:
            cleaned[name] = (cleaned[name] or "").strip()
    if "summary" in cleaned and not cleaned["summary"]:
        raise ValidationError({"summary": _("请填写对接情况。")})
    held_on = cleaned.get("held_on")
    if held_on is not None and held_on > timezone.localdate():
        raise ValidationError({"held_on": _("对接日期不能晚于今天；计划中的对接请写在“下一步工作”中。")})
    team = cleaned.get("team")
    if team is not None and (not team.is_active or not permissions.can_use_team(actor, team)):
        raise ValidationError({"team": _("只能选择您所在的、在岗的工作专班。")})
    if cleaned.get("outcome") == Engagement.Outcome.PROJECT:
        raise ValidationError(
            {"outcome": _("“已立项为转化项目”在立项时自动记录：请在对接记录页点击“立项为转化项目”。")}
        )
    return cleaned


def _check_follow_up(engagement: Engagement) -> None:
    if engagement.next_step_on is not None:
        if not engagement.next_step:
            raise ValidationError({"next_step": _("填写了下一步日期时，请写明下一步工作。")})
        if engagement.next_step_on < engagement.held_on:
            raise ValidationError({"next_step_on": _("下一步日期不能早于对接日期。")})
    owner = engagement.next_step_owner
    if owner is not None:
        allowed = Membership.objects.filter(user=owner, organisation=engagement.recorder_org).exists() or (
            engagement.team is not None and engagement.team.memberships.filter(user=owner).exists()
        )
        if not allowed or not owner.is_active:
            raise ValidationError({"next_step_owner": _("跟进人须为记录单位或工作专班的在职成员。")})


def _check_organisations(organisations: Iterable[Organisation]) -> list[Organisation]:
    chosen = list({o.pk: o for o in organisations}.values())
    if not chosen:
        raise ValidationError({"organisations": _("请至少选择一家对接单位。")})
    if len(chosen) > MAX_LINKED:
        raise ValidationError({"organisations": _("最多关联 %(n)d 家单位。") % {"n": MAX_LINKED}})
    inactive = [o.name for o in chosen if not o.is_active]
    if inactive:
        raise ValidationError({"organisations": _("以下单位已停用：%(n)s") % {"n": "、".join(inactive)}})
    return chosen


@transaction.atomic
def engagement_create(
    *,
    actor: Any,
    recorder_org: Organisation,
    organisations: Iterable[Organisation],
    needs: Iterable[Need] = (),
    achievements: Iterable[Achievement] = (),
    **data: Any,
) -> Engagement:
    """Record one contact: who met whom, when, how, what came of it and what happens next."""
    require_contribute(actor, recorder_org)
    cleaned = _engagement_data(actor, data)
    orgs = _check_organisations(organisations)
    linked_needs = _check_linked(actor, Need, needs, "needs")
    linked_results = _check_linked(actor, Achievement, achievements, "achievements")
    engagement = Engagement(recorded_by=actor, recorder_org=recorder_org, **cleaned)
    if engagement.next_step_on is not None and engagement.next_step_owner is None:
        engagement.next_step_owner = actor
    engagement.full_clean(exclude=["project"])
    _check_follow_up(engagement)
    engagement.save()
    engagement.organisations.set(orgs)
    engagement.needs.set(linked_needs)
    engagement.achievements.set(linked_results)
    audit.record_create(
        actor=actor,
        instance=engagement,
        fields=[*ENGAGEMENT_FIELDS, "recorder_org"],
        organisation=recorder_org,
        note=_("对接单位：%(orgs)s") % {"orgs": "、".join(_names(orgs))},
    )
    _tell_follow_up_owner(actor, engagement)
    return engagement


def _tell_follow_up_owner(actor: Any, engagement: Engagement) -> None:
    if engagement.next_step_owner is None or engagement.next_step_on is None:
        return
    notify_after_commit(
        [engagement.next_step_owner],
        actor=actor,
        key=f"engagement:follow-up:{engagement.pk}:{engagement.next_step_on:%Y%m%d}",
        title=_("对接跟进：%(date)s 前%(step)s")
        % {"date": f"{engagement.next_step_on:%Y-%m-%d}", "step": engagement.next_step},
        body=_("%(who)s 请您跟进 %(date)s 的对接。")
        % {"who": actor, "date": f"{engagement.held_on:%Y-%m-%d}"},
        url=reverse("deals:engagement-detail", args=[engagement.pk]),
    )


@transaction.atomic
def engagement_update(
    *,
    actor: Any,
    engagement: Engagement,
    organisations: Iterable[Organisation] | None = None,
    needs: Iterable[Need] | None = None,
    achievements: Iterable[Achievement] | None = None,
    **data: Any,
) -> dict[str, list[Any]]:
    permissions.require_edit_engagement(actor, engagement)
    engagement = Engagement.objects.select_for_update().select_related("recorder_org").get(pk=engagement.pk)
    if data.get("outcome") == Engagement.Outcome.PROJECT and engagement.outcome == Engagement.Outcome.PROJECT:
        data.pop("outcome")
    if engagement.project_id is not None and data.get("outcome") not in (None, Engagement.Outcome.PROJECT):
        raise ValidationError({"outcome": _("该对接已立项为转化项目，对接结果不能再修改。")})
    cleaned = _engagement_data(actor, data)
    previous_step = (engagement.next_step, engagement.next_step_on, engagement.next_step_owner_id)
    step_on = cleaned.get("next_step_on", engagement.next_step_on)
    step_owner = cleaned.get("next_step_owner", engagement.next_step_owner)
    if step_on is not None and step_owner is None:
        cleaned["next_step_owner"] = actor
    changes = audit.model_update(
        actor=actor,
        instance=engagement,
        data=cleaned,
        fields=ENGAGEMENT_FIELDS,
        organisation=engagement.recorder_org,
    )
    _check_follow_up(engagement)
    extra: dict[str, Any] = {}
    for name, items, check in (
        ("organisations", organisations, lambda v: _check_organisations(v)),
        ("needs", needs, lambda v: _check_linked(actor, Need, v, "needs")),
        ("achievements", achievements, lambda v: _check_linked(actor, Achievement, v, "achievements")),
    ):
        if items is None:
            continue
        chosen = check(items)
        before = _names(getattr(engagement, name).all())
        if before != _names(chosen):
            getattr(engagement, name).set(chosen)
            extra[name] = [before, _names(chosen)]
    if extra:
        audit.record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            instance=engagement,
            changes=extra,
            organisation=engagement.recorder_org,
        )
        changes.update(extra)
    step_now = (engagement.next_step, engagement.next_step_on, engagement.next_step_owner_id)
    if step_now != previous_step:
        # A new next step is a new follow-up, open until someone closes it.
        if engagement.next_step_done_at is not None:
            engagement.next_step_done_at = None
            engagement.save(update_fields=["next_step_done_at", "updated_at"])
        _tell_follow_up_owner(actor, engagement)
    return changes


@transaction.atomic
def engagement_follow_up_done(*, actor: Any, engagement: Engagement, note: str = "") -> Engagement:
    """The follow-up owner (or the recorders) closes the next step."""
    engagement = Engagement.objects.select_for_update().select_related("recorder_org").get(pk=engagement.pk)
    if not permissions.can_close_follow_up(actor, engagement):
        raise PermissionDenied(_("只有跟进人、记录人或记录单位成员可以完成该跟进。"))
    if not engagement.follow_up_open:
        raise ValidationError(_("该对接没有待完成的跟进事项。"))
    engagement.next_step_done_at = timezone.now()
    engagement.save(update_fields=["next_step_done_at", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        instance=engagement,
        changes={"next_step_done_at": [None, engagement.next_step_done_at.isoformat()]},
        organisation=engagement.recorder_org,
        note=note.strip()[:500] or _("跟进已完成"),
    )
    return engagement


# -- transfer projects -------------------------------------------------------------------------------
def _check_sides(owner: Organisation, enterprise: Organisation) -> None:
    if owner.pk == enterprise.pk:
        raise ValidationError({"enterprise": _("成果方与承接企业不能是同一单位。")})
    if enterprise.kind != Organisation.Kind.ENTERPRISE:
        raise ValidationError({"enterprise": _("承接方须为企业。")})
    for name, org in (("owner", owner), ("enterprise", enterprise)):
        if not org.is_active:
            raise ValidationError({name: _("该单位已停用。")})


def _check_project_links(
    actor: Any,
    *,
    owner: Organisation,
    enterprise: Organisation,
    achievements: Iterable[Achievement] | None,
    need: Need | None,
) -> list[Achievement] | None:
    chosen = None
    if achievements is not None:
        chosen = _check_linked(actor, Achievement, achievements, "achievements")
        foreign = [a.title for a in chosen if a.owner_id != owner.pk]
        if foreign:
            raise ValidationError(
                {"achievements": _("科技成果须为成果方所有：%(t)s") % {"t": "、".join(foreign)}}
            )
    if need is not None:
        _check_linked(actor, Need, [need], "need")
        if need.owner_id != enterprise.pk:
            raise ValidationError({"need": _("技术需求须为承接企业发布的需求。")})
    return chosen


def _check_manager(manager: Any) -> None:
    if manager is None:
        return
    is_manager = Membership.objects.filter(
        user=manager, role=Role.TECH_MANAGER, organisation__is_active=True
    ).exists()
    if not is_manager or not manager.is_active:
        raise ValidationError({"manager": _("技术经理人须为平台上登记为技术经理人的在职人员。")})


def _check_members(members: Iterable[Any], owner: Organisation, enterprise: Organisation) -> list[Any]:
    people = list({p.pk: p for p in members}.values())
    inside = set(
        Membership.objects.filter(user__in=people, organisation__in=[owner, enterprise]).values_list(
            "user_id", flat=True
        )
    )
    outsiders = [str(p) for p in people if p.pk not in inside]
    if outsiders:
        raise ValidationError({"members": _("项目成员须为双方单位人员：%(p)s") % {"p": "、".join(outsiders)}})
    return people


def _check_team(actor: Any, team: WorkTeam | None, previous: WorkTeam | None = None) -> None:
    if team is None or (previous is not None and team.pk == previous.pk):
        return
    if not team.is_active or not permissions.can_use_team(actor, team):
        raise ValidationError({"team": _("只能选择您所在的、在岗的工作专班。")})


def _project_people(project: TransferProject) -> list[Any]:
    return [project.manager, project.created_by, *project.members.all()]


@transaction.atomic
def project_create(
    *,
    actor: Any,
    owner: Organisation,
    enterprise: Organisation,
    title: str,
    summary: str = "",
    achievements: Iterable[Achievement] = (),
    need: Need | None = None,
    match: Match | None = None,
    engagement: Engagement | None = None,
    team: WorkTeam | None = None,
    manager: Any = None,
    members: Iterable[Any] | None = None,
) -> TransferProject:
    """Open a deal at 对接 (matched), from a match, an engagement or by hand."""
    if not permissions.can_start_project(actor, owner, enterprise, team):
        raise PermissionDenied(_("只有成果方或承接企业的成员、所在工作专班或平台管理员可以立项。"))
    _check_sides(owner, enterprise)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("请填写项目名称。")})
    linked = list(achievements)
    if match is not None:
        match = (
            Match.objects.select_for_update(of=("self",))
            .select_related("need", "achievement")
            .get(pk=match.pk)
        )
        if match.direction != Match.Direction.NEED_RESULT or match.need is None or match.achievement is None:
            raise ValidationError({"match": _("只有“需求—成果”匹配可以立项。")})
        if TransferProject.objects.filter(match=match).exists():
            raise ValidationError({"match": _("该匹配已立项为转化项目。")})
        if match.achievement.owner_id != owner.pk or match.need.owner_id != enterprise.pk:
            raise ValidationError({"match": _("匹配的成果和需求须分别属于成果方和承接企业。")})
        need = need or match.need
        if match.achievement.pk not in {a.pk for a in linked}:
            linked.append(match.achievement)
    if engagement is not None:
        engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
        permissions.require_edit_engagement(actor, engagement)
        if engagement.project_id is not None:
            raise ValidationError({"engagement": _("该对接已立项为转化项目。")})
    chosen = _check_project_links(actor, owner=owner, enterprise=enterprise, achievements=linked, need=need)
    _check_team(actor, team)
    _check_manager(manager)
    people = _check_members(members if members is not None else [], owner, enterprise)
    if (
        members is None
        and Membership.objects.filter(user=actor, organisation__in=[owner, enterprise]).exists()
    ):
        people = [actor]
    now = timezone.now()
    project = TransferProject(
        title=title,
        summary=(summary or "").strip(),
        owner=owner,
        enterprise=enterprise,
        need=need,
        match=match,
        team=team,
        manager=manager,
        created_by=actor,
        stage=Stage.MATCHED,
        stage_entered_at=now,
    )
    project.full_clean()
    project.save()
    project.achievements.set(chosen or [])
    project.members.set(people)
    StagePeriod.objects.create(project=project, stage=Stage.MATCHED, entered_at=now)
    audit.record_create(
        actor=actor,
        instance=project,
        fields=["title", "owner", "enterprise", "need", "match", "team", "manager", "stage"],
        organisation=owner,
        note=_("科技成果：%(t)s") % {"t": "、".join(_names(chosen or [])) or "—"},
    )
    if engagement is not None:
        audit.model_update(
            actor=actor,
            instance=engagement,
            data={"project": project, "outcome": Engagement.Outcome.PROJECT},
            fields=["project", "outcome"],
            organisation=engagement.recorder_org,
        )
    notify_after_commit(
        _project_people(project),
        actor=actor,
        key=f"project:new:{project.pk}",
        title=_("新的转化项目：%(t)s") % {"t": project.title},
        body=_("%(who)s 已立项，%(owner)s ↔ %(enterprise)s。")
        % {"who": actor, "owner": owner, "enterprise": enterprise},
        url=reverse("deals:project-detail", args=[project.pk]),
    )
    return project


@transaction.atomic
def project_update(
    *,
    actor: Any,
    project: TransferProject,
    achievements: Iterable[Achievement] | None = None,
    members: Iterable[Any] | None = None,
    **data: Any,
) -> dict[str, list[Any]]:
    """Edit what the deal is about and who works on it; the two sides do not change."""
    permissions.require_edit_project(actor, project)
    project = (
        TransferProject.objects.select_for_update(of=("self",))
        .select_related("owner", "enterprise", "team")
        .get(pk=project.pk)
    )
    cleaned = {k: v for k, v in data.items() if k in PROJECT_FIELDS}
    if "title" in cleaned:
        cleaned["title"] = (cleaned["title"] or "").strip()
        if not cleaned["title"]:
            raise ValidationError({"title": _("请填写项目名称。")})
    if "summary" in cleaned:
        cleaned["summary"] = (cleaned["summary"] or "").strip()
    chosen = _check_project_links(
        actor,
        owner=project.owner,
        enterprise=project.enterprise,
        achievements=achievements,
        need=cleaned.get("need") if cleaned.get("need") != project.need else None,
    )
    if "team" in cleaned:
        _check_team(actor, cleaned["team"], project.team)
    if "manager" in cleaned:
        _check_manager(cleaned["manager"])
    people = _check_members(members, project.owner, project.enterprise) if members is not None else None
    changes = audit.model_update(
        actor=actor, instance=project, data=cleaned, fields=PROJECT_FIELDS, organisation=project.owner
    )
    extra: dict[str, Any] = {}
    for name, items in (("achievements", chosen), ("members", people)):
        if items is None:
            continue
        before = _names(getattr(project, name).all())
        if before != _names(items):
            getattr(project, name).set(items)
            extra[name] = [before, _names(items)]
    if extra:
        audit.record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            instance=project,
            changes=extra,
            organisation=project.owner,
        )
        changes.update(extra)
    return changes


def _check_host(stage: str, host: Organisation | None) -> None:
    if host is None:
        return
    if stage not in HOSTED_STAGES:
        raise ValidationError({"host": _("只有概念验证、中试、孵化和产业化阶段需要填写承载平台。")})
    if host.kind not in HOST_KINDS or not host.is_active:
        raise ValidationError(
            {"host": _("承载平台须为在册的概念验证中心、中试基地、孵化器、科技园区或实验室。")}
        )


def _advance_records(actor: Any, project: TransferProject) -> None:
    """A deal in negotiation shows in the halls: its results and need move to 洽谈中. Only the
    records of organisations the actor works for: the other side's records are theirs to move."""
    note = _("转化项目进入洽谈：%(t)s") % {"t": project.title[:80]}
    for achievement in Achievement.objects.select_for_update().filter(
        pk__in=project.achievements.values("pk"), status=Achievement.Status.PUBLISHED
    ):
        if not can_contribute(actor, achievement.owner):
            continue
        workflow.transition(
            actor=actor,
            instance=achievement,
            to=Achievement.Status.NEGOTIATING,
            reason=note,
            organisation=achievement.owner,
        )
    if project.need_id is not None:
        need = Need.objects.select_for_update().get(pk=project.need_id)
        if need.status in (Need.Status.PUBLISHED, Need.Status.MATCHED) and can_contribute(actor, need.owner):
            workflow.transition(
                actor=actor, instance=need, to=Need.Status.NEGOTIATING, reason=note, organisation=need.owner
            )


@transaction.atomic
def project_transition(
    *,
    actor: Any,
    project: TransferProject,
    to: str,
    reason: str = "",
    stop_reason: str = "",
    host: Organisation | None = None,
) -> TransferProject:
    """Move the deal to its next stage (or back, or stop it), closing the time spent in the stage
    it leaves and opening the next, with the platform that hosts it there."""
    permissions.require_edit_project(actor, project)
    project = (
        TransferProject.objects.select_for_update().select_related("owner", "enterprise").get(pk=project.pk)
    )
    reason = (reason or "").strip()
    current = project.stage
    extra: dict[str, Any] = {}
    if to == Stage.STOPPED:
        if stop_reason not in TransferProject.StopReason.values:
            raise ValidationError({"stop_reason": _("终止项目时请选择终止原因。")})
        if stop_reason == TransferProject.StopReason.OTHER and not reason:
            raise ValidationError({"reason": _("选择“其他”时请简要说明终止原因。")})
        extra = {"stop_reason": stop_reason, "stop_note": reason[:500]}
    elif stop_reason:
        raise ValidationError({"stop_reason": _("只有终止项目时才需要选择终止原因。")})
    if current == Stage.STOPPED and to == Stage.MATCHED:
        if not reason:
            raise ValidationError({"reason": _("重新启动项目时请说明原因。")})
        extra = {"stop_reason": "", "stop_note": ""}
    elif current == Stage.NEGOTIATING and to == Stage.MATCHED and not reason:
        raise ValidationError({"reason": _("退回对接阶段时请说明原因。")})
    _check_host(to, host)
    now = timezone.now()
    label = dict(TransferProject.StopReason.choices).get(stop_reason, "")
    workflow.transition(
        actor=actor,
        instance=project,
        to=to,
        reason="；".join(str(p) for p in (label, reason) if p),
        field="stage",
        organisation=project.owner,
        extra_updates={"stage_entered_at": now, **extra},
    )
    StagePeriod.objects.filter(project=project, left_at__isnull=True).update(left_at=now)
    StagePeriod.objects.create(project=project, stage=to, entered_at=now, host=host)
    if to == Stage.NEGOTIATING:
        _advance_records(actor, project)
    notify_after_commit(
        _project_people(project),
        actor=actor,
        key=f"project:stage:{project.pk}:{to}:{now.timestamp():.0f}",
        title=_("转化项目“%(t)s”进入%(stage)s阶段")
        % {"t": project.title, "stage": project.get_stage_display()},
        body=_("%(who)s 将项目从“%(from)s”变更为“%(to)s”。%(why)s")
        % {
            "who": actor,
            "from": workflow.status_label(project, "stage", current),
            "to": project.get_stage_display(),
            "why": reason,
        },
        url=reverse("deals:project-detail", args=[project.pk]),
    )
    return project


@transaction.atomic
def project_host_set(*, actor: Any, project: TransferProject, host: Organisation | None) -> StagePeriod:
    """Name (or change) the platform hosting the project in its current stage."""
    permissions.require_edit_project(actor, project)
    project = TransferProject.objects.select_for_update().get(pk=project.pk)
    period = StagePeriod.objects.select_for_update().filter(project=project, left_at__isnull=True).first()
    if period is None:  # a project created outside the services: open its period now
        period = StagePeriod.objects.create(
            project=project, stage=project.stage, entered_at=project.stage_entered_at
        )
    _check_host(period.stage, host)
    before = str(period.host) if period.host else None
    after = str(host) if host else None
    if before != after:
        period.host = host
        period.save(update_fields=["host"])
        audit.record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            instance=project,
            changes={"host": [before, after]},
            organisation=project.owner,
            note=_("%(stage)s阶段承载平台") % {"stage": project.get_stage_display()},
        )
    return period


# -- money put in ------------------------------------------------------------------------------------
@transaction.atomic
def funding_add(
    *,
    actor: Any,
    project: TransferProject,
    source: str,
    amount: Any,
    received_on: datetime.date | None,
    source_org: Organisation | None = None,
    note: str = "",
    stage: str = "",
) -> Funding:
    """Record money that arrived: how much (元), from whom, at which stage (the current one by
    default; an earlier one the project went through is allowed for late records)."""
    permissions.require_edit_project(actor, project)
    project = TransferProject.objects.select_for_update().get(pk=project.pk)
    errors: dict[str, str] = {}
    value = money(amount)
    if value is None or value <= 0:
        errors["amount"] = _("请填写大于 0 的金额（单位：元）。")
    elif value > MAX_AMOUNT:
        errors["amount"] = _("金额过大，请核对单位（元）。")
    if source not in Funding.Source.values:
        errors["source"] = _("请选择资金来源。")
    if received_on is None:
        errors["received_on"] = _("请填写到位日期。")
    elif received_on > timezone.localdate():
        errors["received_on"] = _("到位日期不能晚于今天。")
    stage = stage or project.stage
    if stage == Stage.STOPPED:
        errors["stage"] = _("请选择资金投入的阶段。")
    elif stage not in Stage.values or (
        stage != project.stage and not project.periods.filter(stage=stage).exists()
    ):
        errors["stage"] = _("该项目未经历“%(stage)s”阶段。") % {
            "stage": workflow.status_label(project, "stage", stage)
        }
    if errors:
        raise ValidationError(errors)
    assert value is not None and received_on is not None
    funding = Funding(
        project=project,
        stage=stage,
        source=source,
        source_org=source_org,
        amount=value,
        received_on=received_on,
        note=(note or "").strip()[:300],
        recorded_by=actor,
    )
    funding.full_clean()
    funding.save()
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        instance=project,
        changes={"fundings": [None, _funding_label(funding)]},
        organisation=project.owner,
    )
    return funding


def _funding_label(funding: Funding) -> str:
    amount = format(funding.amount.normalize(), "f")
    return _("%(date)s %(source)s %(amount)s 元") % {
        "date": f"{funding.received_on:%Y-%m-%d}",
        "source": funding.get_source_display(),
        "amount": amount,
    }


@transaction.atomic
def funding_remove(*, actor: Any, funding: Funding) -> None:
    """Remove a mistaken entry; the audit trail keeps what it said."""
    project = funding.project
    permissions.require_edit_project(actor, project)
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        instance=project,
        changes={"fundings": [_funding_label(funding), None]},
        organisation=project.owner,
    )
    funding.delete()
