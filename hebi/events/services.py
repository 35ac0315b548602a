"""Writes to roadshows and matching events (路演, 对接会): the event and its workflow, its slots and
invitations, registration and check-in, the scores and "want to talk" marks given during the
event, and the engagements and transfer projects those marks become afterwards.

Each function is atomic and audited; bad input raises ValidationError (by field where there is
one) in the user's language and writes nothing. Notifications go out after the commit.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hebi.catalog import selectors as catalog_selectors
from hebi.catalog import workflow
from hebi.catalog.models import Achievement
from hebi.challenges import scoring
from hebi.challenges.models import Rubric
from hebi.core import audit
from hebi.core.models import AuditLog
from hebi.core.permissions import CONTRIBUTOR_ROLES, can_contribute, roles_by_org
from hebi.deals import permissions as deals_permissions
from hebi.deals import selectors as deals_selectors
from hebi.deals import services as deals_services
from hebi.deals.models import Engagement, TransferProject
from hebi.events import permissions, selectors
from hebi.events.models import Event, EventSlot, Invitation, Registration, SlotFeedback
from hebi.matching.services import notify_after_commit
from hebi.orgs.models import Organisation

User = get_user_model()
Status = Event.Status

EVENT_FIELDS = [
    "kind",
    "title",
    "starts_at",
    "ends_at",
    "venue",
    "co_organisers",
    "description",
    "capacity",
    "registration_closes_at",
    "rubric",
]
SLOT_FIELDS = [
    "title",
    "organisation",
    "presenter",
    "starts_at",
    "minutes",
    "summary",
    "achievement",
    "project",
    "order",
]
TEXT_FIELDS = ("title", "venue", "co_organisers", "description", "presenter", "summary", "note")
DEFAULT_RUBRIC = "roadshow-2023"
# Slots, invitations and the event itself change until the event is over.
LIVE_STATES = (Status.DRAFT, Status.OPEN)
# Event times the platform accepts (local years, inclusive); beyond them dates are typing slips,
# and the earliest ones overflow the database driver when converted to UTC.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
EVENT_TIME_FIELDS = ("starts_at", "ends_at", "registration_closes_at")


def _strip(data: Mapping[str, Any], allowed: Iterable[str]) -> dict[str, Any]:
    allowed = list(allowed)
    cleaned = {k: v for k, v in data.items() if k in allowed}
    for name in TEXT_FIELDS:
        if name in cleaned:
            cleaned[name] = (cleaned[name] or "").strip()
    return cleaned


def _lock(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


def _require_live(event: Event, message: str) -> None:
    if event.status not in LIVE_STATES:
        raise ValidationError(message)


# -- events ---------------------------------------------------------------------------------------
def validate_event_time(value: datetime.datetime | None) -> None:
    """Refuse an event time outside the years the platform accepts (forms and the API use it too)."""
    if value is None:
        return
    try:
        year = (
            timezone.localtime(value, timezone.get_default_timezone()).year
            if timezone.is_aware(value)
            else value.year
        )
    except OverflowError:
        year = 0
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ValidationError(event_time_range_message(), code="out_of_range")


def event_time_range_message() -> str:
    return _("时间应在 %(first)d 年至 %(last)d 年之间。") % {"first": EARLIEST_YEAR, "last": LATEST_YEAR}


def _check_event(event: Event, *, changed: Iterable[str]) -> None:
    """`changed` names the fields set anew: only those are held to the clock, so that an event
    that has begun (or whose registration has closed) can still have its other facts edited."""
    changed = set(changed)
    errors: dict[str, str] = {}
    for name in EVENT_TIME_FIELDS:
        try:
            validate_event_time(getattr(event, name))
        except ValidationError as error:
            errors[name] = error.messages[0]
    if errors:  # the comparisons below could overflow too
        raise ValidationError(errors)
    if not event.title:
        errors["title"] = _("请填写活动名称。")
    if not event.venue:
        errors["venue"] = _("请填写活动地点。")
    # To the minute, as the form reads times: a start typed for the current minute is not past.
    now = timezone.now().replace(second=0, microsecond=0)
    if "starts_at" in changed and event.starts_at and event.starts_at < now:
        errors["starts_at"] = _("开始时间不能早于现在。")
    if (
        "registration_closes_at" in changed
        and event.registration_closes_at
        and event.registration_closes_at < now
    ):
        errors["registration_closes_at"] = _("报名截止时间不能早于现在。")
    if event.starts_at and event.ends_at and event.ends_at <= event.starts_at:
        errors["ends_at"] = _("结束时间应晚于开始时间。")
    if event.ends_at and event.registration_closes_at and event.registration_closes_at > event.ends_at:
        errors["registration_closes_at"] = _("报名截止时间不能晚于活动结束时间。")
    rubric = event.rubric
    if rubric is not None and (rubric.purpose != Rubric.Purpose.ROADSHOW or not rubric.is_active):
        errors["rubric"] = _("请选择启用中的路演评分指标。")
    if errors:
        raise ValidationError(errors)


def _differs(before: Any, after: Any) -> bool:
    """Whether an edit changes a value; times to the minute, as the form gives them, so that an
    event that has begun can be saved from its edit page without its start counting as new."""
    if isinstance(before, datetime.datetime) and isinstance(after, datetime.datetime):
        return before.replace(second=0, microsecond=0) != after.replace(second=0, microsecond=0)
    return bool(before != after)


def default_rubric() -> Rubric | None:
    return Rubric.objects.filter(code=DEFAULT_RUBRIC, is_active=True).first()


def _invited_people(event: Event) -> Any:
    return User.objects.filter(
        is_active=True, memberships__organisation__in=event.invitations.values("organisation")
    ).distinct()


def _tell_invited(actor: Any, event: Event, people: Iterable[Any]) -> None:
    notify_after_commit(
        people,
        actor=actor,
        key=f"event:invited:{event.pk}",
        title=_("活动邀请：%(t)s") % {"t": event.title},
        body=_("%(org)s 邀请贵单位参加%(kind)s，时间 %(when)s，地点 %(venue)s。")
        % {
            "org": event.organiser,
            "kind": event.get_kind_display(),
            "when": f"{timezone.localtime(event.starts_at):%Y-%m-%d %H:%M}",
            "venue": event.venue,
        },
        url=reverse("events:detail", args=[event.pk]),
    )


@transaction.atomic
def event_create(*, actor: Any, organiser: Organisation, **data: Any) -> Event:
    """A new event in draft (筹备中), scored with the default roadshow rubric unless told otherwise."""
    if not permissions.can_organise_for(actor, organiser):
        raise PermissionDenied(_("只能以本人所在机构的名义主办活动。"))
    if not organiser.is_active:
        raise ValidationError({"organiser": _("该单位已停用。")})
    cleaned = _strip(data, EVENT_FIELDS)
    if cleaned.get("rubric") is None:
        cleaned["rubric"] = default_rubric()
    event = Event(organiser=organiser, created_by=actor, status=Status.DRAFT, **cleaned)
    _check_event(event, changed=EVENT_TIME_FIELDS)
    event.full_clean()
    event.save()
    audit.record_create(
        actor=actor, instance=event, fields=["organiser", *EVENT_FIELDS], organisation=organiser
    )
    return event


@transaction.atomic
def event_update(*, actor: Any, event: Event, **data: Any) -> dict[str, list[Any]]:
    """Edit the facts of a draft or open event; the organiser does not change."""
    permissions.require_manage(actor, event)
    event = _lock(event)
    _require_live(event, _("已举办或已取消的活动不能修改。"))
    cleaned = _strip(data, EVENT_FIELDS)
    if "rubric" in cleaned and cleaned["rubric"] is None:
        cleaned["rubric"] = event.rubric
    candidate = copy.copy(event)
    for name, value in cleaned.items():
        setattr(candidate, name, value)
    _check_event(
        candidate, changed=[name for name in cleaned if _differs(getattr(event, name), cleaned[name])]
    )
    taken = selectors.registered_count(event)
    if "capacity" in cleaned and cleaned["capacity"] is not None and cleaned["capacity"] < taken:
        raise ValidationError({"capacity": _("报名名额不能少于已报名人数（%(n)d 人）。") % {"n": taken}})
    if (
        "rubric" in cleaned
        and cleaned["rubric"] != event.rubric
        and SlotFeedback.objects.filter(slot__event=event, score__isnull=False).exists()
    ):
        raise ValidationError({"rubric": _("已有评分，不能更换评分指标。")})
    return audit.model_update(
        actor=actor, instance=event, data=cleaned, fields=EVENT_FIELDS, organisation=event.organiser
    )


@transaction.atomic
def event_publish(*, actor: Any, event: Event) -> Event:
    """Open registration (筹备中 → 报名中) and tell the invited organisations' people."""
    permissions.require_manage(actor, event)
    event = _lock(event)
    if event.status == Status.DRAFT and not event.slots.exists():
        raise ValidationError(_("请先添加至少一个路演项目，再发布活动。"))
    workflow.transition(actor=actor, instance=event, to=Status.OPEN, organisation=event.organiser)
    _tell_invited(actor, event, _invited_people(event))
    return event


