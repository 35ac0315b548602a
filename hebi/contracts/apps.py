from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "hebi.contracts"
    verbose_name = _("技术合同")
