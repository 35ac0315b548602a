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
    MilestoneVerdict,
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


def kind_label(kind: str) -> str:
    """The label of a conflict's kind, or of a removal by the secretariat."""
    return _("移出专家组") if kind == panels.REMOVED else conflicts.kind_label(kind)


def labelled(reasons: Iterable[dict[str, Any]], titles: dict[int, str]) -> list[dict[str, Any]]:
    """Reasons as shown to the secretariat: the kind's label, the detail and the application's title."""
    return [
        conflicts.labelled(
            {
                "kind": r.get("kind", ""),
                "detail": r.get("detail", ""),
                "application": r.get("application"),
                "application_title": titles.get(r.get("application") or 0, ""),
            },
            kind_label(r.get("kind", "")),
        )
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
    expected: int  # 0 for an expert taken out of the pool: they are no longer asked to score

    @property
    def is_active(self) -> bool:
        return self.expert.is_active


@dataclass
class LeftOutScore:
    """A stored score that does not count, and why: its expert was removed from the panel, or is
    now in conflict with the application (reasons as given by `labelled`)."""

    expert: ExpertProfile
    total: Decimal
    reasons: list[dict[str, Any]]


@dataclass
class RankingRow:
    application: Application
    totals: list[tuple[ExpertProfile, Decimal]]  # the valid scores only
    aggregate: scoring.Aggregate
    rank: int | None
    expected: list[ExpertProfile]
    missing: list[ExpertProfile] = field(default_factory=list)
    left_out: list[LeftOutScore] = field(default_factory=list)
    needed: int = 0  # the rubric's minimum number of valid scores

    @property
    def scored(self) -> int:
        """Valid scores: from members not in conflict with the application."""
        return len(self.totals)

    @property
    def submitted(self) -> int:
        """Expected scores already given (the progress n of n / m)."""
        return len(self.expected) - len(self.missing)

    @property
    def short(self) -> bool:
        return self.scored < self.needed


@dataclass
class Board:
    """Everything the secretariat's ranking and progress read from one panel."""

    panel: Panel
    applications: list[Application]
    members: list[PanelMember]
    rows: list[RankingRow]
    progress: list[ExpertProgress]
    needed: int = 0

    @property
    def complete(self) -> bool:
        """Every expected score is in and every application has enough valid scores to close."""
        return all(not row.missing and not row.short for row in self.rows)

    @property
    def missing(self) -> bool:
        return any(row.missing for row in self.rows)

    @property
    def short(self) -> list[RankingRow]:
        return [row for row in self.rows if row.short]

    @property
    def left_out(self) -> list[tuple[Application, LeftOutScore]]:
        return [(row.application, item) for row in self.rows for item in row.left_out]

    @property
    def scored(self) -> int:
        return sum(row.submitted for row in self.rows)

    @property
    def expected(self) -> int:
        return sum(len(row.expected) for row in self.rows)


def _titles(applications: Iterable[Application]) -> dict[int, str]:
    return {a.pk: f"{a.title}（{a.lead}）" for a in applications}


def panel_board(panel: Panel) -> Board:
    """Per application: each valid score, the aggregate (highest and lowest dropped from five
    scores on), the rank, who still has to score and which stored scores do not count; per
    expert: n of m scored.

    A score counts while its expert is still a member and not now in conflict with the
    application (the rule of panels.conflicted_for). An expert is expected to score an
    application while seated, in the pool and not in conflict with it."""
    applications = panels.applications_under_review(panel.challenge)
    members = panel_members(panel)
    experts = [m.expert for m in members]
    pairs = conflict_pairs(panel, experts, applications)
    titles = _titles(applications)
    by_expert = {e.pk: e for e in experts}
    stored = list(panel.scores.values_list("expert_id", "application_id", "total"))
    gone = {expert_id for expert_id, _a, _t in stored if expert_id not in by_expert}
    former = (
        {e.pk: e for e in ExpertProfile.objects.filter(pk__in=gone).select_related("user")} if gone else {}
    )
    removal = {x.expert_id: x.reasons for x in panel.exclusions.filter(expert_id__in=gone)} if gone else {}
    not_member = [{"kind": panels.REMOVED, "detail": _("已不是专家组成员"), "application": None}]
    totals: dict[int, list[tuple[ExpertProfile, Decimal]]] = {a.pk: [] for a in applications}
    left_out: dict[int, list[LeftOutScore]] = {a.pk: [] for a in applications}
    done: set[tuple[int, int]] = set()
    for expert_id, application_id, total in stored:
        if application_id not in totals:
            continue  # withdrawn since: not under review any more
        if expert_id not in by_expert:
            reasons = labelled(removal.get(expert_id) or not_member, titles)
            left_out[application_id].append(LeftOutScore(former[expert_id], total, reasons))
        elif (expert_id, application_id) in pairs:
            reasons = labelled(pairs[(expert_id, application_id)], titles)
            left_out[application_id].append(LeftOutScore(by_expert[expert_id], total, reasons))
        else:
            done.add((expert_id, application_id))
            totals[application_id].append((by_expert[expert_id], total))
    aggregates = {a.pk: scoring.aggregate([t for _e, t in totals[a.pk]]) for a in applications}
    ranks = scoring.rank({pk: agg.score for pk, agg in aggregates.items()})
    needed = panel.rubric.min_panel_size
    rows = []
    for app in applications:
        expected = [e for e in experts if e.is_active and (e.pk, app.pk) not in pairs]
        rows.append(
            RankingRow(
                application=app,
                totals=sorted(totals[app.pk], key=lambda pair: str(pair[0])),
                aggregate=aggregates[app.pk],
                rank=ranks.get(app.pk),
                expected=expected,
                missing=[e for e in expected if (e.pk, app.pk) not in done],
                left_out=sorted(left_out[app.pk], key=lambda item: str(item.expert)),
                needed=needed,
            )
        )
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.application.pk))
    progress = [
        ExpertProgress(
            expert=m.expert,
            is_chair=m.is_chair,
            scored=sum(1 for a in applications if (m.expert.pk, a.pk) in done),
            expected=sum(1 for a in applications if (m.expert.pk, a.pk) not in pairs)
            if m.expert.is_active
            else 0,
        )
        for m in members
    ]
    return Board(
        panel=panel, applications=applications, members=members, rows=rows, progress=progress, needed=needed
    )


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
    # A milestone panel: the expert gave their opinion in the current round.
    answered: bool = False

    @property
    def is_review(self) -> bool:
        return self.panel.kind == Panel.Kind.REVIEW

    @property
    def awaits_verdict(self) -> bool:
        return not self.is_review and not self.answered and self.panel.status == Panel.Status.OPEN


