from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "hebi.insights"
    verbose_name = _("统计报表")
