"""Who may see and change engagements (对接记录) and transfer projects (转化项目).

Engagements: the recording organisation's contributors write; the people of every organisation
met, the work team, the follow-up owner and the committee (oversight) read.
Transfer projects: the contributors of both sides, the project's technology manager, its members
and its work team move it along; the members of both sides and the committee read.
A record the viewer may not read answers 404; an action it may not take answers 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from hebi.core.permissions import can_contribute, has_oversight, is_platform_admin, roles_by_org

if TYPE_CHECKING:
    from hebi.deals.models import Engagement, TransferProject, WorkTeam


def team_ids(user: Any) -> set[int]:
    """The active work teams the user sits in, cached on the user object per request."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_hebi_work_teams", None)
    if cached is None:
        from hebi.deals.models import WorkTeamMember

        cached = set(
            WorkTeamMember.objects.filter(user=user, team__is_active=True).values_list("team_id", flat=True)
        )
        user._hebi_work_teams = cached
    return cached


def can_use_team(user: Any, team: WorkTeam) -> bool:
    """Record for a work team: its members, its lead unit's contributors, platform admins."""
    return team.pk in team_ids(user) or can_contribute(user, team.organisation) or is_platform_admin(user)


# -- engagements ------------------------------------------------------------------------------------
def can_edit_engagement(user: Any, engagement: Engagement) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        engagement.recorded_by_id == user.pk
        or can_contribute(user, engagement.recorder_org)
        or is_platform_admin(user)
    )


def require_edit_engagement(user: Any, engagement: Engagement) -> None:
    if not can_edit_engagement(user, engagement):
        raise PermissionDenied(_("只有记录人、记录单位成员或平台管理员可以修改该对接记录。"))


def can_close_follow_up(user: Any, engagement: Engagement) -> bool:
    return (
        getattr(user, "is_authenticated", False) and engagement.next_step_owner_id == user.pk
    ) or can_edit_engagement(user, engagement)


# -- transfer projects ----------------------------------------------------------------------------------
def can_edit_project(user: Any, project: TransferProject) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if (
        can_contribute(user, project.owner)
        or can_contribute(user, project.enterprise)
        or is_platform_admin(user)
    ):
        return True
    if project.manager_id == user.pk or (project.team_id is not None and project.team_id in team_ids(user)):
        return True
    return project.members.filter(pk=user.pk).exists()


def require_edit_project(user: Any, project: TransferProject) -> None:
    if not can_edit_project(user, project):
        raise PermissionDenied(_("只有项目双方单位成员、技术经理人、项目成员或所在专班可以操作该项目。"))


def can_start_project(user: Any, owner: Any, enterprise: Any, team: WorkTeam | None = None) -> bool:
    return (
        can_contribute(user, owner)
        or can_contribute(user, enterprise)
        or (team is not None and team.pk in team_ids(user))
        or is_platform_admin(user)
    )


def sees_everything(user: Any) -> bool:
    return has_oversight(user)


def member_org_ids(user: Any) -> set[int]:
    return set(roles_by_org(user))
