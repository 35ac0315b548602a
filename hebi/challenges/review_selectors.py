"""Reads of the review: the expert pool, panels, scoring progress and the ranking.

Scores are secret: an expert reads only their own, the secretariat reads all (permissions.py).
The functions here do not check who asks; the views and the API ask permissions.py first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from hebi.challenges import conflicts, panels, permissions, scoring
from hebi.challenges.models import (
    Application,
    Challenge,
    DeclaredConflict,
    ExpertProfile,
    Panel,
    PanelExclusion,
    PanelMember,
    Score,
)
from hebi.core.converters import parse_id

UNDER_REVIEW = (Application.Status.SUBMITTED, Application.Status.AWARDED, Application.Status.NOT_AWARDED)


# -- the expert pool --------------------------------------------------------------------------------
def experts_list(
    *, viewer: Any, field: str = "", q: str = "", active: bool | None = None
) -> QuerySet[ExpertProfile]:
    """The pool (the secretariat's page), filtered by field, free text and whether still in the pool."""
    qs = ExpertProfile.objects.select_related("user", "organisation").prefetch_related("fields")
    if field:
        qs = qs.filter(fields__code=field)
    if q:
        qs = qs.filter(
            Q(user__display_name__icontains=q)
            | Q(user__username__icontains=q)
            | Q(specialties__icontains=q)
            | Q(title__icontains=q)
            | Q(organisation__name__icontains=q)
            | Q(organisation__short_name__icontains=q)
        )
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.distinct()


def expert_get(*, viewer: Any, pk: Any) -> ExpertProfile:
    """Any expert for the secretariat; one's own profile for an expert; 404 for everyone else."""
    key = parse_id(pk)
    qs = ExpertProfile.objects.select_related("user", "organisation").prefetch_related("fields")
    if not permissions.is_secretariat(viewer):
        qs = qs.filter(user_id=getattr(viewer, "pk", None) or 0)
    found = qs.filter(pk=key).first() if key is not None else None
    if found is None:
        raise Http404(_("没有找到该专家。"))
    return found


def own_profile(*, viewer: Any) -> ExpertProfile:
    """The viewer's own expert profile, in the pool or not; 404 for someone who is not an expert."""
    found = (
        ExpertProfile.objects.select_related("user", "organisation")
        .prefetch_related("fields")
        .filter(user_id=getattr(viewer, "pk", None) or 0)
        .first()
        if getattr(viewer, "is_authenticated", False)
        else None
    )
    if found is None:
        raise Http404(_("您还不是平台专家库成员。"))
    return found


def expert_conflicts(expert: ExpertProfile) -> QuerySet[DeclaredConflict]:
    return expert.conflicts.select_related("organisation")


def expert_panels(expert: ExpertProfile) -> QuerySet[Panel]:
    """Panels the expert sat on, newest first."""
    return (
        Panel.objects.filter(memberships__expert=expert)
        .select_related("challenge", "challenge__issuer")
        .order_by("-created_at", "-id")
    )


def panel_experts(*, field: str = "") -> QuerySet[ExpertProfile]:
    """Experts the secretariat may propose: those in the pool, optionally in one field."""
    qs = (
        ExpertProfile.objects.filter(is_active=True)
        .select_related("user", "organisation")
        .prefetch_related("fields")
    )
    if field:
        qs = qs.filter(fields__code=field)
    return qs.distinct()


# -- panels -----------------------------------------------------------------------------------------
def review_panel(challenge: Challenge) -> Panel | None:
    return challenge.panels.filter(kind=Panel.Kind.REVIEW).select_related("rubric").first()


def panel_members(panel: Panel) -> list[PanelMember]:
    return list(panel.memberships.select_related("expert__user", "expert__organisation"))


def panel_exclusions(panel: Panel) -> list[PanelExclusion]:
    return list(panel.exclusions.select_related("expert__user", "expert__organisation"))


def labelled(reasons: Iterable[dict[str, Any]], titles: dict[int, str]) -> list[dict[str, Any]]:
    """Reasons as shown to the secretariat: the kind's label, the detail and the application's title."""
    return [
        {
            "kind": r.get("kind", ""),
            "label": conflicts.kind_label(r.get("kind", "")),
            "detail": r.get("detail", ""),
            "application": r.get("application"),
            "application_title": titles.get(r.get("application") or 0, ""),
        }
        for r in reasons
    ]


def conflict_pairs(
    panel: Panel, experts: Sequence[ExpertProfile], applications: Sequence[Application]
) -> dict[tuple[int, int], list[dict[str, Any]]]:
    """{(expert id, application id): reasons} for the seated experts now in conflict with an
    application (the same rule as panels.conflicted_for, read once for the whole panel)."""
    if not experts or not applications:
        return {}
    loaded = ExpertProfile.objects.filter(pk__in=[e.pk for e in experts]).select_related("user")
    found = conflicts.gather(panel.challenge, loaded.prefetch_related("conflicts"), applications)
    pairs: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for expert_id, reasons in found.items():
        for app in applications:
            hits = [r for r in reasons if r.get("application") in (None, app.pk)]
            if hits:
                pairs[(expert_id, app.pk)] = hits
    return pairs


@dataclass
class ExpertProgress:
    expert: ExpertProfile
    is_chair: bool
    scored: int
    expected: int


@dataclass
class RankingRow:
    application: Application
    totals: list[tuple[ExpertProfile, Decimal]]
    aggregate: scoring.Aggregate
    rank: int | None
    expected: list[ExpertProfile]
    missing: list[ExpertProfile] = field(default_factory=list)

    @property
    def scored(self) -> int:
        return len(self.totals)


@dataclass
class Board:
    """Everything the secretariat's ranking and progress read from one panel."""

    panel: Panel
    applications: list[Application]
    members: list[PanelMember]
    rows: list[RankingRow]
    progress: list[ExpertProgress]

    @property
    def complete(self) -> bool:
        return all(not row.missing for row in self.rows)

    @property
    def scored(self) -> int:
        return sum(p.scored for p in self.progress)

    @property
    def expected(self) -> int:
        return sum(p.expected for p in self.progress)


def panel_board(panel: Panel) -> Board:
    """Per application: each expert's total, the aggregate (highest and lowest dropped from five
    scores on), the rank and who still has to score; per expert: n of m scored."""
    applications = panels.applications_under_review(panel.challenge)
    members = panel_members(panel)
    experts = [m.expert for m in members]
    pairs = conflict_pairs(panel, experts, applications)
    by_expert = {e.pk: e for e in experts}
    totals: dict[int, list[tuple[ExpertProfile, Decimal]]] = {a.pk: [] for a in applications}
    done: set[tuple[int, int]] = set()
    for expert_id, application_id, total in panel.scores.values_list("expert_id", "application_id", "total"):
        done.add((expert_id, application_id))
        expert = by_expert.get(expert_id) or ExpertProfile.objects.select_related("user").get(pk=expert_id)
        totals.setdefault(application_id, []).append((expert, total))
    aggregates = {a.pk: scoring.aggregate([t for _, t in totals[a.pk]]) for a in applications}
    ranks = scoring.rank({pk: agg.score for pk, agg in aggregates.items()})
    rows = []
    for app in applications:
        expected = [e for e in experts if (e.pk, app.pk) not in pairs]
        rows.append(
            RankingRow(
                application=app,
                totals=sorted(totals[app.pk], key=lambda pair: str(pair[0])),
                aggregate=aggregates[app.pk],
                rank=ranks.get(app.pk),
                expected=expected,
                missing=[e for e in expected if (e.pk, app.pk) not in done],
            )
        )
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.application.pk))
    progress = [
        ExpertProgress(
            expert=m.expert,
            is_chair=m.is_chair,
            scored=sum(1 for a in applications if (m.expert.pk, a.pk) in done),
            expected=sum(1 for a in applications if (m.expert.pk, a.pk) not in pairs),
        )
        for m in members
    ]
    return Board(panel=panel, applications=applications, members=members, rows=rows, progress=progress)


