from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from hebi.platforms.models import PlatformProfile


def platform_list(*, viewer: object, kind: str = "") -> QuerySet[PlatformProfile]:
    qs = (
        PlatformProfile.objects.filter(organisation__is_active=True)
        .select_related("organisation__region")
        .prefetch_related("co_builders", "targets")
        .order_by("organisation__kind", "organisation__name")
    )
    return qs.filter(organisation__kind=kind) if kind else qs


def platform_get(*, viewer: object, pk: int) -> PlatformProfile:
    return get_object_or_404(
        PlatformProfile.objects.select_related("organisation__region").prefetch_related(
            "co_builders", "targets__citations", "citations", "organisation__citations"
        ),
        pk=pk,
        organisation__is_active=True,
    )
