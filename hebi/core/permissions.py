"""Who may see and change what. Views, forms and the API all ask here.

The rule of thumb: what a viewer may not see answers 404 (its existence is not revealed);
what a viewer may see but not change answers 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from hebi.core.roles import OVERSIGHT_ROLES, Role

if TYPE_CHECKING:
    from hebi.orgs.models import Organisation

_CACHE_ATTR = "_hebi_roles"


def roles_by_org(user: Any) -> dict[int, set[str]]:
    """{organisation id: {role, ...}} for a signed-in user, cached on the user object per request."""
    if not getattr(user, "is_authenticated", False):
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        from hebi.orgs.models import Membership

        cached = {}
        for org_id, role in Membership.objects.filter(user=user, organisation__is_active=True).values_list(
            "organisation_id", "role"
        ):
            cached.setdefault(org_id, set()).add(role)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_roles(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def all_roles(user: Any) -> set[str]:
    return set().union(*roles_by_org(user).values()) if roles_by_org(user) else set()


def has_platform_role(user: Any, *roles: str) -> bool:
    if getattr(user, "is_superuser", False) and Role.PLATFORM_ADMIN in roles:
        return True
    return bool(all_roles(user) & set(roles))


def is_platform_admin(user: Any) -> bool:
    return has_platform_role(user, Role.PLATFORM_ADMIN)


def has_oversight(user: Any) -> bool:
    return has_platform_role(user, *OVERSIGHT_ROLES)


def is_member(user: Any, organisation: Organisation) -> bool:
    return organisation.pk in roles_by_org(user)


def has_org_role(user: Any, organisation: Organisation, *roles: str) -> bool:
    return bool(roles_by_org(user).get(organisation.pk, set()) & set(roles))


def can_view_private(user: Any, organisation: Organisation) -> bool:
    """Members list, invitations and history: the organisation's own people and the overseers."""
    return is_member(user, organisation) or has_oversight(user)


def can_manage(user: Any, organisation: Organisation) -> bool:
    return has_org_role(user, organisation, Role.ORG_ADMIN) or is_platform_admin(user)


# Roles that may register and edit their organisation's results, patents and needs.
CONTRIBUTOR_ROLES = (Role.ORG_ADMIN, Role.STAFF, Role.RESEARCHER, Role.TECH_MANAGER)


def can_contribute(user: Any, organisation: Organisation) -> bool:
    return has_org_role(user, organisation, *CONTRIBUTOR_ROLES) or is_platform_admin(user)


def contributes_somewhere(user: Any) -> bool:
    """True when the user may register records (or record engagements) for some organisation."""
    return any(roles & set(CONTRIBUTOR_ROLES) for roles in roles_by_org(user).values()) or is_platform_admin(
        user
    )


def require_contribute(user: Any, organisation: Organisation) -> None:
    if not can_contribute(user, organisation):
        raise PermissionDenied(_("只有本机构成员或平台管理员可以执行此操作。"))


def require_private_view(user: Any, organisation: Organisation) -> None:
    if not can_view_private(user, organisation):
        raise Http404(_("没有找到该页面。"))


def require_manage(user: Any, organisation: Organisation) -> None:
    if not can_manage(user, organisation):
        raise PermissionDenied(_("只有本机构管理员或平台管理员可以执行此操作。"))


def require_platform_admin(user: Any) -> None:
    if not is_platform_admin(user):
        raise PermissionDenied(_("只有平台管理员可以执行此操作。"))
