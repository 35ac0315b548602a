"""Reads of licences, equity arrangements and income distributions, scoped by the viewer.

Licences: the licensor's and the licensee's members, the registry officers and the committee.
Equity: the owner's, the investor's and the linked contract's or project's members, and the same
overseers. Distributions: the organisation's members, the people who received a share, and the
committee. What a viewer may not see answers 404.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hebi.contracts.models import (
    EquityArrangement,
    IncomeDistribution,
    Licence,
    LicencePayment,
    TechContract,
)
from hebi.contracts.permissions import can_see_all, member_org_ids
from hebi.core.converters import parse_id
from hebi.core.permissions import has_oversight

UPCOMING_DAYS = 30


# -- licences ---------------------------------------------------------------------------------------
def licences_visible(*, viewer: Any) -> QuerySet[Licence]:
    licences = Licence.objects.select_related(
        "contract", "contract__seller", "contract__latest", "contract__in_force", "licensee"
    )
    if can_see_all(viewer):
        return licences
    orgs = member_org_ids(viewer)
    if not orgs:
        return licences.none()
    return licences.filter(Q(contract__seller_id__in=orgs) | Q(licensee_id__in=orgs))


def licence_list(
    *,
    viewer: Any,
    mode: str = "",
    status: str = "",
    upcoming_days: int | None = None,
    today: datetime.date | None = None,
) -> QuerySet[Licence]:
    """Visible licences, newest first; `upcoming_days` keeps those with an unpaid payment due
    within that many days (overdue ones included)."""
    licences = licences_visible(viewer=viewer)
    if mode:
        licences = licences.filter(mode=mode)
    if status:
        licences = licences.filter(status=status)
    if upcoming_days is not None:
        horizon = (today or timezone.localdate()) + datetime.timedelta(days=upcoming_days)
        due = LicencePayment.objects.filter(paid_on__isnull=True, due_on__lte=horizon)
        licences = licences.filter(pk__in=due.values("licence_id")).exclude(status=Licence.Status.ENDED)
    return licences.annotate(
        planned_total=Sum("payments__amount"),
        paid_total=Sum("payments__paid_amount"),
        unpaid_count=Count("payments", filter=Q(payments__paid_on__isnull=True)),
    ).order_by("-created_at", "-id")


def licence_get(*, viewer: Any, pk: Any) -> Licence:
    key = parse_id(pk)
    licence = licences_visible(viewer=viewer).filter(pk=key).first() if key is not None else None
    if licence is None:
        raise Http404(_("没有找到该许可。"))
    return licence


def licence_for_contract(*, viewer: Any, contract: TechContract) -> Licence | None:
    return licences_visible(viewer=viewer).filter(contract=contract).first()


def payment_get(*, viewer: Any, pk: Any) -> LicencePayment:
    key = parse_id(pk)
    visible = licences_visible(viewer=viewer)
    payment = (
        LicencePayment.objects.select_related("licence", "licence__contract", "licence__contract__seller")
        .filter(pk=key, licence__in=visible)
        .first()
        if key is not None
        else None
    )
    if payment is None:
        raise Http404(_("没有找到该笔款项。"))
    return payment


@dataclass
class PaymentRow:
    payment: LicencePayment
    state: str  # paid, overdue, due (within UPCOMING_DAYS), planned, to_compute (royalty not yet known)
    days_left: int

    @property
    def state_label(self) -> str:
        return str(PAYMENT_STATES[self.state])


PAYMENT_STATES = {
    "paid": gettext_lazy("已付"),
    "overdue": gettext_lazy("已逾期"),
    "due": gettext_lazy("即将到期"),
    "planned": gettext_lazy("计划中"),
    "to_compute": gettext_lazy("待计算"),
}


@dataclass
class Schedule:
    rows: list[PaymentRow] = field(default_factory=list)
    planned: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)
    outstanding: Decimal = Decimal(0)
    overdue: Decimal = Decimal(0)
    overdue_count: int = 0


def payment_state(payment: LicencePayment, today: datetime.date) -> str:
    if payment.paid_on is not None:
        return "paid"
    if payment.due_on < today:
        return "overdue"
    if payment.kind == LicencePayment.Kind.ROYALTY and payment.amount == 0:
        return "to_compute"
    if payment.due_on <= today + datetime.timedelta(days=UPCOMING_DAYS):
        return "due"
    return "planned"


def licence_schedule(licence: Licence, today: datetime.date | None = None) -> Schedule:
    """The payment rows with their states and the totals the detail page shows (元)."""
    today = today or timezone.localdate()
    schedule = Schedule()
    for payment in licence.payments.select_related("recorded_by").order_by("due_on", "id"):
        state = payment_state(payment, today)
        schedule.rows.append(PaymentRow(payment, state, (payment.due_on - today).days))
        schedule.planned += payment.amount
        if payment.paid_amount is not None:
            schedule.paid += payment.paid_amount
        else:
            schedule.outstanding += payment.amount
        if state == "overdue":
            schedule.overdue += payment.amount
            schedule.overdue_count += 1
    return schedule


def upcoming_payments(
    *, viewer: Any, within_days: int = UPCOMING_DAYS, today: datetime.date | None = None
) -> QuerySet[LicencePayment]:
    """Unpaid payments of the viewer's live licences due within `within_days` (and overdue ones)."""
    horizon = (today or timezone.localdate()) + datetime.timedelta(days=within_days)
    return (
        LicencePayment.objects.filter(
            licence__in=licences_visible(viewer=viewer).exclude(status=Licence.Status.ENDED),
            paid_on__isnull=True,
            due_on__lte=horizon,
        )
        .select_related("licence", "licence__contract", "licence__contract__latest", "licence__licensee")
        .order_by("due_on", "id")
    )


