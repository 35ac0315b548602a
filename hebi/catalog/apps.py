from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "hebi.catalog"
    verbose_name = _("成果、专利与需求")
