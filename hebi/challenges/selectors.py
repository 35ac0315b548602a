"""Reads of challenges and applications, always scoped by the viewer (see permissions.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from hebi.catalog.models import StatusChange
from hebi.challenges import permissions
from hebi.challenges.models import Application, Challenge, ChallengeQuestion, Panel, PanelMember
from hebi.core.converters import parse_id
from hebi.core.permissions import roles_by_org


def challenges_visible(*, viewer: Any) -> QuerySet[Challenge]:
    """Published challenges for everyone; unpublished ones for their issuer's people; the
    secretariat sees every call but the drafts of other organisations (a draft is the issuer's
    private work until it is submitted)."""
    qs = Challenge.objects.all()
    own = Q(issuer_id__in=list(roles_by_org(viewer)))
    if permissions.is_secretariat(viewer):
        never_submitted = Q(status=Challenge.Status.DRAFT) | (
            Q(status=Challenge.Status.CANCELLED, published_at__isnull=True) & ~Exists(_submissions())
        )
        return qs.filter(~never_submitted | own)
    return qs.filter(Q(published_at__isnull=False) | own)


def _submissions() -> QuerySet[StatusChange]:
    """The submission of a call (→ 待审核): a call cancelled before publication stays private
    unless it had been submitted to the secretariat."""
    return StatusChange.objects.filter(
        content_type=ContentType.objects.get_for_model(Challenge),
        object_id=OuterRef("pk"),
        to_status=Challenge.Status.PENDING,
    )


def challenge_get(*, viewer: Any, pk: Any) -> Challenge:
    key = parse_id(pk)
    found = (
        challenges_visible(viewer=viewer)
        .select_related("issuer", "field", "rubric", "contact", "approved_by")
        .filter(pk=key)
        .first()
        if key is not None
        else None
    )
    if found is None:
        raise Http404(_("没有找到该榜单。"))
    return found


def applications_visible(*, viewer: Any) -> QuerySet[Application]:
    """The viewer's own organisations' applications (lead or partner), the ones submitted to the
    viewer's organisation's challenges, and those the viewer's panels review: every application of
    the call for the review panel, the contract's application for a milestone panel."""
    qs = Application.objects.all()
    if not getattr(viewer, "is_authenticated", False):
        return qs.none()
    if permissions.is_secretariat(viewer):
        return qs
    orgs = list(roles_by_org(viewer))
    partner = Application.partners.through.objects.filter(
        application_id=OuterRef("pk"), organisation_id__in=orgs
    )
    own = Q(lead_id__in=orgs) | Exists(partner)
    submitted = ~Q(status__in=[Application.Status.DRAFT, Application.Status.WITHDRAWN])
    condition = own | (submitted & Q(challenge__issuer_id__in=orgs))
    profile = permissions.expert_profile(viewer)
    if profile is not None:
        # The review panel reads the whole call; a milestone panel only its contract's application.
        on_review_panel = PanelMember.objects.filter(
            panel__challenge_id=OuterRef("challenge_id"), panel__kind=Panel.Kind.REVIEW, expert=profile
        )
        on_milestone_panel = PanelMember.objects.filter(
            panel__milestone__contract__application_id=OuterRef("pk"), expert=profile
        )
        condition |= ~Q(status=Application.Status.DRAFT) & (
            Exists(on_review_panel) | Exists(on_milestone_panel)
        )
    return qs.filter(condition)


def application_get(*, viewer: Any, pk: Any) -> Application:
    key = parse_id(pk)
    found = (
        applications_visible(viewer=viewer)
        .select_related("challenge", "challenge__issuer", "lead", "decision_category", "created_by")
        .filter(pk=key)
        .first()
        if key is not None
        else None
    )
    if found is None:
        raise Http404(_("没有找到该申报。"))
    return found


# -- the hall and the personal pages ------------------------------------------------------------------
PUBLIC_STATUSES = (Challenge.Status.PUBLISHED, Challenge.Status.REVIEWING, Challenge.Status.DECIDED)
UNDER_REVIEW = (Application.Status.SUBMITTED, Application.Status.AWARDED, Application.Status.NOT_AWARDED)


@dataclass(frozen=True)
class HallFilters:
    q: str = ""
    field: str = ""
    # "open" (征集中), "closed" (已截止: past the deadline, the review not started yet),
    # "reviewing" (评审中) or "decided" (已定榜)
    state: str = ""
    issuer_kind: str = ""  # "enterprise" or "government"


def _with_counts(qs: QuerySet[Challenge]) -> QuerySet[Challenge]:
    return qs.annotate(
        applications_count=Count("applications", filter=Q(applications__status__in=UNDER_REVIEW))
    )


