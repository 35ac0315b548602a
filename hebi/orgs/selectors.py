"""Reads of organisations and people, always scoped by the viewer."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from hebi.core.permissions import has_oversight, require_private_view, roles_by_org
from hebi.orgs.models import Membership, Organisation, Region

User = get_user_model()


def organisation_list(
    *, viewer: Any, query: str = "", kind: str = "", region: str = ""
) -> QuerySet[Organisation]:
    """The directory: every active organisation's public profile is visible to signed-in people."""
    qs = Organisation.objects.filter(is_active=True).select_related("region")
    if query:
        qs = qs.filter(
            Q(name__icontains=query)
            | Q(short_name__icontains=query)
            | Q(name_en__icontains=query)
            | Q(uscc__iexact=query)
        )
    if kind:
        qs = qs.filter(kind=kind)
    if region:
        qs = qs.filter(region__code__startswith=region.rstrip("0") or region)
    return qs.annotate(member_count=Count("memberships__user", distinct=True)).order_by("kind", "name")


def organisation_get(*, viewer: Any, pk: int) -> Organisation:
    return get_object_or_404(Organisation.objects.select_related("region"), pk=pk, is_active=True)


def organisation_members(*, viewer: Any, organisation: Organisation) -> QuerySet[Membership]:
    require_private_view(viewer, organisation)
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("user__display_name", "user__username", "role")
    )


def visible_people(*, viewer: Any) -> QuerySet[Any]:
    """People the viewer may look up: themselves and colleagues; overseers see everyone."""
    if has_oversight(viewer):
        return User.objects.filter(is_active=True)
    org_ids = list(roles_by_org(viewer).keys())
    return User.objects.filter(Q(pk=viewer.pk) | Q(memberships__organisation_id__in=org_ids)).distinct()


def person_get(*, viewer: Any, pk: int) -> Any:
    return get_object_or_404(visible_people(viewer=viewer), pk=pk)


def person_memberships(*, viewer: Any, person: Any) -> QuerySet[Membership]:
    qs = Membership.objects.filter(user=person).select_related("organisation")
    if not has_oversight(viewer) and viewer.pk != person.pk:
        qs = qs.filter(organisation_id__in=list(roles_by_org(viewer).keys()))
    return qs


def viewer_organisations(*, viewer: Any) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=list(roles_by_org(viewer).keys())).order_by("name")


def region_choices() -> QuerySet[Region]:
    return Region.objects.order_by("code")
