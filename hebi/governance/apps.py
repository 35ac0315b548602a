from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "hebi.governance"
    label = "governance"
    verbose_name = _("委员会与目标")