def challenge_hall(*, filters: HallFilters) -> QuerySet[Challenge]:
    """Published calls for everyone: open ones first by nearest deadline, then the closed ones."""
    today = timezone.localdate()
    qs = Challenge.objects.filter(status__in=PUBLIC_STATUSES, published_at__isnull=False)
    open_now = Q(status=Challenge.Status.PUBLISHED, deadline__gte=today)
    if filters.state == "open":
        qs = qs.filter(open_now)
    elif filters.state == "closed":
        qs = qs.filter(status=Challenge.Status.PUBLISHED, deadline__lt=today)
    elif filters.state == "reviewing":
        qs = qs.filter(status=Challenge.Status.REVIEWING)
    elif filters.state == "decided":
        qs = qs.filter(status=Challenge.Status.DECIDED)
    if filters.field:
        qs = qs.filter(field_id=filters.field)
    if filters.issuer_kind in permissions.ISSUER_KINDS:
        qs = qs.filter(issuer__kind=filters.issuer_kind)
    if filters.q:
        qs = qs.filter(Q(title__icontains=filters.q) | Q(problem__icontains=filters.q))
    qs = qs.annotate(
        closed=Case(When(open_now, then=Value(0)), default=Value(1), output_field=IntegerField()),
        open_deadline=Case(When(open_now, then=F("deadline")), default=None),
    )
    return (
        _with_counts(qs)
        .select_related("issuer", "field")
        .order_by("closed", F("open_deadline").asc(nulls_last=True), "-deadline", "-id")
    )


def challenges_mine(*, viewer: Any) -> QuerySet[Challenge]:
    """Every challenge of the viewer's organisations, in every status."""
    orgs = list(roles_by_org(viewer))
    return (
        _with_counts(Challenge.objects.filter(issuer_id__in=orgs))
        .select_related("issuer")
        .order_by("-updated_at", "-id")
    )


def applications_mine(*, viewer: Any) -> QuerySet[Application]:
    """The applications the viewer's organisations lead or take part in."""
    orgs = list(roles_by_org(viewer))
    partner = Application.partners.through.objects.filter(
        application_id=OuterRef("pk"), organisation_id__in=orgs
    )
    return (
        Application.objects.filter(Q(lead_id__in=orgs) | Exists(partner))
        .select_related("challenge", "lead")
        .order_by("-updated_at", "-id")
    )


def secretariat_queue() -> dict[str, QuerySet[Challenge]]:
    """Calls waiting for the secretariat: approval, and the start of the review after the deadline."""
    today = timezone.localdate()
    return {
        "pending": Challenge.objects.filter(status=Challenge.Status.PENDING)
        .select_related("issuer")
        .order_by("updated_at", "id"),
        "closed": _with_counts(
            Challenge.objects.filter(status=Challenge.Status.PUBLISHED, deadline__lt=today)
        )
        .select_related("issuer")
        .order_by("deadline", "id"),
    }


def questions_visible(*, viewer: Any, challenge: Challenge) -> QuerySet[ChallengeQuestion]:
    """Answered questions for everyone; an open one for its asker and for those who answer."""
    qs = challenge.questions.select_related("asked_by", "answered_by")
    if permissions.can_answer_questions(viewer, challenge):
        return qs
    if getattr(viewer, "is_authenticated", False):
        return qs.filter(~Q(answer="") | Q(asked_by=viewer))
    return qs.exclude(answer="")


def question_get(*, viewer: Any, pk: Any) -> ChallengeQuestion:
    key = parse_id(pk)
    found = ChallengeQuestion.objects.select_related("challenge").filter(pk=key).first() if key else None
    if found is None or not permissions.can_view_challenge(viewer, found.challenge):
        raise Http404(_("没有找到该问题。"))
    if not questions_visible(viewer=viewer, challenge=found.challenge).filter(pk=found.pk).exists():
        raise Http404(_("没有找到该问题。"))
    return found


def challenge_applications(*, viewer: Any, challenge: Challenge) -> QuerySet[Application]:
    """On the challenge page: the submitted applications for the secretariat and the issuer's
    people, and the viewer's own organisations' applications in any status."""
    orgs = list(roles_by_org(viewer))
    partner = Application.partners.through.objects.filter(
        application_id=OuterRef("pk"), organisation_id__in=orgs
    )
    return (
        applications_visible(viewer=viewer)
        .filter(challenge=challenge)
        .filter(Q(status__in=UNDER_REVIEW) | Q(lead_id__in=orgs) | Exists(partner))
        .select_related("lead")
        .prefetch_related("partners")
        .order_by("rank", "submitted_at", "id")
    )


def live_applications(*, challenge: Challenge, leads: list[Any]) -> list[Application]:
    """The applications of the call led by these organisations that still count (not withdrawn):
    an organisation leads at most one of them per call."""
    return list(
        Application.objects.filter(challenge=challenge, lead__in=[o.pk for o in leads])
        .exclude(status=Application.Status.WITHDRAWN)
        .order_by("id")
    )


def days_left(challenge: Challenge) -> int:
    """Days until the deadline; 0 on its last day, negative once past."""
    return (challenge.deadline - timezone.localdate()).days
