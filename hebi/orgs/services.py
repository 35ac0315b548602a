"""Writes to organisations and memberships. Each is atomic and audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from hebi.core import audit
from hebi.core.models import AuditLog
from hebi.core.permissions import forget_roles, require_manage, require_platform_admin
from hebi.core.roles import PLATFORM_ROLES, Role
from hebi.core.validators import normalise_uscc
from hebi.orgs.models import Membership, Organisation

ORGANISATION_FIELDS = [
    "name",
    "short_name",
    "name_en",
    "kind",
    "uscc",
    "region",
    "description",
    "website",
    "address",
    "contact_email",
    "contact_phone",
]


def _clean_input(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(data)
    for key in ("name", "short_name", "name_en"):
        if isinstance(cleaned.get(key), str):
            cleaned[key] = cleaned[key].strip()
    if "uscc" in cleaned:
        cleaned["uscc"] = normalise_uscc(cleaned["uscc"]) if cleaned["uscc"] else None
    return cleaned


@transaction.atomic
def organisation_create(*, actor: Any, **data: Any) -> Organisation:
    require_platform_admin(actor)
    organisation = Organisation(**{k: v for k, v in _clean_input(data).items() if k in ORGANISATION_FIELDS})
    organisation.full_clean()
    organisation.save()
    audit.record_create(
        actor=actor, instance=organisation, fields=ORGANISATION_FIELDS, organisation=organisation
    )
    return organisation


@transaction.atomic
def organisation_update(*, actor: Any, organisation: Organisation, **data: Any) -> dict[str, list[Any]]:
    require_manage(actor, organisation)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    return audit.model_update(
        actor=actor,
        instance=organisation,
        data=_clean_input(data),
        fields=ORGANISATION_FIELDS,
        organisation=organisation,
    )


def check_role_grant(actor: Any, organisation: Organisation, role: str) -> None:
    require_manage(actor, organisation)
    if role in PLATFORM_ROLES:
        # Platform-wide powers are handed out by platform admins only, never by an organisation.
        require_platform_admin(actor)
    if role not in Role.values:
        raise ValidationError({"role": _("未知角色。")})


@transaction.atomic
def membership_add(*, actor: Any, organisation: Organisation, user: Any, role: str) -> Membership:
    check_role_grant(actor, organisation, role)
    if Membership.objects.filter(organisation=organisation, user=user, role=role).exists():
        raise ValidationError({"role": _("该人员已拥有此角色。")})
    membership = Membership.objects.create(organisation=organisation, user=user, role=role)
    audit.record_create(
        actor=actor, instance=membership, fields=["user", "organisation", "role"], organisation=organisation
    )
    forget_roles(user)
    return membership


@transaction.atomic
def membership_remove(*, actor: Any, membership: Membership) -> None:
    organisation = membership.organisation
    check_role_grant(actor, organisation, membership.role)
    if membership.role == Role.ORG_ADMIN:
        admins = Membership.objects.filter(organisation=organisation, role=Role.ORG_ADMIN)
        if admins.count() <= 1:
            raise ValidationError(_("机构至少需要保留一名管理员。"))
    audit.record(
        actor=actor,
        action=AuditLog.Action.DELETE,
        instance=membership,
        changes={"user": [str(membership.user), None], "role": [membership.get_role_display(), None]},
        organisation=organisation,
    )
    membership.delete()
    forget_roles(membership.user)
