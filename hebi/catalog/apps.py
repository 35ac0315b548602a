from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "hebi.catalog"
    verbose_name = _("成果、专利与需求")

    def ready(self) -> None:
        # Connects the signal handlers that keep every process's search dictionary current.
        from hebi.catalog.search import lexicon  # noqa: F401
        from hebi.catalog.search.backend import repair_search_index

        # SQLite rebuilds a table when a later migration alters it, dropping the triggers that
        # keep the full-text index in step; put them back after every migrate.
        post_migrate.connect(repair_search_index, sender=self)
