"""Reads of engagements and transfer projects, always scoped by the viewer.

Who sees what:
- an engagement: the recording organisation's members, the members of every organisation met,
  its work team, its recorder and follow-up owner, and the committee (platform admins,
  secretariat);
- a transfer project: the members of both sides, its technology manager, members and work team,
  and the committee.
Anything else answers 404.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from hebi.catalog import selectors as catalog_selectors
from hebi.catalog.models import Achievement, Need
from hebi.core.converters import parse_id
from hebi.core.permissions import CONTRIBUTOR_ROLES, is_platform_admin, roles_by_org
from hebi.deals import permissions, timing
from hebi.deals.models import Engagement, Funding, StagePeriod, TransferProject, WorkTeam, WorkTeamMember

Stage = TransferProject.Stage


# -- engagements ------------------------------------------------------------------------------------
def engagements_visible(*, viewer: Any) -> QuerySet[Engagement]:
    qs = Engagement.objects.all()
    if not getattr(viewer, "is_authenticated", False):
        return qs.none()
    if permissions.sees_everything(viewer):
        return qs
    orgs = permissions.member_org_ids(viewer)
    teams = permissions.team_ids(viewer)
    met = Engagement.organisations.through.objects.filter(
        engagement_id=OuterRef("pk"), organisation_id__in=orgs
    )
    return qs.filter(
        Q(recorder_org_id__in=orgs)
        | Q(team_id__in=teams)
        | Q(recorded_by=viewer)
        | Q(next_step_owner=viewer)
        | Exists(met)
    )


@dataclass
class EngagementFilters:
    q: str = ""
    kind: str = ""
    outcome: str = ""
    organisation: int | None = None
    team: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    follow_up: str = ""  # "open" | "overdue" | "mine"


def engagement_list(*, viewer: Any, filters: EngagementFilters | None = None) -> QuerySet[Engagement]:
    filters = filters or EngagementFilters()
    qs = engagements_visible(viewer=viewer)
    if filters.q:
        qs = qs.filter(
            Q(summary__icontains=filters.q)
            | Q(people__icontains=filters.q)
            | Q(place__icontains=filters.q)
            | Q(next_step__icontains=filters.q)
        )
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.outcome:
        qs = qs.filter(outcome=filters.outcome)
    if filters.organisation:
        qs = qs.filter(Q(recorder_org_id=filters.organisation) | Q(organisations__id=filters.organisation))
    if filters.team:
        qs = qs.filter(team_id=filters.team)
    if filters.date_from:
        qs = qs.filter(held_on__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(held_on__lte=filters.date_to)
    if filters.follow_up in ("open", "overdue", "mine"):
        qs = qs.filter(next_step_on__isnull=False, next_step_done_at__isnull=True)
        if filters.follow_up == "overdue":
            qs = qs.filter(next_step_on__lt=timezone.localdate())
        if filters.follow_up == "mine":
            qs = qs.filter(next_step_owner=viewer)
    return (
        qs.distinct()
        .select_related("recorder_org", "recorded_by", "team", "next_step_owner", "project")
        .prefetch_related("organisations")
        .order_by("-held_on", "-id")
    )


def engagement_get(*, viewer: Any, pk: Any) -> Engagement:
    key = parse_id(pk)
    found = (
        engagements_visible(viewer=viewer)
        .select_related("recorder_org", "recorded_by", "team", "next_step_owner", "project")
        .filter(pk=key)
        .first()
        if key is not None
        else None
    )
    if found is None:
        raise Http404(_("没有找到该对接记录。"))
    return found


def follow_ups_due(*, viewer: Any, within_days: int = 7) -> QuerySet[Engagement]:
    """The viewer's open follow-ups due within `within_days` days, the overdue ones first."""
    if not getattr(viewer, "is_authenticated", False):
        return Engagement.objects.none()
    horizon = timezone.localdate() + datetime.timedelta(days=within_days)
    return (
        Engagement.objects.filter(
            next_step_owner=viewer, next_step_done_at__isnull=True, next_step_on__lte=horizon
        )
        .select_related("recorder_org")
        .order_by("next_step_on", "id")
    )


