from django.contrib import admin

from hebi.finance.models import FundProfile


@admin.register(FundProfile)
class FundProfileAdmin(admin.ModelAdmin):
    list_display = ["organisation", "kind", "size_yuan", "loss_tolerance", "parent"]
    list_filter = ["kind"]
