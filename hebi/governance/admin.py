from django.contrib import admin

from hebi.governance.models import ChairTerm, Committee, CommitteeMember, ReportedFigure


class CommitteeMemberInline(admin.TabularInline):
    model = CommitteeMember
    extra = 0


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["name", "founded_on", "renamed_to"]
    inlines = [CommitteeMemberInline]


@admin.register(ChairTerm)
class ChairTermAdmin(admin.ModelAdmin):
    list_display = ["member", "holder_title", "starts_on", "ends_on"]


@admin.register(ReportedFigure)
class ReportedFigureAdmin(admin.ModelAdmin):
    list_display = ["label", "subject", "value", "unit", "as_of"]
    search_fields = ["label", "metric"]
