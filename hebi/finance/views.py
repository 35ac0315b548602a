from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hebi.core.audit import history_for
from hebi.core.permissions import can_view_private
from hebi.finance import selectors


@login_required
def fund_list(request: HttpRequest) -> HttpResponse:
    return render(request, "finance/list.html", {"funds": selectors.fund_list(viewer=request.user)})


@login_required
def fund_detail(request: HttpRequest, pk: int) -> HttpResponse:
    fund = selectors.fund_get(viewer=request.user, pk=pk)
    private = can_view_private(request.user, fund.organisation)
    return render(
        request, "finance/detail.html", {"fund": fund, "history": history_for(fund)[:50] if private else None}
    )
