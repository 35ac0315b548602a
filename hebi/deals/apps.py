from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealsConfig(AppConfig):
    name = "hebi.deals"
    verbose_name = _("对接与转化项目")
