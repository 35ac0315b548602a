"""API routes of this area, included by hebi/api_urls.py under /api/v1/."""

from django.urls import URLPattern, URLResolver, path

from hebi.insights.api import TransferReportView

urlpatterns: list[URLPattern | URLResolver] = [
    path("reports/transfers/", TransferReportView.as_view(), name="report-transfers"),
]
