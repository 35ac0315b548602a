from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hebi.finance import selectors


@login_required
def fund_list(request: HttpRequest) -> HttpResponse:
    return render(request, "finance/list.html", {"funds": selectors.fund_list(viewer=request.user)})


@login_required
def fund_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "finance/detail.html", {"fund": selectors.fund_get(viewer=request.user, pk=pk)})
