from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hebi.core.permissions import all_roles, has_oversight, has_platform_role, is_platform_admin
from hebi.core.roles import Role


def _with_state(request: HttpRequest, items: list[tuple[str, Any]]) -> list[tuple[str, Any, bool]]:
    """(href, label, active): active when the page lies under the item's address (a prefix match,
    so /challenges/contracts/ is 揭榜挂帅, not 技术合同 at /contracts/)."""
    path = request.path
    found = []
    for url_name, label in items:
        href = reverse(url_name)
        found.append((href, label, path == href or (href != "/" and path.startswith(href))))
    return found


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    halls = [
        ("catalog:achievement-hall", _("成果大厅")),
        ("catalog:need-hall", _("需求大厅")),
        ("challenges:hall", _("揭榜挂帅")),
        ("events:list", _("路演与对接会")),
    ]
    if user is None or not user.is_authenticated:
        return {"nav_items": _with_state(request, halls)}
    items = [
        ("core:home", _("首页")),
        *halls,
        ("catalog:workspace", _("工作台")),
        ("orgs:directory", pgettext_lazy("navigation", "机构")),
        ("governance:committee", _("委员会")),
        ("platforms:list", _("平台载体")),
        ("finance:list", _("基金")),
        ("deals:index", _("对接与转化")),
        ("contracts:list", _("技术合同")),
        ("licences:list", _("许可与收益")),
        ("insights:transfers", _("统计报表")),
    ]
    from hebi.challenges.permissions import expert_profile

    if expert_profile(user) is not None:
        items.append(("challenges:score-list", _("我的评审")))
    if has_platform_role(user, Role.SECRETARIAT, Role.PLATFORM_ADMIN):
        items.append(("challenges:board", _("揭榜看板")))
    if has_platform_role(user, Role.REGISTRY_OFFICER, Role.PLATFORM_ADMIN):
        items.append(("contracts:review", _("登记审核")))
    if is_platform_admin(user):
        items.append(("core:audit", _("审计日志")))
    if has_oversight(user):
        items.append(("matching:report", _("匹配反馈")))
        items.append(("matching:index", _("语义向量")))
    roles = all_roles(user)
    return {
        "nav_items": _with_state(request, items),
        "nav_is_platform_admin": is_platform_admin(user),
        "nav_roles": [Role(r).label for r in sorted(roles)],
    }