@transaction.atomic
def event_mark_held(*, actor: Any, event: Event) -> Event:
    """The organiser records that the event took place; the scores are final from then on."""
    permissions.require_manage(actor, event)
    event = _lock(event)
    if event.status == Status.OPEN and event.starts_at > timezone.now():
        raise ValidationError(_("活动尚未开始，不能标记为已举办。"))
    workflow.transition(actor=actor, instance=event, to=Status.HELD, organisation=event.organiser)
    return event


@transaction.atomic
def event_cancel(*, actor: Any, event: Event, reason: str) -> Event:
    permissions.require_manage(actor, event)
    event = _lock(event)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("取消活动时请说明原因。")})
    workflow.transition(
        actor=actor, instance=event, to=Status.CANCELLED, reason=reason, organisation=event.organiser
    )
    registrants = User.objects.filter(
        event_registrations__event=event, event_registrations__status=Registration.Status.REGISTERED
    )
    notify_after_commit(
        registrants,
        actor=actor,
        key=f"event:cancelled:{event.pk}",
        title=_("活动已取消：%(t)s") % {"t": event.title},
        body=_("您报名的活动已取消。原因：%(why)s") % {"why": reason},
        url=reverse("events:detail", args=[event.pk]),
    )
    return event


# -- slots ------------------------------------------------------------------------------------------
def _check_slot(actor: Any, slot: EventSlot, *, changed: Iterable[str]) -> None:
    """Linked records are checked when they are set or when the presenting organisation changes;
    one linked earlier may have moved on since and stays."""
    changed = set(changed)
    errors: dict[str, str] = {}
    if not slot.title:
        errors["title"] = _("请填写项目名称。")
    organisation = slot.organisation if slot.organisation_id else None
    if organisation is not None and "organisation" in changed and not organisation.is_active:
        errors["organisation"] = _("该单位已停用。")
    achievement = slot.achievement
    if achievement is not None and changed & {"achievement", "organisation"}:
        if organisation is None or achievement.owner_id != organisation.pk:
            errors["achievement"] = _("关联成果须为路演单位的成果。")
        elif not catalog_selectors.listed(Achievement, viewer=actor).filter(pk=achievement.pk).exists():
            errors["achievement"] = _("关联成果须为已发布的成果。")
    project = slot.project
    if (
        project is not None
        and "project" in changed
        and not deals_selectors.projects_visible(viewer=actor).filter(pk=project.pk).exists()
    ):
        errors["project"] = _("关联转化项目不存在或您无权查看。")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def slot_add(*, actor: Any, event: Event, **data: Any) -> EventSlot:
    """A project slot (路演项目) at the end of the programme unless an order is given."""
    permissions.require_manage(actor, event)
    event = _lock(event)
    _require_live(event, _("已举办或已取消的活动不能修改路演项目。"))
    cleaned = _strip(data, SLOT_FIELDS)
    if cleaned.get("order") is None:
        last = event.slots.order_by("-order").values_list("order", flat=True).first()
        cleaned["order"] = 0 if last is None else last + 1
    slot = EventSlot(event=event, **cleaned)
    _check_slot(actor, slot, changed=cleaned)
    slot.full_clean()
    slot.save()
    audit.record_create(actor=actor, instance=slot, fields=SLOT_FIELDS, organisation=event.organiser)
    return slot


