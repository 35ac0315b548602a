from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from hebi.finance.models import FundProfile


def fund_list(*, viewer: object) -> QuerySet[FundProfile]:
    return (
        FundProfile.objects.filter(organisation__is_active=True)
        .select_related("organisation", "parent__organisation")
        .order_by("parent_id", "organisation__name")
    )


def fund_get(*, viewer: object, pk: int) -> FundProfile:
    return get_object_or_404(
        FundProfile.objects.select_related("organisation__region", "parent__organisation").prefetch_related(
            "citations", "children__organisation", "organisation__reported_figures__citations"
        ),
        pk=pk,
        organisation__is_active=True,
    )
