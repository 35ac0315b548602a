"""Work teams (专班) are set up by the committee's secretariat in the admin; engagements and
projects are recorded through the platform's own pages."""

from django.contrib import admin

from hebi.deals.models import WorkTeam, WorkTeamMember


class WorkTeamMemberInline(admin.TabularInline):
    model = WorkTeamMember
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(WorkTeam)
class WorkTeamAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "focus", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "focus", "organisation__name"]
    autocomplete_fields = ["organisation"]
    inlines = [WorkTeamMemberInline]
