"""Who may see, edit and review technology contracts.

The seller's contributors edit and submit; the buyer's members, the registry officers and the
committee (platform admins, secretariat) read; only registry officers (and platform admins)
decide on a registration.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from hebi.core.permissions import can_contribute, has_oversight, has_platform_role, roles_by_org
from hebi.core.roles import Role


def can_review(user: Any) -> bool:
    return has_platform_role(user, Role.REGISTRY_OFFICER, Role.PLATFORM_ADMIN)


def can_see_all(user: Any) -> bool:
    return can_review(user) or has_oversight(user)


def require_review(user: Any) -> None:
    if not can_review(user):
        raise PermissionDenied(_("只有登记审核员可以审核技术合同。"))


def can_edit(user: Any, seller: Any) -> bool:
    return can_contribute(user, seller)


def require_edit(user: Any, seller: Any) -> None:
    if not can_edit(user, seller):
        raise PermissionDenied(_("只有卖方单位的成员可以填写和提交该合同。"))


def member_org_ids(user: Any) -> set[int]:
    return set(roles_by_org(user))
