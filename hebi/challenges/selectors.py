"""Reads of challenges and applications, always scoped by the viewer (see permissions.py)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from hebi.challenges import permissions
from hebi.challenges.models import Application, Challenge, PanelMember
from hebi.core.converters import parse_id
from hebi.core.permissions import roles_by_org


def challenges_visible(*, viewer: Any) -> QuerySet[Challenge]:
    """Published challenges for everyone; drafts for their issuer's people and the secretariat."""
    qs = Challenge.objects.all()
    if permissions.is_secretariat(viewer):
        return qs
    return qs.filter(Q(published_at__isnull=False) | Q(issuer_id__in=list(roles_by_org(viewer))))


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
    viewer's organisation's challenges, and those the viewer's panels review."""
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
        on_panel = PanelMember.objects.filter(panel__challenge_id=OuterRef("challenge_id"), expert=profile)
        condition |= ~Q(status=Application.Status.DRAFT) & Exists(on_panel)
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
