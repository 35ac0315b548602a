"""The kanban board of transfer projects, the follow-up calendar and the work-team pages.

Their reads are scoped by the viewer like those of selectors.py (a record the viewer may not
see answers 404, a scope it may not take answers 403); the grouping of cards into columns and
the medians are pure functions at the top.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from hebi.core.converters import parse_id
from hebi.core.permissions import CONTRIBUTOR_ROLES, is_platform_admin, roles_by_org
from hebi.deals import calendar, permissions, selectors, timing
from hebi.deals.models import Engagement, TransferProject, WorkTeam
from hebi.orgs.models import Organisation
from hebi.orgs.selectors import viewer_organisations

T = TypeVar("T")
Stage = TransferProject.Stage

# A deal that sits longer than this in one open stage is flagged on its card.
STALLED_DAYS = 90
# Moves that need a written reason or a stop reason are made on the project page, not the board.
MOVES_WITH_REASON = frozenset({Stage.STOPPED, Stage.MATCHED})


# -- pure grouping ---------------------------------------------------------------------------------
@dataclass
class Column(Generic[T]):
    stage: str
    label: str
    cards: list[T] = field(default_factory=list)
    days: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.cards)

    @property
    def median_days(self) -> float | None:
        return median(self.days)


def median(values: Sequence[float]) -> float | None:
    middle = timing.median(values)
    return round(middle, 1) if middle is not None else None


def group_columns(stages: Sequence[tuple[str, str]], cards: Iterable[tuple[str, int, T]]) -> list[Column[T]]:
    """One column per (stage, label) in the order given, holding the (stage, days in stage, card)
    triples of that stage in the order given; cards of a stage not listed are left out."""
    columns = [Column[T](stage, label) for stage, label in stages]
    by_stage = {column.stage: column for column in columns}
    for stage, days, card in cards:
        column = by_stage.get(stage)
        if column is not None:
            column.cards.append(card)
            column.days.append(days)
    return columns


def next_moves(stage: str, transitions: Mapping[str, Sequence[str]]) -> tuple[list[str], bool]:
    """The moves a board button makes in one click, and whether more (stop, step back) are
    allowed on the project page."""
    allowed = list(transitions.get(stage, []))
    quick = [to for to in allowed if to not in MOVES_WITH_REASON]
    return quick, len(quick) < len(allowed)


# -- scopes ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    kind: str  # "org" | "team" | "city" | "none"
    organisation: Organisation | None = None
    team: WorkTeam | None = None

    @property
    def label(self) -> str:
        if self.organisation is not None:
            return str(self.organisation)
        if self.team is not None:
            return str(self.team)
        return _("全市") if self.kind == "city" else ""

    @property
    def query(self) -> str:
        if self.organisation is not None:
            return f"scope=org&org={self.organisation.pk}"
        if self.team is not None:
            return f"scope=team&team={self.team.pk}"
        return "scope=city" if self.kind == "city" else ""


def viewer_teams(*, viewer: Any) -> QuerySet[WorkTeam]:
    """The work teams whose board and calendar the viewer may open: her own, all for oversight."""
    qs = WorkTeam.objects.filter(is_active=True).select_related("organisation").order_by("name")
    if permissions.sees_everything(viewer):
        return qs
    return qs.filter(pk__in=permissions.team_ids(viewer))


def can_see_team(viewer: Any, team: WorkTeam) -> bool:
    return permissions.sees_everything(viewer) or team.pk in permissions.team_ids(viewer)


def team_get(*, viewer: Any, pk: Any) -> WorkTeam:
    """A work team the viewer sits in (any for oversight). Every signed-in person sees the list
    of teams, so a team of others answers 403, an unknown one 404."""
    key = parse_id(pk)
    team = WorkTeam.objects.select_related("organisation").filter(pk=key).first() if key is not None else None
    if team is None:
        raise Http404(_("没有找到该工作专班。"))
    if not can_see_team(viewer, team):
        raise PermissionDenied(_("只有专班成员和委员会可以查看该专班的工作情况。"))
    return team


def scope_choices(*, viewer: Any) -> list[Scope]:
    """The scopes offered to the viewer: the city first for oversight, her organisations, her teams."""
    choices = [Scope("city")] if permissions.sees_everything(viewer) else []
    choices += [Scope("org", organisation=org) for org in viewer_organisations(viewer=viewer)]
    choices += [Scope("team", team=team) for team in viewer_teams(viewer=viewer)]
    return choices


def scope_from(*, viewer: Any, params: Mapping[str, str], choices: Sequence[Scope]) -> Scope:
    """The scope asked for in the query string (?scope=org&org=, ?scope=team&team=, ?scope=city),
    else the first of the viewer's choices. Unknown ids answer 404; scopes the viewer may not
    take answer 403."""
    kind = params.get("scope") or ""
    if kind == "city":
        if not permissions.sees_everything(viewer):
            raise PermissionDenied(_("只有委员会（平台管理员、秘书处）可以查看全市看板。"))
        return Scope("city")
    if kind == "org":
        if not params.get("org"):
            return next((s for s in choices if s.kind == "org"), Scope("none"))
        key = parse_id(params.get("org"))
        org = Organisation.objects.filter(pk=key, is_active=True).first() if key is not None else None
        if org is None:
            raise Http404(_("没有找到该机构。"))
        if org.pk not in roles_by_org(viewer) and not permissions.sees_everything(viewer):
            raise PermissionDenied(_("只能查看本人所在机构的看板。"))
        return Scope("org", organisation=org)
    if kind == "team":
        if not params.get("team"):
            return next((s for s in choices if s.kind == "team"), Scope("none"))
        return Scope("team", team=team_get(viewer=viewer, pk=params.get("team")))
    if kind:
        raise Http404(_("看板范围只能是本机构、工作专班或全市。"))
    return choices[0] if choices else Scope("none")


# -- the board ---------------------------------------------------------------------------------------
@dataclass
class Card:
    project: TransferProject
    days: int
    stalled: bool
    moves: list[tuple[str, str]]
    more_moves: bool


def _scope_filters(scope: Scope) -> selectors.ProjectFilters | None:
    if scope.organisation is not None:
        return selectors.ProjectFilters(organisation=scope.organisation.pk)
    if scope.team is not None:
        return selectors.ProjectFilters(team=scope.team.pk)
    return selectors.ProjectFilters() if scope.kind == "city" else None


def editable_project_ids(viewer: Any, projects: Sequence[TransferProject]) -> set[int]:
    """The projects the viewer may move, as permissions.can_edit_project decides, in at most one
    query for the whole board (that check costs one per project for project members)."""
    if not getattr(viewer, "is_authenticated", False):
        return set()
    if is_platform_admin(viewer):
        return {p.pk for p in projects}
    contributes = {org for org, roles in roles_by_org(viewer).items() if roles & set(CONTRIBUTOR_ROLES)}
    teams = permissions.team_ids(viewer)
    editable = {
        p.pk
        for p in projects
        if p.owner_id in contributes
        or p.enterprise_id in contributes
        or p.manager_id == viewer.pk
        or (p.team_id is not None and p.team_id in teams)
    }
    rest = [p.pk for p in projects if p.pk not in editable]
    if rest:
        member_of = TransferProject.members.through.objects.filter(
            user_id=viewer.pk, transferproject_id__in=rest
        )
        editable.update(member_of.values_list("transferproject_id", flat=True))
    return editable


def board_columns(*, viewer: Any, scope: Scope) -> list[Column[Card]]:
    """The scope's projects the viewer may see, as one column per pipeline stage and 终止 last;
    the cards that waited longest in their stage come first."""
    stages = [(str(s), str(Stage(s).label)) for s in [*TransferProject.PIPELINE, Stage.STOPPED]]
    filters = _scope_filters(scope)
    if filters is None:
        return group_columns(stages, [])
    projects = list(selectors.project_list(viewer=viewer, filters=filters).order_by("stage_entered_at", "id"))
    editable = editable_project_ids(viewer, projects)
    now = timezone.now()
    cards = []
    for project in projects:
        days = (now - project.stage_entered_at).days
        moves, more = next_moves(project.stage, TransferProject.TRANSITIONS)
        if project.pk not in editable:
            moves, more = [], False
        card = Card(
            project=project,
            days=days,
            stalled=project.is_open and days > STALLED_DAYS,
            moves=[(to, str(Stage(to).label)) for to in moves],
            more_moves=more,
        )
        cards.append((project.stage, days, card))
    return group_columns(stages, cards)


# -- the follow-up calendar --------------------------------------------------------------------------
def open_follow_ups(
    *, viewer: Any, start: datetime.date, end: datetime.date, team: WorkTeam | None = None
) -> QuerySet[Engagement]:
    """Open follow-ups due between start and end: the viewer's own, or a work team's."""
    qs = selectors.engagements_visible(viewer=viewer).filter(
        next_step_on__gte=start, next_step_on__lte=end, next_step_done_at__isnull=True
    )
    qs = qs.filter(team=team) if team is not None else qs.filter(next_step_owner=viewer)
    return (
        qs.select_related("recorder_org", "next_step_owner", "recorded_by", "team")
        .prefetch_related("organisations")
        .order_by("next_step_on", "id")
    )


def overdue_before(*, viewer: Any, day: datetime.date, team: WorkTeam | None = None) -> int:
    """How many open follow-ups fell due before `day` and before today (shown above the grid)."""
    cutoff = min(day, timezone.localdate())
    qs = selectors.engagements_visible(viewer=viewer).filter(
        next_step_on__lt=cutoff, next_step_done_at__isnull=True
    )
    qs = qs.filter(team=team) if team is not None else qs.filter(next_step_owner=viewer)
    return qs.count()


# -- work teams ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TeamTotals:
    engagements: int = 0
    results: int = 0
    needs: int = 0
    projects: int = 0


def _per_team(rows: Iterable[dict[str, Any]], key: str) -> dict[int, int]:
    return {row[key]: row["n"] for row in rows if row[key] is not None}


def team_totals(team_ids: Sequence[int]) -> dict[int, TeamTotals]:
    """All-time counts per team: engagements, distinct results and needs discussed, projects."""
    engagements = _per_team(
        Engagement.objects.filter(team_id__in=team_ids).order_by().values("team_id").annotate(n=Count("id")),
        "team_id",
    )
    results = _per_team(
        Engagement.achievements.through.objects.filter(engagement__team_id__in=team_ids)
        .order_by()
        .values("engagement__team_id")
        .annotate(n=Count("achievement_id", distinct=True)),
        "engagement__team_id",
    )
    needs = _per_team(
        Engagement.needs.through.objects.filter(engagement__team_id__in=team_ids)
        .order_by()
        .values("engagement__team_id")
        .annotate(n=Count("need_id", distinct=True)),
        "engagement__team_id",
    )
    projects = _per_team(
        TransferProject.objects.filter(team_id__in=team_ids)
        .order_by()
        .values("team_id")
        .annotate(n=Count("id")),
        "team_id",
    )
    return {
        pk: TeamTotals(engagements.get(pk, 0), results.get(pk, 0), needs.get(pk, 0), projects.get(pk, 0))
        for pk in team_ids
    }


def teams_overview() -> list[tuple[WorkTeam, TeamTotals]]:
    """The active work teams with their lead unit, members and totals: public to every signed-in
    person (counts only; the engagements themselves stay scoped)."""
    teams = list(
        WorkTeam.objects.filter(is_active=True)
        .select_related("organisation")
        .prefetch_related("memberships__user")
        .order_by("name")
    )
    totals = team_totals([t.pk for t in teams])
    return [(team, totals[team.pk]) for team in teams]


def team_monthly(team: WorkTeam, months: Sequence[calendar.Month]) -> list[calendar.MonthCounts]:
    """The team's counts for each of `months`: engagements held, distinct results and needs they
    discussed, projects opened (in the local calendar)."""
    start, end = months[0].first, months[-1].last
    held = Engagement.objects.filter(team=team, held_on__gte=start, held_on__lte=end)
    pairs = []
    for through, column in (
        (Engagement.achievements.through, "achievement_id"),
        (Engagement.needs.through, "need_id"),
    ):
        pairs.append(
            list(
                through.objects.filter(engagement__in=held.values("pk")).values_list(
                    "engagement__held_on", column
                )
            )
        )
    zone = timezone.get_current_timezone()
    window = (
        datetime.datetime.combine(start, datetime.time.min, zone),
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, zone),
    )
    opened = TransferProject.objects.filter(
        team=team, created_at__gte=window[0], created_at__lt=window[1]
    ).values_list("created_at", flat=True)
    return calendar.counts_by_month(
        months,
        engagements=held.values_list("held_on", flat=True),
        results=pairs[0],
        needs=pairs[1],
        projects=[timezone.localtime(at).date() for at in opened],
    )
