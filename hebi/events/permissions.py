"""Who may see and run roadshows and matching events (路演, 对接会).

An event open for registration, held or cancelled is public: the calendar of events is public
information. A draft is seen by the organiser's members and the committee (secretariat, platform
admins) only; anyone else gets 404. The organiser's contributors and the committee run the event
(edit, slots, invitations, check-in, follow-ups): anyone else who can see it gets 403. The report
reads like a draft: the organiser's members and the committee; 404 for the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from hebi.core.permissions import can_contribute, has_oversight, is_member

if TYPE_CHECKING:
    from hebi.events.models import Event
    from hebi.orgs.models import Organisation


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
