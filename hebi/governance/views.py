from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from hebi.governance import selectors


@login_required
def committee(request: HttpRequest) -> HttpResponse:
    current = selectors.committee_current()
    today = timezone.localdate()
    chair_now = None
    if current is not None:
        chair_now = next((t for t in current.chair_terms.all() if t.starts_on <= today <= t.ends_on), None)
    return render(
        request,
        "governance/committee.html",
        {"committee": current, "chair_now": chair_now, "figures": selectors.reported_figures()},
    )