@transaction.atomic
def slot_update(*, actor: Any, slot: EventSlot, **data: Any) -> dict[str, list[Any]]:
    event = slot.event
    permissions.require_manage(actor, event)
    event = _lock(event)
    _require_live(event, _("已举办或已取消的活动不能修改路演项目。"))
    slot = EventSlot.objects.select_for_update().get(pk=slot.pk, event=event)
    cleaned = _strip(data, SLOT_FIELDS)
    candidate = copy.copy(slot)
    changed = []
    for name, value in cleaned.items():
        if getattr(candidate, name) != value:
            changed.append(name)
        setattr(candidate, name, value)
    _check_slot(actor, candidate, changed=changed)
    return audit.model_update(
        actor=actor, instance=slot, data=cleaned, fields=SLOT_FIELDS, organisation=event.organiser
    )


@transaction.atomic
def slot_delete(*, actor: Any, slot: EventSlot) -> None:
    event = slot.event
    permissions.require_manage(actor, event)
    event = _lock(event)
    _require_live(event, _("已举办或已取消的活动不能修改路演项目。"))
    if slot.feedback.exists():
        raise ValidationError(_("该项目已有评分或洽谈意向，不能删除。"))
    audit.record(
        actor=actor,
        action=AuditLog.Action.DELETE,
        instance=slot,
        changes=audit.snapshot(slot, ["title", "organisation"]),
        organisation=event.organiser,
    )
    slot.delete()


