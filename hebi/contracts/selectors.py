"""Reads of technology contracts, scoped by the viewer: what a viewer may not see answers 404."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from hebi.contracts.models import ContractVersion, TechContract
from hebi.contracts.permissions import can_see_all, member_org_ids
from hebi.core.converters import parse_id


def contracts_visible(*, viewer: Any) -> QuerySet[TechContract]:
    """The seller's and the buyer's members see their contracts; registry and committee see all."""
    contracts = TechContract.objects.select_related(
        "seller", "buyer_org", "latest", "in_force", "latest__category"
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


def registered_versions() -> QuerySet[ContractVersion]:
    """The version in force of every registered contract: what the statistics count."""
    return ContractVersion.objects.filter(
        contract__status=TechContract.Status.REGISTERED, pk=F("contract__in_force")
    )


def review_queue() -> QuerySet[ContractVersion]:
    """Submitted versions, the most urgent first."""
    return (
        ContractVersion.objects.filter(status=ContractVersion.Status.SUBMITTED)
        .select_related("contract", "contract__seller", "category")
        .order_by("due_on", "submitted_at")
    )
