"""Reference data that officials may change: fields, TRL wording, patent value indicators and
the search dictionary. Records themselves are edited through the platform's own pages."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from hebi.catalog.models import PatentValueIndicator, ReadinessLevel, SearchTerm, TechField


@admin.register(TechField)
class TechFieldAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "order"]
    list_editable = ["order"]
    search_fields = ["code", "name", "name_en"]


@admin.register(ReadinessLevel)
class ReadinessLevelAdmin(admin.ModelAdmin):
    list_display = ["level", "name", "name_en", "source"]
    ordering = ["level"]


@admin.register(PatentValueIndicator)
class PatentValueIndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "dimension", "name", "rule", "weight", "is_active"]
    list_editable = ["weight", "is_active"]
    list_filter = ["dimension", "is_active"]


@admin.action(description=_("重建检索索引（词典修改后执行）"))
def rebuild_search_index(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    from hebi.catalog.tasks import reindex_search

    reindex_search.enqueue()
    modeladmin.message_user(request, _("已提交后台任务：按当前词典重建检索索引。"), messages.SUCCESS)


@admin.register(SearchTerm)
class SearchTermAdmin(admin.ModelAdmin):
    list_display = ["word", "synonyms", "note", "updated_at"]
    search_fields = ["word", "note"]
    actions = [rebuild_search_index]