def _conflicts_of(
    expert: ExpertProfile, panel_list: Sequence[Panel], applications: dict[int, list[Application]]
) -> dict[tuple[int, int], list[dict[str, Any]]]:
    """{(panel id, application id): reasons} for one expert over several review panels, read in a
    fixed number of queries (panels.conflicted_for's rule: reasons stored at formation first,
    else those found now)."""
    stored: dict[int, list[dict[str, Any]]] = {}
    for panel_id, reasons in PanelExclusion.objects.filter(
        expert=expert, panel__in=[p.pk for p in panel_list]
    ).values_list("panel_id", "reasons"):
        stored.setdefault(panel_id, []).extend(reasons)
    loaded = ExpertProfile.objects.select_related("user").prefetch_related("conflicts").get(pk=expert.pk)
    expert_facts = conflicts.expert_facts([loaded])
    every = [a for apps in applications.values() for a in apps]
    facts = {f.application_id: f for f in conflicts.application_facts(every)}
    registry = conflicts.registry_links(expert_facts, list(facts.values()))
    found: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for panel in panel_list:
        apps = applications.get(panel.challenge_id, [])
        reasons = stored.get(panel.pk) or conflicts.conflict_reasons(
            expert_facts[0],
            [facts[a.pk] for a in apps],
            issuer_id=panel.challenge.issuer_id,
            issuer_name=str(panel.challenge.issuer),
            registry=registry,
        )
        for app in apps:
            hits = [r for r in reasons if r.get("application") in (None, app.pk)]
            if hits:
                found[(panel.pk, app.pk)] = hits
    return found


def my_assignments(*, viewer: Any) -> list[Assignment]:
    """Every panel the viewer sits on; for review panels each application with its state
    (待评分 / 已评分 / 需回避). The applications and conflicts of all panels are read together,
    so the number of queries does not grow with the number of panels."""
    profile = permissions.expert_profile(viewer)
    if profile is None:
        return []
    memberships = list(
        PanelMember.objects.filter(expert=profile)
        .select_related("panel__challenge__issuer", "panel__rubric", "panel__milestone")
        .order_by("-panel__created_at", "-panel_id")
    )
    reviews = [m.panel for m in memberships if m.panel.kind == Panel.Kind.REVIEW]
    applications: dict[int, list[Application]] = {p.challenge_id: [] for p in reviews}
    pairs: dict[tuple[int, int], list[dict[str, Any]]] = {}
    mine: set[tuple[int, int]] = set()
    if reviews:
        for app in (
            Application.objects.filter(challenge_id__in=list(applications), status__in=UNDER_REVIEW)
            .select_related("lead")
            .prefetch_related("partners", "members")
        ):
            applications[app.challenge_id].append(app)
        pairs = _conflicts_of(profile, reviews, applications)
        mine = set(Score.objects.filter(expert=profile).values_list("panel_id", "application_id"))
    given = set(MilestoneVerdict.objects.filter(expert=profile).values_list("panel_id", "round"))
    found = []
    for membership in memberships:
        panel = membership.panel
        tasks = []
        if panel.kind == Panel.Kind.REVIEW:
            for app in applications[panel.challenge_id]:
                if (panel.pk, app.pk) in mine:
                    tasks.append(Task(app, "done", []))
                elif (panel.pk, app.pk) in pairs:
                    tasks.append(Task(app, "conflict", pairs[(panel.pk, app.pk)]))
                else:
                    tasks.append(Task(app, "todo", []))
        found.append(
            Assignment(
                panel=panel,
                is_chair=membership.is_chair,
                tasks=tasks,
                answered=(panel.pk, panel.round) in given,
            )
        )
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
