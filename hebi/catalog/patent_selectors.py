"""Reads of patents and patent imports, scoped by the viewer.

Patents are public registry facts: anyone signed in reads them. Import jobs belong to the
importing organisation: people who may not manage its patents get a 404, as if none existed.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from hebi.catalog.models import ImportJob, Patent, PatentFeedback
from hebi.catalog.patent_services import can_edit_patents
from hebi.core.converters import parse_id
from hebi.core.permissions import can_view_private, roles_by_org
from hebi.orgs.models import Organisation

SORTS: dict[str, list[Any]] = {
    "-date": ["-application_date", "application_number"],
    "date": ["application_date", "application_number"],
    "-score": [F("score_total").desc(nulls_last=True), "-application_date"],
    "score": [F("score_total").asc(nulls_last=True), "-application_date"],
}


def patent_list(
    *,
    viewer: Any,
    organisation: Organisation | None = None,
    stage: str = "",
    legal_status: str = "",
    kind: str = "",
    query: str = "",
    sort: str = "",
) -> QuerySet[Patent]:
    qs = Patent.objects.select_related("owner")
    if organisation is not None:
        qs = qs.filter(owner=organisation)
    if stage:
        qs = qs.filter(stage=stage)
    if legal_status:
        qs = qs.filter(legal_status=legal_status)
    if kind:
        qs = qs.filter(kind=kind)
    query = " ".join((query or "").split())[:100]
    if query:
        qs = qs.filter(
            Q(title__icontains=query)
            | Q(abstract__icontains=query)
            | Q(application_number__icontains=query)
            | Q(publication_number__icontains=query.upper())
        )
    return qs.order_by(*SORTS.get(sort, SORTS["-date"]))


def patent_get(*, viewer: Any, pk: int) -> Patent:
    return get_object_or_404(Patent.objects.select_related("owner", "owner__region"), pk=pk)


def active_organisation(*, viewer: Any, pk: Any) -> Organisation:
    number = parse_id(pk)
    if number is None:
        raise Http404(_("没有找到该机构。"))
    return get_object_or_404(Organisation, pk=number, is_active=True)


def feedback_visible(*, viewer: Any, patent: Patent) -> QuerySet[PatentFeedback]:
    """All feedback for the owner's people and the overseers; an enterprise sees its own."""
    qs = PatentFeedback.objects.filter(patent=patent).select_related("organisation", "author")
    if can_view_private(viewer, patent.owner):
        return qs
    return qs.filter(organisation_id__in=list(roles_by_org(viewer).keys()))


def feedback_organisations(*, viewer: Any) -> QuerySet[Organisation]:
    """The enterprises the viewer may speak for."""
    return Organisation.objects.filter(
        pk__in=list(roles_by_org(viewer).keys()), kind=Organisation.Kind.ENTERPRISE, is_active=True
    ).order_by("name")


def import_job_get(*, viewer: Any, pk: int) -> ImportJob:
    job = get_object_or_404(ImportJob.objects.select_related("organisation", "uploaded_by"), pk=pk)
    if not can_edit_patents(viewer, job.organisation):
        raise Http404(_("没有找到该导入任务。"))
    return job


def import_jobs_recent(*, viewer: Any, organisation: Organisation, limit: int = 10) -> QuerySet[ImportJob]:
    if not can_edit_patents(viewer, organisation):
        return ImportJob.objects.none()
    return ImportJob.objects.filter(organisation=organisation).select_related("uploaded_by")[:limit]