@transaction.atomic
def slots_reorder(*, actor: Any, event: Event, slot_ids: list[int]) -> None:
    """Put the programme in the given order (every slot of the event, each once)."""
    permissions.require_manage(actor, event)
    event = _lock(event)
    _require_live(event, _("已举办或已取消的活动不能修改路演项目。"))
    slots = {s.pk: s for s in event.slots.select_for_update().order_by("order", "id")}
    if len(slot_ids) != len(set(slot_ids)) or set(slot_ids) != set(slots):
        raise ValidationError(_("排序须包含本活动的全部路演项目，且每项只出现一次。"))
    before = [slots[pk].title for pk in slots]
    for index, pk in enumerate(slot_ids):
        if slots[pk].order != index:
            EventSlot.objects.filter(pk=pk).update(order=index)
    after = [slots[pk].title for pk in slot_ids]
    if before != after:
        audit.record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            instance=event,
            changes={"slots": [before, after]},
            organisation=event.organiser,
        )


def slot_move(*, actor: Any, slot: EventSlot, offset: int) -> None:
    """Move a slot one place up (-1) or down (+1) in the programme."""
    ids = list(slot.event.slots.order_by("order", "id").values_list("pk", flat=True))
    index = ids.index(slot.pk)
    target = index + offset
    if 0 <= target < len(ids):
        ids[index], ids[target] = ids[target], ids[index]
    slots_reorder(actor=actor, event=slot.event, slot_ids=ids)


# -- invitations ------------------------------------------------------------------------------------
@transaction.atomic
def invitation_add(
    *, actor: Any, event: Event, organisation: Organisation, kind: str, note: str = ""
) -> Invitation:
    """Invite an organisation (an investor, an enterprise, an expert's unit); once the event is
    open its people hear of it at once, otherwise when it opens."""
    permissions.require_manage(actor, event)
    event = _lock(event)
    _require_live(event, _("已举办或已取消的活动不能再邀请单位。"))
    if kind not in Invitation.Kind.values:
        raise ValidationError({"kind": _("请选择受邀身份。")})
    if not organisation.is_active:
        raise ValidationError({"organisation": _("该单位已停用。")})
    if event.invitations.filter(organisation=organisation).exists():
        raise ValidationError({"organisation": _("该单位已在邀请名单中。")})
    invitation = Invitation(event=event, organisation=organisation, kind=kind, note=(note or "").strip())
    invitation.full_clean()
    invitation.save()
    audit.record(
        actor=actor,
        action=AuditLog.Action.INVITE,
        instance=event,
        changes={"invitations": [None, f"{organisation}（{invitation.get_kind_display()}）"]},
        organisation=event.organiser,
    )
    if event.status == Status.OPEN:
        _tell_invited(
            actor,
            event,
            User.objects.filter(is_active=True, memberships__organisation=organisation).distinct(),
        )
    return invitation


@transaction.atomic
def invitation_remove(*, actor: Any, invitation: Invitation) -> None:
    event = invitation.event
    permissions.require_manage(actor, event)
    event = _lock(event)
    _require_live(event, _("已举办或已取消的活动不能再修改邀请名单。"))
    audit.record(
        actor=actor,
        action=AuditLog.Action.REVOKE,
        instance=event,
        changes={"invitations": [f"{invitation.organisation}（{invitation.get_kind_display()}）", None]},
        organisation=event.organiser,
    )
    invitation.delete()