def panels_visible(*, viewer: Any) -> QuerySet[Panel]:
    """All panels for the secretariat; for an expert the panels they sit on."""
    qs = Panel.objects.select_related("challenge", "rubric", "milestone")
    if permissions.is_secretariat(viewer):
        return qs
    profile = permissions.expert_profile(viewer)
    if profile is None:
        return qs.none()
    return qs.filter(memberships__expert=profile).distinct()


def panel_get(*, viewer: Any, pk: Any) -> Panel:
    key = parse_id(pk)
    found = panels_visible(viewer=viewer).filter(pk=key).first() if key is not None else None
    if found is None:
        raise Http404(_("没有找到该专家组。"))
    return found


# -- an expert's own work ---------------------------------------------------------------------------
@dataclass
class Task:
    application: Application
    state: str  # "todo", "done" or "conflict"
    reasons: list[dict[str, Any]]


@dataclass
class Assignment:
    panel: Panel
    is_chair: bool
    tasks: list[Task]

    @property
    def is_review(self) -> bool:
        return self.panel.kind == Panel.Kind.REVIEW


def my_assignments(*, viewer: Any) -> list[Assignment]:
    """Every panel the viewer sits on; for review panels each application with its state
    (待评分 / 已评分 / 需回避)."""
    profile = permissions.expert_profile(viewer)
    if profile is None:
        return []
    memberships = (
        PanelMember.objects.filter(expert=profile)
        .select_related("panel__challenge__issuer", "panel__rubric", "panel__milestone")
        .order_by("-panel__created_at", "-panel_id")
    )
    mine = set(Score.objects.filter(expert=profile).values_list("panel_id", "application_id"))
    found = []
    for membership in memberships:
        panel = membership.panel
        tasks = []
        if panel.kind == Panel.Kind.REVIEW:
            applications = panels.applications_under_review(panel.challenge)
            pairs = conflict_pairs(panel, [profile], applications)
            for app in applications:
                if (panel.pk, app.pk) in mine:
                    tasks.append(Task(app, "done", []))
                elif (profile.pk, app.pk) in pairs:
                    tasks.append(Task(app, "conflict", pairs[(profile.pk, app.pk)]))
                else:
                    tasks.append(Task(app, "todo", []))
        found.append(Assignment(panel=panel, is_chair=membership.is_chair, tasks=tasks))
    return found


