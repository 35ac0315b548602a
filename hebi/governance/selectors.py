from django.db.models import Prefetch, QuerySet

from hebi.governance.models import ChairTerm, Committee, CommitteeMember, ReportedFigure


def committee_current() -> Committee | None:
    return (
        Committee.objects.prefetch_related(
            "citations",
            Prefetch(
                "members",
                queryset=CommitteeMember.objects.select_related(
                    "organisation", "representative", "liaison"
                ).prefetch_related("citations"),
            ),
            Prefetch(
                "chair_terms",
                queryset=ChairTerm.objects.select_related("member__organisation").prefetch_related(
                    "citations"
                ),
            ),
        )
        .order_by("id")
        .first()
    )


def reported_figures() -> QuerySet[ReportedFigure]:
    return ReportedFigure.objects.select_related("subject").prefetch_related("citations")
