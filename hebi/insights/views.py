"""The report pages: thin views over the report builder (hebi/insights/reports.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hebi.insights import charts, exports, reports, selectors


@login_required
@require_GET
def transfers(request: HttpRequest) -> HttpResponse:
    scope = selectors.report_scope(request.user)
    year, problem = selectors.parse_year(request.GET.get("year"))
    if problem:
        messages.warning(request, " ".join([problem, _("已显示 %(year)d 年的统计。") % {"year": year}]))
    report = reports.transfer_report(scope=scope, year=year)
    tables = {table.key: table for table in reports.report_tables(report)}
    return render(
        request,
        "insights/transfers.html",
        {
            "report": report,
            "years": selectors.data_years(),
            "headline": reports.headline(report),
            "tables": tables,
            "charts": charts.report_charts(report),
            "xlsx_url": f"{reverse('insights:transfers-xlsx')}?year={year}",
        },
    )


@login_required
@require_GET
def transfers_xlsx(request: HttpRequest) -> HttpResponse:
    scope = selectors.report_scope(request.user)
    year, problem = selectors.parse_year(request.GET.get("year"))
    if problem:
        # A file cannot carry the message: back to the page, which says what was wrong.
        messages.warning(request, problem)
        return redirect(f"{reverse('insights:transfers')}?year={year}")
    report = reports.transfer_report(scope=scope, year=year)
    tables = [*reports.report_tables(report), reports.engagement_detail_table(report)]
    response = HttpResponse(exports.transfer_workbook(report, tables), content_type=exports.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="hebi-transfers-{year}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response