def own_score(*, expert: ExpertProfile, panel: Panel, application: Application) -> Score | None:
    return Score.objects.filter(panel=panel, expert=expert, application=application).first()


def scores_visible(*, viewer: Any) -> QuerySet[Score]:
    """The caller's own scores; every score for the secretariat."""
    qs = Score.objects.select_related("expert__user", "application", "panel")
    if permissions.is_secretariat(viewer):
        return qs.order_by("panel_id", "application_id", "expert_id")
    profile = permissions.expert_profile(viewer) or ExpertProfile.objects.filter(user_id=viewer.pk).first()
    if profile is None:
        return qs.none()
    return qs.filter(expert=profile).order_by("panel_id", "application_id")


# -- the decision -----------------------------------------------------------------------------------
def decided_count(challenge: Challenge) -> int:
    """How many applications received a decision (the n of "第 r 名 / 共 n 份")."""
    return challenge.applications.filter(
        status__in=[Application.Status.AWARDED, Application.Status.NOT_AWARDED]
    ).count()


def awarded(challenge: Challenge) -> QuerySet[Application]:
    return challenge.applications.filter(status=Application.Status.AWARDED).select_related("lead")


def panel_size(panel: Panel) -> dict[str, int]:
    counts = Panel.objects.filter(pk=panel.pk).aggregate(
        members=Count("memberships", distinct=True), excluded=Count("exclusions", distinct=True)
    )
    return {"members": counts["members"] or 0, "excluded": counts["excluded"] or 0}
