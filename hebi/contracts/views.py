from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hebi.contracts import selectors


@login_required
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(viewer=request.user, pk=pk)
    return render(request, "contracts/detail.html", {"contract": contract})