def linked_records(*, viewer: Any, subject: Engagement | TransferProject) -> dict[str, Any]:
    """The results and needs a record is about, as far as the viewer may see them (a draft or a
    withdrawn record of another organisation stays hidden)."""
    achievement_ids = list(subject.achievements.values_list("pk", flat=True))
    if isinstance(subject, Engagement):
        need_ids = list(subject.needs.values_list("pk", flat=True))
    else:
        need_ids = [subject.need_id] if subject.need_id else []
    achievements = catalog_selectors.visible(Achievement, viewer=viewer).filter(pk__in=achievement_ids)
    needs = catalog_selectors.visible(Need, viewer=viewer).filter(pk__in=need_ids)
    shown_a = list(achievements.select_related("owner"))
    shown_n = list(needs.select_related("owner"))
    return {
        "achievements": shown_a,
        "needs": shown_n,
        "hidden": len(achievement_ids) - len(shown_a) + len(need_ids) - len(shown_n),
    }


# -- transfer projects -------------------------------------------------------------------------------
def projects_visible(*, viewer: Any) -> QuerySet[TransferProject]:
    qs = TransferProject.objects.all()
    if not getattr(viewer, "is_authenticated", False):
        return qs.none()
    if permissions.sees_everything(viewer):
        return qs
    orgs = permissions.member_org_ids(viewer)
    member = TransferProject.members.through.objects.filter(
        transferproject_id=OuterRef("pk"), user_id=viewer.pk
    )
    return qs.filter(
        Q(owner_id__in=orgs)
        | Q(enterprise_id__in=orgs)
        | Q(manager=viewer)
        | Q(team_id__in=permissions.team_ids(viewer))
        | Exists(member)
    )


@dataclass
class ProjectFilters:
    q: str = ""
    stage: str = ""
    open_only: bool = False
    organisation: int | None = None
    team: int | None = None
    stalled_days: int | None = None  # in the current stage for at least this many days


def projects_filtered(*, viewer: Any, filters: ProjectFilters | None = None) -> QuerySet[TransferProject]:
    """The viewer's projects under the filters, stage included; plain, for counting and KPIs."""
    filters = filters or ProjectFilters()
    qs = _filtered_projects(viewer, filters)
    return qs.filter(stage=filters.stage) if filters.stage else qs


def project_list(*, viewer: Any, filters: ProjectFilters | None = None) -> QuerySet[TransferProject]:
    qs = projects_filtered(viewer=viewer, filters=filters)
    return (
        qs.select_related("owner", "enterprise", "team", "manager")
        .annotate(funding_total=Sum("fundings__amount"))
        .order_by("-updated_at", "-id")
    )


def _filtered_projects(viewer: Any, filters: ProjectFilters) -> QuerySet[TransferProject]:
    qs = projects_visible(viewer=viewer)
    if filters.q:
        qs = qs.filter(
            Q(title__icontains=filters.q)
            | Q(summary__icontains=filters.q)
            | Q(owner__name__icontains=filters.q)
            | Q(enterprise__name__icontains=filters.q)
        )
    if filters.open_only:
        qs = qs.exclude(stage__in=[Stage.INDUSTRIAL, Stage.STOPPED])
    if filters.organisation:
        qs = qs.filter(Q(owner_id=filters.organisation) | Q(enterprise_id=filters.organisation))
    if filters.team:
        qs = qs.filter(team_id=filters.team)
    if filters.stalled_days:
        cutoff = timezone.now() - datetime.timedelta(days=filters.stalled_days)
        qs = qs.filter(stage_entered_at__lte=cutoff).exclude(stage__in=[Stage.INDUSTRIAL, Stage.STOPPED])
    return qs


def stage_counts(*, viewer: Any, filters: ProjectFilters | None = None) -> dict[str, int]:
    """How many of the viewer's projects stand in each stage (the pipeline strip)."""
    rows = _filtered_projects(viewer, filters or ProjectFilters()).order_by().values_list("stage")
    counts = dict(rows.annotate(n=Count("id")))
    return {stage: counts.get(stage, 0) for stage in Stage.values}


def project_get(*, viewer: Any, pk: Any) -> TransferProject:
    key = parse_id(pk)
    found = (
        projects_visible(viewer=viewer)
        .select_related("owner", "enterprise", "team", "manager", "need", "match", "created_by")
        .filter(pk=key)
        .first()
        if key is not None
        else None
    )
    if found is None:
        raise Http404(_("没有找到该转化项目。"))
    return found


