"""Who may see and run roadshows and matching events (路演, 对接会), who may take which role, and
when the door and the score sheets are open.

An event open for registration, held or cancelled is public: the calendar of events is public
information. A draft is seen by the organiser's members and the committee (secretariat, platform
admins) only; anyone else gets 404. The organiser's contributors and the committee run the event
(edit, slots, invitations, check-in, follow-ups): anyone else who can see it gets 403. The report
reads like a draft: the organiser's members and the committee; 404 for the others.

The roles that score are vouched for by something other than the registrant's word: an expert is
in the expert pool or belongs to an organisation invited as experts; an investor belongs to a fund
or a bank or to an organisation invited as investors; an enterprise representative names an
enterprise they belong to. Nobody scores a slot presented by their own organisation.

Times are read on the platform's clock (Asia/Shanghai). Registration closes at the set closing
time, else when the event starts. The door opens at 00:00 on the day the event starts (not the
day before: a check-in days ahead is what let people score without coming) and closes when the
event ends (the end of its first day when no end is set). Score sheets open an hour before the
start, for slots scored as the programme is read out, and close two hours after the end, for
sheets finished after the last slot.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from hebi.challenges.models import ExpertProfile
from hebi.core.permissions import can_contribute, has_oversight, is_member
from hebi.events.models import Event, EventSlot, Invitation, Registration
from hebi.orgs.models import Membership, Organisation

INVESTOR_KINDS = (Organisation.Kind.FUND, Organisation.Kind.BANK)
SCORING_OPENS_BEFORE_START = datetime.timedelta(hours=1)
SCORING_CLOSES_AFTER_END = datetime.timedelta(hours=2)


def is_committee(user: Any) -> bool:
    """The committee's secretariat and the platform admins, who run events for any organisation."""
    return has_oversight(user)


def can_organise_for(user: Any, organisation: Organisation) -> bool:
    return can_contribute(user, organisation) or is_committee(user)


def can_see_private(user: Any, event: Event) -> bool:
    """Drafts and the report: the organiser's members and the committee."""
    return is_member(user, event.organiser) or is_committee(user)


def can_manage(user: Any, event: Event) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return can_organise_for(user, event.organiser)


def require_manage(user: Any, event: Event) -> None:
    if not can_manage(user, event):
        raise PermissionDenied(_("只有主办单位成员或委员会秘书处可以管理该活动。"))


# -- who may register as what --------------------------------------------------------------------------
@dataclass(frozen=True)
class Standing:
    """What vouches for a person at one event."""

    expert: bool
    investor: bool
    enterprises: frozenset[int]  # ids of the active enterprises the person belongs to


def standing(user: Any, event: Event) -> Standing:
    if not getattr(user, "is_authenticated", False):
        return Standing(expert=False, investor=False, enterprises=frozenset())
    kinds = dict(
        Membership.objects.filter(user=user, organisation__is_active=True).values_list(
            "organisation_id", "organisation__kind"
        )
    )
    invited_as = set(event.invitations.filter(organisation_id__in=kinds).values_list("kind", flat=True))
    in_pool = ExpertProfile.objects.filter(user=user, is_active=True).exists()
    return Standing(
        expert=in_pool or Invitation.Kind.EXPERT in invited_as,
        investor=Invitation.Kind.INVESTOR in invited_as or any(k in INVESTOR_KINDS for k in kinds.values()),
        enterprises=frozenset(pk for pk, kind in kinds.items() if kind == Organisation.Kind.ENTERPRISE),
    )


def role_refusal(
    user: Any, event: Event, role: str, organisation: Organisation | None
) -> tuple[str, str] | None:
    """(field, message) when the person may not register as `role` with `organisation`."""
    have = standing(user, event)
    if role == Registration.Role.EXPERT and not have.expert:
        return "role", _("只有专家库在库专家或受邀专家单位的成员可以以“评审专家”身份报名。")
    if role == Registration.Role.INVESTOR and not have.investor:
        return "role", _("只有基金、银行或受邀投资机构的成员可以以“投资人”身份报名。")
    if role == Registration.Role.ENTERPRISE and (
        organisation is None or organisation.pk not in have.enterprises
    ):
        return "organisation", _("以“企业代表”身份报名时，请选择您所在的企业。")
    return None


def registration_roles(user: Any, event: Event) -> list[tuple[str, Any]]:
    """The role choices the person may take at this event."""
    have = standing(user, event)
    allowed: dict[str, bool] = {
        Registration.Role.INVESTOR: have.investor,
        Registration.Role.ENTERPRISE: bool(have.enterprises),
        Registration.Role.EXPERT: have.expert,
    }
    return [(value, label) for value, label in Registration.Role.choices if allowed.get(value, True)]


def own_organisation_ids(user: Any, registration: Registration | None) -> set[int]:
    """The organisations whose slots the person may not score: the one they registered for and
    every one they belong to (active or not)."""
    ids = set(Membership.objects.filter(user=user).values_list("organisation_id", flat=True))
    if registration is not None and registration.organisation_id is not None:
        ids.add(registration.organisation_id)
    return ids


def is_own_slot(user: Any, registration: Registration | None, slot: EventSlot) -> bool:
    return slot.organisation_id in own_organisation_ids(user, registration)


# -- when ------------------------------------------------------------------------------------------------
def _local(value: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(value, timezone.get_default_timezone())


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_default_timezone())


def event_end(event: Event) -> datetime.datetime:
    """When the event ends: its end, else midnight after the day it starts."""
    if event.ends_at is not None:
        return event.ends_at
    return _midnight(_local(event.starts_at).date() + datetime.timedelta(days=1))


def registration_closes(event: Event) -> datetime.datetime:
    return event.registration_closes_at or event.starts_at


def registration_open(event: Event, now: datetime.datetime | None = None) -> bool:
    return event.status == Event.Status.OPEN and registration_closes(event) > (now or timezone.now())


def check_in_window(event: Event) -> tuple[datetime.datetime, datetime.datetime]:
    return _midnight(_local(event.starts_at).date()), event_end(event)


def scoring_window(event: Event) -> tuple[datetime.datetime, datetime.datetime]:
    return event.starts_at - SCORING_OPENS_BEFORE_START, event_end(event) + SCORING_CLOSES_AFTER_END


def _when(value: datetime.datetime) -> str:
    return f"{_local(value):%Y-%m-%d %H:%M}"


def check_in_refusal(event: Event, now: datetime.datetime | None = None) -> str:
    """Why the door is shut now (an empty string when it is open)."""
    now = now or timezone.now()
    opens, closes = check_in_window(event)
    if now < opens:
        return _("签到尚未开始：活动当天（%(day)s）起方可签到。") % {"day": f"{_local(opens):%Y-%m-%d}"}
    if now >= closes:
        return _("活动已于 %(time)s 结束，不能再签到。") % {"time": _when(closes)}
    return ""


def scoring_refusal(event: Event, now: datetime.datetime | None = None) -> str:
    """Why score sheets are shut now (an empty string when they are open)."""
    now = now or timezone.now()
    opens, closes = scoring_window(event)
    if now < opens:
        return _("现场评分尚未开始：活动开始前 1 小时（%(time)s）起方可评分。") % {"time": _when(opens)}
    if now >= closes:
        return _("现场评分已于 %(time)s 截止。") % {"time": _when(closes)}
    return ""
