"""Reads of events, always scoped by the viewer (see permissions.py for who sees what)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from hebi.challenges import scoring
from hebi.core.converters import parse_id
from hebi.core.permissions import CONTRIBUTOR_ROLES, roles_by_org
from hebi.events import permissions
from hebi.events.models import Event, EventSlot, Invitation, Registration, SlotFeedback

PUBLIC_STATES = (Event.Status.OPEN, Event.Status.HELD, Event.Status.CANCELLED)
# Participants who score and mark interest during the event; guests and presenters only watch.
SCORING_ROLES = (Registration.Role.INVESTOR, Registration.Role.ENTERPRISE, Registration.Role.EXPERT)


# -- events ---------------------------------------------------------------------------------------
def events_visible(*, viewer: Any) -> QuerySet[Event]:
    qs = Event.objects.all()
    if permissions.is_committee(viewer):
        return qs
    return qs.filter(Q(status__in=PUBLIC_STATES) | Q(organiser_id__in=list(roles_by_org(viewer))))


def events_managed(*, viewer: Any) -> QuerySet[Event]:
    """The events the viewer runs: its contributor organisations' events (all of them for the
    committee)."""
    if not getattr(viewer, "is_authenticated", False):
        return Event.objects.none()
    if permissions.is_committee(viewer):
        return Event.objects.all()
    orgs = [org for org, roles in roles_by_org(viewer).items() if roles & set(CONTRIBUTOR_ROLES)]
    return Event.objects.filter(organiser_id__in=orgs)


def event_list(*, viewer: Any, tab: str = "", kind: str = "", status: str = "") -> QuerySet[Event]:
    """Upcoming events (not yet over) soonest first, past ones latest first, or (no tab) all of
    them latest first."""
    now = timezone.now()
    qs = (
        events_visible(viewer=viewer)
        .annotate(
            ends=Coalesce("ends_at", "starts_at"),
            registered=Count("registrations", filter=Q(registrations__status=Registration.Status.REGISTERED)),
        )
        .select_related("organiser")
    )
    if kind in Event.Kind.values:
        qs = qs.filter(kind=kind)
    if status in Event.Status.values:
        qs = qs.filter(status=status)
    if tab == "past":
        return qs.filter(ends__lt=now).order_by("-starts_at", "-id")
    if tab == "upcoming":
        return qs.filter(ends__gte=now).order_by("starts_at", "id")
    return qs.order_by("-starts_at", "-id")


def event_get(*, viewer: Any, pk: Any) -> Event:
    key = parse_id(pk)
    found = (
        events_visible(viewer=viewer)
        .select_related("organiser", "rubric", "created_by")
        .filter(pk=key)
        .first()
        if key is not None
        else None
    )
    if found is None:
        raise Http404(_("没有找到该活动。"))
    return found


def event_private_get(*, viewer: Any, pk: Any) -> Event:
    """An event whose private pages (the report) the viewer may read; 404 otherwise."""
    event = event_get(viewer=viewer, pk=pk)
    if not permissions.can_see_private(viewer, event):
        raise Http404(_("没有找到该活动。"))
    return event


def event_slots(event: Event) -> QuerySet[EventSlot]:
    return event.slots.select_related("organisation", "achievement", "project").order_by("order", "id")


def event_invitations(event: Event) -> QuerySet[Invitation]:
    return event.invitations.select_related("organisation").order_by("kind", "id")


def registered_count(event: Event) -> int:
    return event.registrations.filter(status=Registration.Status.REGISTERED).count()


@dataclass(frozen=True)
class RegistrationCounts:
    registered: int
    checked_in: int
    cancelled: int
    by_role: list[tuple[str, str, int, int]]  # (role, label, registered, checked in)


def registration_counts(event: Event) -> RegistrationCounts:
    rows = event.registrations.values_list("role", "status", "checked_in_at")
    registered: Counter[str] = Counter()
    checked: Counter[str] = Counter()
    cancelled = 0
    for role, status, checked_in_at in rows:
        if status != Registration.Status.REGISTERED:
            cancelled += 1
            continue
        registered[role] += 1
        if checked_in_at is not None:
            checked[role] += 1
    return RegistrationCounts(
        registered=sum(registered.values()),
        checked_in=sum(checked.values()),
        cancelled=cancelled,
        by_role=[
            (role, str(label), registered[role], checked[role]) for role, label in Registration.Role.choices
        ],
    )


def registration_list(*, event: Event, q: str = "", status: str = "") -> QuerySet[Registration]:
    qs = event.registrations.select_related("user", "organisation", "checked_in_by")
    if q:
        qs = qs.filter(
            Q(user__display_name__icontains=q)
            | Q(user__username__icontains=q)
            | Q(user__first_name__icontains=q)
            | Q(user__last_name__icontains=q)
            | Q(organisation__name__icontains=q)
        )
    if status in Registration.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("user__display_name", "user__username", "id")


def registration_of(*, viewer: Any, event: Event) -> Registration | None:
    if not getattr(viewer, "is_authenticated", False):
        return None
    return event.registrations.filter(user=viewer).select_related("organisation").first()


def registrations_visible(*, viewer: Any) -> QuerySet[Registration]:
    """The viewer's own registrations, and every registration of the events it runs."""
    if not getattr(viewer, "is_authenticated", False):
        return Registration.objects.none()
    return Registration.objects.filter(
        Q(user=viewer) | Q(event__in=events_managed(viewer=viewer).values("pk"))
    ).select_related("event", "user", "organisation")