def project_periods(project: TransferProject) -> QuerySet[StagePeriod]:
    return project.periods.select_related("host").order_by("entered_at", "id")


def project_fundings(project: TransferProject) -> QuerySet[Funding]:
    return project.fundings.select_related("source_org", "recorded_by").order_by("received_on", "id")


@dataclass(frozen=True)
class FundingSummary:
    total: Decimal
    by_source: list[tuple[str, str, Decimal]]  # (source, label, amount)
    by_stage: list[tuple[str, str, Decimal]]


def funding_summary(project: TransferProject) -> FundingSummary:
    rows = list(project.fundings.values_list("source", "stage", "amount"))
    sources = dict(Funding.Source.choices)
    stages = dict(Stage.choices)
    by_source: dict[str, Decimal] = {}
    by_stage: dict[str, Decimal] = {}
    for source, stage, amount in rows:
        by_source[source] = by_source.get(source, Decimal(0)) + amount
        by_stage[stage] = by_stage.get(stage, Decimal(0)) + amount
    return FundingSummary(
        total=sum((amount for *_rest, amount in rows), Decimal(0)),
        by_source=[(s, str(sources[s]), by_source[s]) for s in Funding.Source.values if s in by_source],
        by_stage=[(s, str(stages[s]), by_stage[s]) for s in Stage.values if s in by_stage],
    )


def project_pipeline(project: TransferProject) -> list[dict[str, Any]]:
    """The pipeline as the detail page draws it: each stage, whether the project passed, stands
    in or skipped it, and the days it spent there."""
    now = timezone.now()
    periods = list(project_periods(project))
    days = timing.days_per_stage(
        (timing.PeriodFacts(project.pk, p.stage, p.entered_at, p.left_at) for p in periods), now
    )
    hosts: dict[str, Any] = {}
    for period in periods:
        if period.host is not None:
            hosts[period.stage] = period.host
    order = [str(stage) for stage in TransferProject.PIPELINE]
    current_index = order.index(project.stage) if project.stage in order else None
    steps = []
    for index, stage in enumerate(TransferProject.PIPELINE):
        if stage == project.stage:
            state = "current"
        elif stage in days:
            state = "done"
        elif current_index is not None and index < current_index:
            state = "skipped"
        else:
            state = "ahead"
        steps.append(
            {
                "stage": stage,
                "label": Stage(stage).label,
                "state": state,
                "days": days.get(stage),
                "host": hosts.get(stage),
            }
        )
    return steps


def stage_time_summary(
    *, viewer: Any, projects: QuerySet[TransferProject] | None = None
) -> list[timing.StageTime]:
    """Days spent per pipeline stage over the viewer's projects (or the given ones): the
    "缩短时间差" KPI, with the stages still under way counted apart."""
    qs = projects if projects is not None else projects_visible(viewer=viewer)
    periods = StagePeriod.objects.filter(project__in=qs.values("pk")).values_list(
        "project_id", "stage", "entered_at", "left_at"
    )
    return timing.stage_times(
        (timing.PeriodFacts(*row) for row in periods), TransferProject.PIPELINE, timezone.now()
    )


def contracts_for(*, viewer: Any, project: TransferProject) -> QuerySet[Any]:
    """The project's technology contracts the viewer may open."""
    from hebi.contracts.selectors import contracts_visible

    return contracts_visible(viewer=viewer).filter(project=project)


# -- work teams ------------------------------------------------------------------------------------------
def usable_teams(*, viewer: Any) -> QuerySet[WorkTeam]:
    """Work teams the viewer may record for."""
    qs = WorkTeam.objects.filter(is_active=True).select_related("organisation")
    if is_platform_admin(viewer):
        return qs
    return qs.filter(
        Q(pk__in=permissions.team_ids(viewer)) | Q(organisation_id__in=_contributor_org_ids(viewer))
    )


def _contributor_org_ids(viewer: Any) -> list[int]:
    return [org for org, roles in roles_by_org(viewer).items() if roles & set(CONTRIBUTOR_ROLES)]


def team_members(team: WorkTeam) -> QuerySet[WorkTeamMember]:
    return team.memberships.select_related("user").order_by("-is_lead", "user__display_name")
