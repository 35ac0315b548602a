"""Reads of technology contracts, scoped by the viewer: what a viewer may not see answers 404."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from hebi.contracts.models import ContractCategory, ContractVersion, TechContract
from hebi.contracts.permissions import can_see_all, member_org_ids
from hebi.core.converters import parse_id
from hebi.core.permissions import has_oversight


def contracts_visible(*, viewer: Any) -> QuerySet[TechContract]:
    """The seller's and the buyer's members see their contracts; registry and committee see all."""
    contracts = TechContract.objects.select_related(
        "seller", "buyer_org", "latest", "in_force", "latest__category", "latest__category__parent"
    )
    if can_see_all(viewer):
        return contracts
    orgs = member_org_ids(viewer)
    if not orgs:
        return contracts.none()
    return contracts.filter(Q(seller_id__in=orgs) | Q(buyer_org_id__in=orgs))


def contract_get(*, viewer: Any, pk: Any) -> TechContract:
    key = parse_id(pk)
    contract = contracts_visible(viewer=viewer).filter(pk=key).first() if key is not None else None
    if contract is None:
        raise Http404(_("没有找到该技术合同。"))
    return contract


def project_for_contract(*, viewer: Any, pk: Any) -> Any:
    """A transfer project a contract may be filed under: one the viewer's organisation takes part
    in (as the result's owner or the enterprise), or any for the committee. Else 404."""
    from hebi.deals.models import TransferProject

    key = parse_id(pk)
    project = TransferProject.objects.filter(pk=key).first() if key is not None else None
    orgs = member_org_ids(viewer)
    if project is None or not (
        has_oversight(viewer) or project.owner_id in orgs or project.enterprise_id in orgs
    ):
        raise Http404(_("没有找到该转化项目。"))
    return project


@dataclass(frozen=True)
class ContractFilters:
    status: str = ""
    category: ContractCategory | None = None  # a category includes its subtypes
    local: bool | None = None
    year: int | None = None  # the year the latest version was signed
    registered_year: int | None = None  # the year of the first registration (what statistics count)
    q: str = ""


def contract_list(*, viewer: Any, filters: ContractFilters | None = None) -> QuerySet[TechContract]:
    """The contracts the viewer may see, filtered on the latest version's content; with a
    registration year (the statistics' drill-down), on the version in force, as the figures are."""
    filters = filters or ContractFilters()
    contracts = contracts_visible(viewer=viewer)
    version = "in_force" if filters.registered_year is not None else "latest"
    if filters.status:
        contracts = contracts.filter(status=filters.status)
    if filters.category is not None:
        contracts = contracts.filter(
            Q(**{f"{version}__category": filters.category})
            | Q(**{f"{version}__category__parent": filters.category})
        )
    if filters.local is not None:
        contracts = contracts.filter(**{f"{version}__is_local": filters.local})
    if filters.year is not None:
        contracts = contracts.filter(latest__signed_on__year=filters.year)
    if filters.registered_year is not None:
        contracts = contracts.filter(registered_at__year=filters.registered_year)
    if filters.q:
        contracts = contracts.filter(
            Q(latest__title__icontains=filters.q) | Q(registration_number__icontains=filters.q)
        )
    return contracts.order_by("-updated_at", "-id")


def contract_versions(contract: TechContract) -> QuerySet[ContractVersion]:
    """Every version of a dossier, newest first, with what its page shows."""
    return (
        contract.versions.select_related("category", "category__parent", "submitted_by", "decided_by")
        .prefetch_related("refusal_reasons", "parties__region", "achievements", "patents")
        .order_by("-number")
    )


def registered_versions() -> QuerySet[ContractVersion]:
    """The version in force of every registered contract: what the statistics count."""
    return ContractVersion.objects.filter(
        contract__status=TechContract.Status.REGISTERED, pk=F("contract__in_force")
    )


def seller_transfer_total(*, seller: Any, year: int) -> Decimal:
    """The seller's registered technology amount of the year under categories whose income counts
    as technology-transfer income (企业所得税 relief), by the registration year."""
    total = (
        registered_versions()
        .filter(
            contract__seller=seller,
            contract__registered_at__year=year,
            category__is_transfer_income=True,
        )
        .aggregate(total=Sum("tech_amount"))["total"]
    )
    return total or Decimal(0)


def review_queue() -> QuerySet[ContractVersion]:
    """Submitted versions, the most urgent first."""
    return (
        ContractVersion.objects.filter(status=ContractVersion.Status.SUBMITTED)
        .select_related("contract", "contract__seller", "category", "category__parent")
        .order_by("due_on", "submitted_at")
    )


@dataclass(frozen=True)
class QueueSummary:
    waiting: int
    due_this_week: int  # due within the next 7 days, not yet overdue
    overdue: int


def review_queue_summary(today: datetime.date | None = None) -> QueueSummary:
    today = today or timezone.localdate()
    queue = review_queue()
    return QueueSummary(
        waiting=queue.count(),
        due_this_week=queue.filter(due_on__gte=today, due_on__lte=today + datetime.timedelta(days=7)).count(),
        overdue=queue.filter(due_on__lt=today).count(),
    )
