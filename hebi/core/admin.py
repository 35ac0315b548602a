from django.contrib import admin

from hebi.core.models import AuditLog, Citation


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_label", "action", "content_type", "object_label", "organisation"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_label", "actor_label"]

    # The audit trail is append-only, even for superusers.
    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Citation)
class CitationAdmin(admin.ModelAdmin):
    list_display = ["content_type", "object_id", "fact", "document", "quote"]
    list_filter = ["document", "content_type"]
    search_fields = ["quote", "fact"]