# -- registration and check-in -------------------------------------------------------------------------
@transaction.atomic
def registration_create(
    *, actor: Any, event: Event, role: str, organisation: Organisation | None = None
) -> Registration:
    """Register the actor (报名) until registration closes (at the event's start unless another
    closing time is set), in a role that something vouches for (see permissions.role_refusal).
    The event row is locked while the places are counted; a cancelled registration comes back to
    life when there is room."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("请先登录。"))
    event = _lock(event)
    if role not in Registration.Role.values:
        raise ValidationError({"role": _("请选择参会身份。")})
    if organisation is not None and organisation.pk not in roles_by_org(actor):
        raise ValidationError({"organisation": _("只能选择您所在的单位。")})
    if not permissions.registration_open(event):
        raise ValidationError(_("报名已截止。"))
    refusal = permissions.role_refusal(actor, event, role, organisation)
    if refusal is not None:
        raise ValidationError({refusal[0]: refusal[1]})
    existing = Registration.objects.select_for_update(of=("self",)).filter(event=event, user=actor).first()
    if existing is not None and existing.status == Registration.Status.REGISTERED:
        raise ValidationError(_("您已报名该活动。"))
    if selectors.registered_count(event) >= event.capacity:
        raise ValidationError(_("名额已满。"))
    if existing is not None:
        audit.model_update(
            actor=actor,
            instance=existing,
            data={
                "status": Registration.Status.REGISTERED,
                "role": role,
                "organisation": organisation,
                "checked_in_at": None,
                "checked_in_by": None,
            },
            fields=["status", "role", "organisation", "checked_in_at", "checked_in_by"],
            organisation=event.organiser,
        )
        return existing
    registration = Registration(event=event, user=actor, role=role, organisation=organisation)
    registration.full_clean()
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:  # a second click that raced the first
        raise ValidationError(_("您已报名该活动。")) from None
    audit.record_create(
        actor=actor,
        instance=registration,
        fields=["role", "organisation", "status"],
        organisation=event.organiser,
    )
    return registration


def _lock_registration(registration: Registration) -> Registration:
    return (
        Registration.objects.select_for_update(of=("self",))
        .select_related("event", "event__organiser", "user")
        .get(pk=registration.pk)
    )


@transaction.atomic
def registration_cancel(*, actor: Any, registration: Registration) -> Registration:
    """The registrant withdraws; the place goes back to the pool."""
    if registration.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("只能取消本人的报名。"))
    registration = _lock_registration(registration)
    if registration.status == Registration.Status.CANCELLED:
        raise ValidationError(_("该报名已取消。"))
    if registration.event.status != Status.OPEN:
        raise ValidationError(_("活动已举办或已取消，不能再取消报名。"))
    if registration.checked_in_at is not None:
        raise ValidationError(_("您已签到，不能取消报名。"))
    audit.model_update(
        actor=actor,
        instance=registration,
        data={"status": Registration.Status.CANCELLED},
        fields=["status"],
        organisation=registration.event.organiser,
    )
    return registration


@transaction.atomic
def registration_check_in(*, actor: Any, registration: Registration) -> tuple[Registration, bool]:
    """Check a registrant in at the door (签到), from the day the event starts until it ends.
    Returns the registration and whether this call checked it in (False: it already was, and
    nothing changed)."""
    permissions.require_manage(actor, registration.event)
    registration = _lock_registration(registration)
    if registration.status == Registration.Status.CANCELLED:
        raise ValidationError(_("该报名已取消，不能签到。"))
    if registration.checked_in_at is not None:
        return registration, False
    if registration.event.status != Status.OPEN:
        raise ValidationError(_("只有报名中的活动可以签到。"))
    refusal = permissions.check_in_refusal(registration.event)
    if refusal:
        raise ValidationError(refusal)
    audit.model_update(
        actor=actor,
        instance=registration,
        data={"checked_in_at": timezone.now(), "checked_in_by": actor},
        fields=["checked_in_at", "checked_in_by"],
        organisation=registration.event.organiser,
    )
    return registration, True


# -- scores and interest during the event ------------------------------------------------------------------
def _filled(items: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (items or {}).items() if v is not None and str(v).strip() != ""}


def _sheet(event: Event, items: dict[str, Any], role: str) -> tuple[dict[str, str], Decimal | None]:
    """Check the score sheet: all criteria once any is given; experts must score."""
    criteria = selectors.rubric_criteria(event)
    if not items and not (criteria and role == Registration.Role.EXPERT):
        return {}, None
    if not criteria:
        raise ValidationError({"items": _("该活动不设评分。")})
    try:
        return scoring.check_sheet(criteria, items)
    except scoring.SheetError as error:
        raise ValidationError(
            {
                (NON_FIELD_ERRORS if code == "__all__" else code): message
                for code, message in error.errors.items()
            }
        ) from None


@transaction.atomic
def feedback_submit(
    *,
    actor: Any,
    slot: EventSlot,
    items: Mapping[str, Any] | None = None,
    want_to_talk: bool = False,
    note: str = "",
) -> SlotFeedback:
    """Score a slot and/or mark interest in it (one sheet per person and slot, which its author
    may change while the event is open and the sheets are: from an hour before the start until
    two hours after the end). The scorer is checked in, still holds the role they registered in,
    and does not belong to the presenting organisation."""
    event = Event.objects.select_related("rubric").get(pk=slot.event_id)
    if event.status == Status.HELD:
        raise ValidationError(_("活动已结束，评分不能再修改。"))
    if event.status != Status.OPEN:
        raise ValidationError(_("活动未在进行中，不能评分。"))
    closed = permissions.scoring_refusal(event)
    if closed:
        raise ValidationError(closed)
    registration = (
        Registration.objects.filter(event=event, user=actor, status=Registration.Status.REGISTERED)
        .select_related("organisation")
        .first()
    )
    if registration is None or registration.checked_in_at is None:
        raise ValidationError(_("请先签到。"))
    if registration.role not in selectors.SCORING_ROLES:
        raise ValidationError(_("观众和路演团队不参与评分。"))
    if permissions.role_refusal(actor, event, registration.role, registration.organisation) is not None:
        raise ValidationError(
            _("您已不具备“%(role)s”的参会身份，不能评分。") % {"role": registration.get_role_display()}
        )
    if permissions.is_own_slot(actor, registration, slot):
        raise ValidationError(_("不能为本单位的路演项目评分。"))
    clean, total = _sheet(event, _filled(items), registration.role)
    note = (note or "").strip()
    if not clean and not want_to_talk:
        raise ValidationError(_("请打分或勾选“想进一步洽谈”。"))
    data = {"items": clean, "score": total, "want_to_talk": bool(want_to_talk), "note": note}
    fields = list(data)
    existing = SlotFeedback.objects.select_for_update().filter(slot=slot, user=actor).first()
    if existing is not None:
        if not want_to_talk and (existing.engagement_id or existing.project_id):
            raise ValidationError({"want_to_talk": _("该意向已有后续对接，不能撤回。")})
        audit.model_update(
            actor=actor, instance=existing, data=data, fields=fields, organisation=event.organiser
        )
        return existing
    feedback = SlotFeedback(slot=slot, user=actor, registration=registration, **data)
    feedback.full_clean()
    try:
        with transaction.atomic():
            feedback.save()
    except IntegrityError:
        raise ValidationError(_("您已对该项目评过分。")) from None
    audit.record_create(actor=actor, instance=feedback, fields=fields, organisation=event.organiser)
    return feedback


# -- follow-ups after the event --------------------------------------------------------------------------
def _lock_feedback(feedback: SlotFeedback) -> SlotFeedback:
    return (
        SlotFeedback.objects.select_for_update(of=("self",))
        .select_related(
            "slot__event__organiser",
            "slot__organisation",
            "slot__achievement",
            "user",
            "registration__organisation",
            "engagement",
        )
        .get(pk=feedback.pk)
    )


def _recorder_org(actor: Any, organiser: Organisation) -> Organisation:
    """The organiser when the actor works for it, else the actor's own organisation; the deals
    service refuses anyone who contributes nowhere, with its own message."""
    if can_contribute(actor, organiser):
        return organiser
    own = [org for org, roles in roles_by_org(actor).items() if roles & set(CONTRIBUTOR_ROLES)]
    return Organisation.objects.filter(pk__in=own).order_by("pk").first() or organiser


def _linkable(actor: Any, achievement: Achievement | None) -> list[Achievement]:
    if achievement is None:
        return []
    visible = catalog_selectors.visible(Achievement, viewer=actor).filter(pk=achievement.pk).exists()
    return [achievement] if visible else []


def _person(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())


def _interest_summary(feedback: SlotFeedback) -> str:
    slot, event = feedback.slot, feedback.slot.event
    org = feedback.registration.organisation
    text = _(
        "在%(kind)s“%(event)s”（%(date)s）上，%(person)s%(org)s对路演项目“%(slot)s”（%(presenter)s）表示希望进一步洽谈。"
    ) % {
        "kind": event.get_kind_display(),
        "event": event.title,
        "date": f"{timezone.localtime(event.starts_at):%Y-%m-%d}",
        "person": _person(feedback.user),
        "org": f"（{org}）" if org else "",
        "slot": slot.title,
        "presenter": slot.organisation,
    }
    if feedback.score is not None:
        text += _("评分：%(s)s。") % {"s": f"{feedback.score.normalize():f}"}
    if feedback.note:
        text += _("备注：%(n)s") % {"n": feedback.note}
    return text


def _check_interest(actor: Any, feedback: SlotFeedback) -> None:
    permissions.require_manage(actor, feedback.slot.event)
    if not feedback.want_to_talk:
        raise ValidationError(_("该反馈没有洽谈意向。"))


@transaction.atomic
def feedback_to_engagement(*, actor: Any, feedback: SlotFeedback) -> Engagement:
    """生成对接记录: the interest becomes an engagement between the presenting organisation and the
    interested person's organisation, recorded for the organiser."""
    feedback = _lock_feedback(feedback)
    _check_interest(actor, feedback)
    if feedback.engagement_id is not None:
        raise ValidationError(_("该意向已生成对接记录。"))
    slot, event = feedback.slot, feedback.slot.event
    organisations = [slot.organisation]
    interested = feedback.registration.organisation
    if interested is not None and interested.pk != slot.organisation_id:
        organisations.append(interested)
    people = _("%(person)s%(org)s；路演人：%(presenter)s") % {
        "person": _person(feedback.user),
        "org": f"（{interested}）" if interested else "",
        "presenter": slot.presenter or slot.organisation,
    }
    engagement = deals_services.engagement_create(
        actor=actor,
        recorder_org=_recorder_org(actor, event.organiser),
        organisations=organisations,
        achievements=_linkable(actor, slot.achievement),
        kind=Engagement.Kind.EVENT,
        held_on=min(timezone.localtime(event.starts_at).date(), timezone.localdate()),
        place=event.venue[:200],
        people=people[:500],
        summary=_interest_summary(feedback),
        outcome=Engagement.Outcome.INTERESTED,
    )
    audit.model_update(
        actor=actor,
        instance=feedback,
        data={"engagement": engagement},
        fields=["engagement"],
        organisation=event.organiser,
    )
    return engagement


@transaction.atomic
def feedback_to_project(*, actor: Any, feedback: SlotFeedback) -> TransferProject:
    """立项为转化项目: the presenting organisation supplies, the interested enterprise adopts."""
    feedback = _lock_feedback(feedback)
    _check_interest(actor, feedback)
    if feedback.project_id is not None:
        raise ValidationError(_("该意向已立项。"))
    slot = feedback.slot
    enterprise = feedback.registration.organisation
    if enterprise is None or enterprise.kind != Organisation.Kind.ENTERPRISE:
        raise ValidationError(_("意向方单位须为企业，才能立项为转化项目。"))
    engagement = feedback.engagement
    if engagement is not None and (
        engagement.project_id is not None or not deals_permissions.can_edit_engagement(actor, engagement)
    ):
        engagement = None
    project = deals_services.project_create(
        actor=actor,
        owner=slot.organisation,
        enterprise=enterprise,
        title=slot.title,
        summary=_interest_summary(feedback),
        achievements=_linkable(actor, slot.achievement),
        engagement=engagement,
    )
    audit.model_update(
        actor=actor,
        instance=feedback,
        data={"project": project},
        fields=["project"],
        organisation=slot.event.organiser,
    )
    return project