# -- equity -------------------------------------------------------------------------------------------
def equity_visible(*, viewer: Any) -> QuerySet[EquityArrangement]:
    arrangements = EquityArrangement.objects.select_related(
        "owner", "investor", "contract", "contract__latest", "project"
    )
    if can_see_all(viewer):
        return arrangements
    orgs = member_org_ids(viewer)
    if not orgs:
        return arrangements.none()
    return arrangements.filter(
        Q(owner_id__in=orgs)
        | Q(investor_id__in=orgs)
        | Q(contract__buyer_org_id__in=orgs)
        | Q(project__owner_id__in=orgs)
        | Q(project__enterprise_id__in=orgs)
    )


def equity_list(
    *, viewer: Any, organisation: Any = None, contract: TechContract | None = None, status: str = ""
) -> QuerySet[EquityArrangement]:
    arrangements = equity_visible(viewer=viewer)
    if organisation is not None:
        arrangements = arrangements.filter(Q(owner=organisation) | Q(investor=organisation))
    if contract is not None:
        arrangements = arrangements.filter(contract=contract)
    if status:
        arrangements = arrangements.filter(status=status)
    return arrangements.order_by("-agreed_on", "-id")


def equity_get(*, viewer: Any, pk: Any) -> EquityArrangement:
    key = parse_id(pk)
    found = equity_visible(viewer=viewer).filter(pk=key).first() if key is not None else None
    if found is None:
        raise Http404(_("没有找到该作价投资或先投后股安排。"))
    return found


# -- income distribution ----------------------------------------------------------------------------
def distributions_visible(*, viewer: Any) -> QuerySet[IncomeDistribution]:
    distributions = IncomeDistribution.objects.select_related(
        "organisation", "contract", "contract__latest", "recorded_by"
    )
    if has_oversight(viewer):
        return distributions
    if not getattr(viewer, "is_authenticated", False):
        return distributions.none()
    orgs = member_org_ids(viewer)
    return distributions.filter(Q(organisation_id__in=orgs) | Q(shares__user=viewer)).distinct()


def distribution_list(
    *,
    viewer: Any,
    organisation: Any = None,
    year: int | None = None,
    contract: TechContract | None = None,
    below_default: bool = False,
) -> QuerySet[IncomeDistribution]:
    distributions = distributions_visible(viewer=viewer)
    if organisation is not None:
        distributions = distributions.filter(organisation=organisation)
    if year is not None:
        distributions = distributions.filter(year=year)
    if contract is not None:
        distributions = distributions.filter(contract=contract)
    if below_default:
        distributions = distributions.filter(below_default=True)
    return distributions.order_by("-received_on", "-id")


def distribution_get(*, viewer: Any, pk: Any) -> IncomeDistribution:
    key = parse_id(pk)
    found = distributions_visible(viewer=viewer).filter(pk=key).first() if key is not None else None
    if found is None:
        raise Http404(_("没有找到该收益分配记录。"))
    return found


@dataclass(frozen=True)
class DistributionTotal:
    """One organisation's distributions in one year (元; team ratio in % of net income)."""

    organisation_id: int
    organisation_name: str
    year: int
    count: int
    income: Decimal
    net_income: Decimal
    team_amount: Decimal
    below_default_count: int

    @property
    def team_ratio(self) -> Decimal:
        if not self.net_income:
            return Decimal(0)
        return (self.team_amount * 100 / self.net_income).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def distribution_totals(*, viewer: Any, year: int | None = None) -> list[DistributionTotal]:
    """Totals per organisation and year: the viewer's organisations, or all for the committee."""
    rows = IncomeDistribution.objects.all()
    if not has_oversight(viewer):
        rows = rows.filter(organisation_id__in=member_org_ids(viewer))
    if year is not None:
        rows = rows.filter(year=year)
    grouped = (
        rows.order_by()
        .values("organisation_id", "organisation__name", "year")
        .annotate(
            count=Count("id"),
            income=Sum("income"),
            net=Sum("net_income"),
            team=Sum("team_amount"),
            below=Count("id", filter=Q(below_default=True)),
        )
        .order_by("-year", "organisation__name")
    )
    return [
        DistributionTotal(
            organisation_id=row["organisation_id"],
            organisation_name=row["organisation__name"],
            year=row["year"],
            count=row["count"],
            income=row["income"] or Decimal(0),
            net_income=row["net"] or Decimal(0),
            team_amount=row["team"] or Decimal(0),
            below_default_count=row["below"],
        )
        for row in grouped
    ]


def distribution_years(*, viewer: Any) -> list[int]:
    rows = IncomeDistribution.objects.all()
    if not has_oversight(viewer):
        rows = rows.filter(organisation_id__in=member_org_ids(viewer))
    return sorted(set(rows.values_list("year", flat=True)), reverse=True)
