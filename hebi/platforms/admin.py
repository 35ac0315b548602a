from django.contrib import admin

from hebi.platforms.models import PlatformProfile, Target


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0


@admin.register(PlatformProfile)
class PlatformProfileAdmin(admin.ModelAdmin):
    list_display = ["organisation", "status"]
    filter_horizontal = ["co_builders"]
    inlines = [TargetInline]
