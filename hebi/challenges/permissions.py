"""Who may see and do what with challenges, applications, panels and milestone contracts.

- A challenge: its issuer's contributors draft and edit it (draft / returned); the committee
  secretariat (and platform admins) approve, return, open the review and decide. Once published
  everyone sees it, signed in or not; before that only the issuer's people and the secretariat.
- An application: the contributors of its lead organisation write it while it is a draft; the
  members of the lead and partner organisations read it; so do the secretariat, the experts of
  the challenge's review panel (a milestone panel's experts: only their contract's application)
  and, once submitted, the issuer's people.
- Scores: an expert sees only their own; the secretariat sees all; the issuer and applicants see
  the aggregate and rank after the decision.
A record the viewer may not read answers 404; an action it may not take answers 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from hebi.core.permissions import can_contribute, has_platform_role, is_member, roles_by_org
from hebi.core.roles import Role
from hebi.orgs.models import Organisation

if TYPE_CHECKING:
    from hebi.challenges.models import Application, Challenge, ExpertProfile, MilestoneContract

ISSUER_KINDS = (Organisation.Kind.ENTERPRISE, Organisation.Kind.GOVERNMENT)


def is_secretariat(user: Any) -> bool:
    """The committee secretariat and platform admins run calls, panels and contracts."""
    return has_platform_role(user, Role.SECRETARIAT, Role.PLATFORM_ADMIN)


def require_secretariat(user: Any) -> None:
    if not is_secretariat(user):
        raise PermissionDenied(_("只有委员会秘书处可以执行此操作。"))


def expert_profile(user: Any) -> ExpertProfile | None:
    """The user's active expert profile, cached on the user object per request."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_hebi_expert"):
        from hebi.challenges.models import ExpertProfile

        user._hebi_expert = ExpertProfile.objects.filter(user=user, is_active=True).first()
    profile: ExpertProfile | None = user._hebi_expert
    return profile


# -- challenges -------------------------------------------------------------------------------------
def can_issue_for(user: Any, organisation: Organisation) -> bool:
    return organisation.kind in ISSUER_KINDS and can_contribute(user, organisation)


def issuing_organisations(user: Any) -> list[Organisation]:
    """Enterprises and government bodies the user may post challenges for."""
    ids = list(roles_by_org(user))
    return [
        o for o in Organisation.objects.filter(pk__in=ids, kind__in=ISSUER_KINDS) if can_contribute(user, o)
    ]


def is_issuer_member(user: Any, challenge: Challenge) -> bool:
    return is_member(user, challenge.issuer)


def can_view_challenge(user: Any, challenge: Challenge) -> bool:
    """Published calls for everyone; before that the issuer's people, and the secretariat once the
    call was submitted (a draft is the issuer's private work)."""
    if challenge.published_at is not None or is_issuer_member(user, challenge):
        return True
    if not is_secretariat(user) or challenge.status == "draft":
        return False
    if challenge.status != "cancelled":
        return True
    # Cancelled before publication: only if it had been submitted (a draft cancelled stays private).
    from hebi.catalog.workflow import status_history

    return status_history(challenge).filter(to_status="pending").exists()


def can_edit_challenge(user: Any, challenge: Challenge) -> bool:
    return challenge.status in ("draft", "returned") and can_contribute(user, challenge.issuer)


def require_edit_challenge(user: Any, challenge: Challenge) -> None:
    if not can_contribute(user, challenge.issuer):
        raise PermissionDenied(_("只有发榜单位的成员可以修改榜单。"))


def can_answer_questions(user: Any, challenge: Challenge) -> bool:
    return can_contribute(user, challenge.issuer) or is_secretariat(user)


# -- applications -----------------------------------------------------------------------------------
def application_org_ids(application: Application) -> set[int]:
    return {application.lead_id, *application.partners.values_list("pk", flat=True)}


def is_applicant(user: Any, application: Application) -> bool:
    return bool(set(roles_by_org(user)) & application_org_ids(application))


def sits_on_panel(user: Any, challenge: Challenge, *, application: Application | None = None) -> bool:
    """Whether the user's active expert profile sits on a panel of the challenge.

    With `application`, only a panel that reviews that application counts: the challenge's review
    panel (which reads every application of the call), or the mid-term / acceptance panel of the
    application's own contract. A milestone expert has no business with the other applicants."""
    profile = expert_profile(user)
    if profile is None:
        return False
    panels = challenge.panels.filter(memberships__expert=profile)
    if application is None:
        return panels.exists()
    from hebi.challenges.models import Panel

    return panels.filter(
        Q(kind=Panel.Kind.REVIEW) | Q(milestone__contract__application_id=application.pk)
    ).exists()


def can_view_application(user: Any, application: Application) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if is_applicant(user, application) or is_secretariat(user):
        return True
    if application.status == "draft":
        return False
    return (
        application.status != "withdrawn" and is_issuer_member(user, application.challenge)
    ) or sits_on_panel(user, application.challenge, application=application)


def can_edit_application(user: Any, application: Application) -> bool:
    return application.status == "draft" and can_contribute(user, application.lead)


def require_edit_application(user: Any, application: Application) -> None:
    if not can_contribute(user, application.lead):
        raise PermissionDenied(_("只有牵头单位的成员可以修改或撤回申报。"))


# -- milestone contracts ----------------------------------------------------------------------------
def can_view_contract(user: Any, contract: MilestoneContract) -> bool:
    application = contract.application
    return (
        is_secretariat(user)
        or is_applicant(user, application)
        or is_issuer_member(user, application.challenge)
        or sits_on_panel(user, application.challenge)
    )
