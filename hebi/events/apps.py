from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "hebi.events"
    verbose_name = _("路演与对接会")
