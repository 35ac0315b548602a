from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hebi.core.audit import history_for
from hebi.core.permissions import can_view_private
from hebi.orgs.models import Organisation
from hebi.platforms import selectors

PLATFORM_KINDS = ["park", "pilot_base", "cv_centre", "incubator", "lab"]


@login_required
def platform_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    if kind not in PLATFORM_KINDS:
        kind = ""
    labels = dict(Organisation.Kind.choices)
    return render(
        request,
        "platforms/list.html",
        {
            "platforms": selectors.platform_list(viewer=request.user, kind=kind),
            "kind": kind,
            "kinds": [(k, labels[k]) for k in PLATFORM_KINDS],
        },
    )


@login_required
def platform_detail(request: HttpRequest, pk: int) -> HttpResponse:
    platform = selectors.platform_get(viewer=request.user, pk=pk)
    private = can_view_private(request.user, platform.organisation)
    return render(
        request,
        "platforms/detail.html",
        {"platform": platform, "history": history_for(platform)[:50] if private else None},
    )
