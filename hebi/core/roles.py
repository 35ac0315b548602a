"""The roles a person holds in an organisation. Platform-wide powers come from three of them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ORG_ADMIN = "org_admin", _("机构管理员")
    STAFF = "staff", _("工作人员")
    RESEARCHER = "researcher", _("科研人员")
    TECH_MANAGER = "tech_manager", _("技术经理人")
    EXPERT = "expert", _("专家")
    PLATFORM_ADMIN = "platform_admin", _("平台管理员")
    SECRETARIAT = "secretariat", _("委员会秘书处")
    REGISTRY_OFFICER = "registry_officer", _("登记审核员")


# Roles whose holders act for the whole platform, whichever organisation they sit in.
PLATFORM_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.SECRETARIAT, Role.REGISTRY_OFFICER})
# Roles that may read every organisation's private pages (members, history).
OVERSIGHT_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.SECRETARIAT})