def registration_get(*, viewer: Any, pk: Any) -> Registration:
    key = parse_id(pk)
    found = registrations_visible(viewer=viewer).filter(pk=key).first() if key is not None else None
    if found is None:
        raise Http404(_("没有找到该报名。"))
    return found


# -- feedback ---------------------------------------------------------------------------------------
def feedback_visible(*, viewer: Any) -> QuerySet[SlotFeedback]:
    """The viewer's own feedback, and all the feedback given at the events it runs."""
    if not getattr(viewer, "is_authenticated", False):
        return SlotFeedback.objects.none()
    return SlotFeedback.objects.filter(
        Q(user=viewer) | Q(slot__event__in=events_managed(viewer=viewer).values("pk"))
    ).select_related("slot", "slot__event", "slot__organisation", "user", "registration__organisation")


def feedback_get(*, viewer: Any, pk: Any) -> SlotFeedback:
    key = parse_id(pk)
    found = feedback_visible(viewer=viewer).filter(pk=key).first() if key is not None else None
    if found is None:
        raise Http404(_("没有找到该反馈。"))
    return found


def _plain_score(value: Decimal) -> Decimal:
    """30.0 → 30 and 12.50 → 12.5, so that labels, messages and input limits read plainly."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def rubric_criteria(event: Event) -> list[scoring.Criterion]:
    """The event's score sheet as the pure checker wants it (empty when the event is not scored)."""
    if event.rubric_id is None:
        return []
    return [
        scoring.Criterion(code=c.code, name=c.name, max_score=_plain_score(c.max_score))
        for c in event.rubric.criteria.order_by("order", "code")  # type: ignore[union-attr]
    ]


def live_rows(*, viewer: Any, event: Event) -> list[tuple[EventSlot, SlotFeedback | None]]:
    """The slots in order, each with the viewer's own feedback on it."""
    mine = {
        f.slot_id: f
        for f in SlotFeedback.objects.filter(slot__event=event, user=viewer)
        if getattr(viewer, "is_authenticated", False)
    }
    return [(slot, mine.get(slot.pk)) for slot in event_slots(event)]


def interests(*, event: Event) -> QuerySet[SlotFeedback]:
    """Every "want to talk" mark of the event, slot by slot."""
    return (
        SlotFeedback.objects.filter(slot__event=event, want_to_talk=True)
        .select_related(
            "slot",
            "slot__organisation",
            "slot__achievement",
            "user",
            "registration",
            "registration__organisation",
            "engagement",
            "project",
        )
        .order_by("slot__order", "slot_id", "created_at", "id")
    )


# -- the report ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CriterionAverage:
    code: str
    name: str
    max_score: Decimal
    average: Decimal | None


@dataclass(frozen=True)
class Interest:
    feedback_id: int
    person: str
    organisation: str
    score: Decimal | None
    note: str
    engagement_id: int | None
    project_id: int | None


@dataclass(frozen=True)
class SlotReport:
    slot: EventSlot
    scores: int
    aggregate: scoring.Aggregate
    criteria: list[CriterionAverage]
    interests: list[Interest]

    @property
    def engagements(self) -> int:
        return sum(1 for i in self.interests if i.engagement_id)

    @property
    def projects(self) -> int:
        return sum(1 for i in self.interests if i.project_id)


@dataclass(frozen=True)
class EventReport:
    event: Event
    invitations: list[Invitation]
    counts: RegistrationCounts
    slots: list[SlotReport] = field(default_factory=list)

    @property
    def scores(self) -> int:
        return sum(s.scores for s in self.slots)

    @property
    def interests(self) -> int:
        return sum(len(s.interests) for s in self.slots)

    @property
    def engagements(self) -> int:
        return sum(s.engagements for s in self.slots)

    @property
    def projects(self) -> int:
        return sum(s.projects for s in self.slots)


def _average(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(scoring.CENT, rounding=ROUND_HALF_UP)


def _person(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())


def event_report(event: Event) -> EventReport:
    """What the event produced: who came, each slot's aggregate score (trimmed with enough scores),
    per-criterion averages, the "want to talk" marks and what they became."""
    criteria = rubric_criteria(event)
    feedback_by_slot: dict[int, list[SlotFeedback]] = {}
    for item in (
        SlotFeedback.objects.filter(slot__event=event)
        .select_related("user", "registration__organisation")
        .order_by("created_at", "id")
    ):
        feedback_by_slot.setdefault(item.slot_id, []).append(item)
    slots = []
    for slot in event_slots(event):
        rows = feedback_by_slot.get(slot.pk, [])
        scored = [f for f in rows if f.score is not None]
        averages = []
        for criterion in criteria:
            values = [
                Decimal(str(f.items[criterion.code])) for f in scored if criterion.code in (f.items or {})
            ]
            averages.append(
                CriterionAverage(criterion.code, criterion.name, criterion.max_score, _average(values))
            )
        slots.append(
            SlotReport(
                slot=slot,
                scores=len(scored),
                aggregate=scoring.aggregate([f.score for f in scored if f.score is not None]),
                criteria=averages,
                interests=[
                    Interest(
                        feedback_id=f.pk,
                        person=_person(f.user),
                        organisation=str(f.registration.organisation or ""),
                        score=f.score,
                        note=f.note,
                        engagement_id=f.engagement_id,
                        project_id=f.project_id,
                    )
                    for f in rows
                    if f.want_to_talk
                ],
            )
        )
    return EventReport(
        event=event,
        invitations=list(event_invitations(event)),
        counts=registration_counts(event),
        slots=slots,
    )
