"""Writes after a contract is signed: licence terms and their payment schedule (including
先使用后付费), evidence of use, 作价投资 / 先投后股 arrangements and the distribution of income
to the team (收益分配, 促进科技成果转化法 第45条).

Every write is atomic and audited; warnings (a trial shorter than a year, a team share below the
statutory default) never refuse: they are computed from the stored data and shown where it is.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hebi.catalog import workflow
from hebi.contracts.models import (
    DistributionRule,
    DistributionShare,
    EquityArrangement,
    IncomeDistribution,
    Licence,
    LicencePayment,
    LicenceScope,
    TechContract,
    UsageEvidence,
)
from hebi.core import audit
from hebi.core.models import AuditLog
from hebi.core.permissions import CONTRIBUTOR_ROLES, can_contribute
from hebi.orgs.models import Organisation

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
# A royalty is paid this many days after the quarter it is computed on.
ROYALTY_DAYS_AFTER = 30
# At most this many quarterly royalty rows are planned ahead (ten years).
MAX_ROYALTY_ROWS = 40
MAX_INSTALMENTS = 60

LICENCE_FIELDS = [
    "licensee",
    "scope",
    "territory",
    "mode",
    "entry_fee",
    "trial_start",
    "trial_end",
    "payment",
    "royalty_rate",
    "status",
]
PAYMENT_FIELDS = ["kind", "due_on", "amount", "note"]
EQUITY_FIELDS = [
    "kind",
    "company",
    "investor",
    "amount",
    "equity_ratio",
    "team_equity_ratio",
    "conversion_trigger",
    "agreed_on",
    "terms",
    "contract",
    "project",
]
DISTRIBUTION_FIELDS = [
    "organisation",
    "contract",
    "basis",
    "year",
    "received_on",
    "income",
    "costs",
    "net_income",
    "team_amount",
    "team_ratio",
    "below_default",
    "note",
]


# -- small helpers --------------------------------------------------------------------------------
def _decimal(value: Any) -> Decimal | None:
    """A number from user input (Decimal, int, text with thousands separators), or None."""
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _money(value: Any) -> Decimal | None:
    number = _decimal(value)
    return None if number is None else number.quantize(CENT, rounding=ROUND_HALF_UP)


def _text(value: Any, limit: int) -> str:
    """One line of text as typed, whitespace collapsed (templates escape it on output)."""
    return " ".join(str(value or "").split())[:limit]


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def signed_on(contract: TechContract) -> datetime.date | None:
    version = contract.in_force or contract.latest
    return version.signed_on if version else None


def contributors(*organisations: Organisation | None) -> QuerySet[Any]:
    """The active people who act for any of these organisations (admins, staff, researchers, TMs)."""
    ids = [o.pk for o in organisations if o is not None]
    return (
        get_user_model()
        .objects.filter(memberships__organisation_id__in=ids, memberships__role__in=CONTRIBUTOR_ROLES)
        .filter(is_active=True)
        .distinct()
    )


# -- licence permissions --------------------------------------------------------------------------
def can_manage_licence(user: Any, contract: TechContract) -> bool:
    """The licensor (the contract's seller) writes the terms, the schedule and the payments."""
    return can_contribute(user, contract.seller)


def require_manage_licence(user: Any, contract: TechContract) -> None:
    if not can_manage_licence(user, contract):
        raise PermissionDenied(_("只有许可方（卖方单位）的成员可以填写许可条款、付款计划和收款记录。"))


def can_report_use(user: Any, licence: Licence) -> bool:
    return can_manage_licence(user, licence.contract) or (
        licence.licensee is not None and can_contribute(user, licence.licensee)
    )


def require_report_use(user: Any, licence: Licence) -> None:
    if not can_report_use(user, licence):
        raise PermissionDenied(_("只有被许可方或许可方的成员可以报告使用情况。"))


# -- licence warnings and schedule ------------------------------------------------------------------
def licence_warnings(licence: Licence) -> list[str]:
    """What deserves a second look but is allowed."""
    warnings: list[str] = []
    if licence.mode == Licence.Mode.USE_FIRST and licence.trial_start and licence.trial_end:
        days = (licence.trial_end - licence.trial_start).days
        if days < Licence.USUAL_TRIAL_DAYS:
            warnings.append(
                _("试用期只有 %(days)s 天，短于通常的一年；请确认被许可方有足够时间验证技术。")
                % {"days": days}
            )
    if licence.licensee_id is None:
        warnings.append(_("被许可方尚未在平台开户，对方无法在线报告使用情况。"))
    return warnings


@dataclass(frozen=True)
class PlannedPayment:
    kind: str
    due_on: datetime.date
    amount: Decimal
    note: str


def plan_schedule(
    *,
    mode: str,
    payment: str,
    signed: datetime.date,
    start: datetime.date,
    end: datetime.date | None,
    entry_fee: Decimal,
    fee: Decimal,
    instalments: int = 1,
    interval_months: int = 3,
    deferred_months: int = 0,
) -> list[PlannedPayment]:
    """The payment rows a licence starts with. Pure: no database.

    `start` is when paid use begins (the trial's end for 先使用后付费, the term's start otherwise)
    and `end` the contract term's end (royalty quarters stop there)."""
    rows: list[PlannedPayment] = []
    if entry_fee > 0:
        rows.append(PlannedPayment(LicencePayment.Kind.ENTRY, signed, entry_fee, _("入门费")))
    if payment == Licence.Payment.LUMP_SUM:
        rows.append(PlannedPayment(LicencePayment.Kind.INSTALMENT, start, fee, _("许可费（一次性支付）")))
    elif payment == Licence.Payment.DEFERRED:
        due = add_months(start, deferred_months)
        rows.append(PlannedPayment(LicencePayment.Kind.INSTALMENT, due, fee, _("许可费（延期支付）")))
    elif payment == Licence.Payment.STAGED:
        # Split in cents: the first `extra` rows take one cent more, so the rows add up to the fee
        # and none is negative, however the fee divides.
        base, extra = divmod(int((fee / CENT).to_integral_value()), instalments)
        for number in range(instalments):
            amount = (base + (1 if number < extra else 0)) * CENT
            rows.append(
                PlannedPayment(
                    LicencePayment.Kind.INSTALMENT,
                    add_months(start, interval_months * number),
                    amount,
                    _("第 %(n)s 期（共 %(total)s 期）") % {"n": number + 1, "total": instalments},
                )
            )
    elif payment == Licence.Payment.REVENUE_SHARE:
        period_start = start
        for number in range(1, MAX_ROYALTY_ROWS + 1):
            period_end = add_months(start, 3 * number)
            if end is not None and period_start >= end:
                break
            if end is not None and period_end > end:
                period_end = end
            rows.append(
                PlannedPayment(
                    LicencePayment.Kind.ROYALTY,
                    period_end + datetime.timedelta(days=ROYALTY_DAYS_AFTER),
                    Decimal(0),
                    _("%(start)s 至 %(end)s 销售提成（按报告的销售额计算）")
                    % {"start": period_start.isoformat(), "end": period_end.isoformat()},
                )
            )
            period_start = period_end
    del mode  # the mode decides `start`; the rows follow from the payment method alone
    return rows


def _int(value: Any, default: int) -> int | None:
    if value in (None, ""):
        return default
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _clean_licence(contract: TechContract, data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(licence fields, schedule parameters), or a ValidationError naming every problem."""
    version = contract.in_force or contract.latest
    errors: dict[str, str] = {}
    mode = str(data.get("mode") or Licence.Mode.STANDARD)
    payment = str(data.get("payment") or "")
    scope = str(data.get("scope") or (version.licence_scope if version else "") or "")
    if mode not in Licence.Mode.values:
        errors["mode"] = _("请选择许可模式。")
    if scope not in LicenceScope.values:
        errors["scope"] = _("请选择许可方式：独占、排他或普通许可。")
    if payment not in Licence.Payment.values:
        errors["payment"] = _("请选择付费方式。")
    elif mode == Licence.Mode.USE_FIRST and payment == Licence.Payment.LUMP_SUM:
        errors["payment"] = _("先使用后付费须选择延期支付、分期支付或销售提成。")
    entry_fee = _money(data.get("entry_fee")) if data.get("entry_fee") not in (None, "") else Decimal(0)
    if entry_fee is None or entry_fee < 0:
        errors["entry_fee"] = _("入门费须为不小于 0 的金额（元）。")
    trial_start, trial_end = data.get("trial_start"), data.get("trial_end")
    if mode == Licence.Mode.USE_FIRST:
        if not trial_start:
            errors["trial_start"] = _("先使用后付费须填写试用期起始日期。")
        if not trial_end:
            errors["trial_end"] = _("先使用后付费须填写试用期终止日期。")
        if trial_start and trial_end and trial_end <= trial_start:
            errors["trial_end"] = _("试用期止必须晚于试用期起。")
        elif trial_start and trial_end and (trial_end - trial_start).days > 10 * 366:
            errors["trial_end"] = _("试用期不能超过10年，请核对日期。")
    elif trial_start or trial_end:
        errors["trial_start"] = _("一般许可不设试用期；需要试用期请选择“先使用后付费”。")
    royalty_rate = _decimal(data.get("royalty_rate"))
    if payment == Licence.Payment.REVENUE_SHARE:
        if royalty_rate is None or not Decimal(0) < royalty_rate <= HUNDRED:
            errors["royalty_rate"] = _("销售提成须填写大于 0、不超过 100 的提成比例（%）。")
    else:
        royalty_rate = None
    fee = _money(data.get("fee"))
    if data.get("fee") in (None, "") and version is not None:
        fee = max(version.tech_amount - (entry_fee or 0), Decimal(0))
    needs_fee = payment != Licence.Payment.REVENUE_SHARE and payment in Licence.Payment.values
    if needs_fee and (fee is None or fee <= 0):
        errors["fee"] = _("请填写入门费以外应付的许可费（元），须大于 0。")
    instalments = _int(data.get("instalments"), 4)
    interval = _int(data.get("interval_months"), 3)
    deferred = _int(data.get("deferred_months"), 0)
    if payment == Licence.Payment.STAGED:
        if instalments is None or not 2 <= instalments <= MAX_INSTALMENTS:
            errors["instalments"] = _("分期数须为 2 至 60 之间的整数。")
        if interval is None or not 1 <= interval <= 24:
            errors["interval_months"] = _("每期间隔须为 1 至 24 个月。")
    if payment == Licence.Payment.DEFERRED and (deferred is None or not 0 <= deferred <= 60):
        errors["deferred_months"] = _("延期月数须为 0 至 60 之间的整数。")
    if errors:
        raise ValidationError(errors)
    fields = {
        "scope": scope,
        "territory": _text(data.get("territory"), 100),
        "mode": mode,
        "entry_fee": entry_fee,
        "trial_start": trial_start if mode == Licence.Mode.USE_FIRST else None,
        "trial_end": trial_end if mode == Licence.Mode.USE_FIRST else None,
        "payment": payment,
        "royalty_rate": royalty_rate,
    }
    schedule = {
        "fee": fee or Decimal(0),
        "instalments": instalments or 1,
        "interval_months": interval or 3,
        "deferred_months": deferred or 0,
    }
    return fields, schedule


def licensee_of(contract: TechContract) -> Organisation | None:
    """The buyer's organisation on the platform: the contract's link, else the buyer party's."""
    if contract.buyer_org_id:
        return contract.buyer_org
    version = contract.in_force or contract.latest
    if version is None:
        return None
    party = version.parties.filter(role="buyer", organisation__isnull=False).first()
    return party.organisation if party else None


# -- licence writes -------------------------------------------------------------------------------------
@transaction.atomic
def licence_create(*, actor: Any, contract: TechContract, data: Mapping[str, Any]) -> Licence:
    """Record the terms of a submitted or registered licence contract and plan its payments.

    `data`: scope (defaults to the contract's), territory, mode, entry_fee, trial_start,
    trial_end, payment, royalty_rate, and for the schedule fee (defaults to the technology
    amount less the entry fee), instalments, interval_months, deferred_months."""
    require_manage_licence(actor, contract)
    contract = TechContract.objects.select_for_update().get(pk=contract.pk)
    version = contract.in_force or contract.latest
    if version is None or not version.category.is_licence:
        raise ValidationError(_("只有技术许可合同可以填写许可条款。"))
    if contract.status not in (TechContract.Status.SUBMITTED, TechContract.Status.REGISTERED):
        raise ValidationError(_("合同提交登记后才能填写许可条款。"))
    if Licence.objects.filter(contract=contract).exists():
        raise ValidationError(_("该合同已有许可条款。"))
    fields, schedule = _clean_licence(contract, data)
    use_first = fields["mode"] == Licence.Mode.USE_FIRST
    licence = Licence.objects.create(
        contract=contract,
        licensee=licensee_of(contract),
        status=Licence.Status.TRIAL if use_first else Licence.Status.PAYING,
        **fields,
    )
    start = fields["trial_end"] if use_first else version.term_start
    rows = plan_schedule(
        mode=fields["mode"],
        payment=fields["payment"],
        signed=version.signed_on,
        start=start,
        end=version.term_end,
        entry_fee=fields["entry_fee"],
        **schedule,
    )
    LicencePayment.objects.bulk_create(
        LicencePayment(licence=licence, kind=r.kind, due_on=r.due_on, amount=r.amount, note=r.note)
        for r in rows
    )
    audit.record_create(actor=actor, instance=licence, fields=LICENCE_FIELDS, organisation=contract.seller)
    return licence


def _open_licence(licence: Licence) -> Licence:
    locked = (
        Licence.objects.select_for_update().select_related("contract", "contract__seller").get(pk=licence.pk)
    )
    if locked.status == Licence.Status.ENDED:
        raise ValidationError(_("许可已终止，不能再修改付款计划或登记付款。"))
    return locked


def _clean_payment(data: Mapping[str, Any], *, kind_required: bool) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    if kind_required:
        if data.get("kind") not in LicencePayment.Kind.values:
            errors["kind"] = _("请选择款项类别。")
        cleaned["kind"] = data.get("kind")
    if not isinstance(data.get("due_on"), datetime.date):
        errors["due_on"] = _("请填写应付日期。")
    amount = _money(data.get("amount"))
    if amount is None or amount < 0:
        errors["amount"] = _("应付金额须为不小于 0 的金额（元）；销售提成可先填 0，待报告销售额后计算。")
    if errors:
        raise ValidationError(errors)
    cleaned.update(due_on=data["due_on"], amount=amount, note=_text(data.get("note"), 300))
    return cleaned


@transaction.atomic
def payment_add(*, actor: Any, licence: Licence, data: Mapping[str, Any]) -> LicencePayment:
    """Add a planned row (kind, due_on, amount, note) to the schedule."""
    require_manage_licence(actor, licence.contract)
    licence = _open_licence(licence)
    payment = LicencePayment.objects.create(licence=licence, **_clean_payment(data, kind_required=True))
    audit.record_create(
        actor=actor, instance=payment, fields=PAYMENT_FIELDS, organisation=licence.contract.seller
    )
    return payment


def _unpaid(payment: LicencePayment) -> LicencePayment:
    locked = LicencePayment.objects.select_for_update().get(pk=payment.pk)
    if locked.paid_on is not None:
        raise ValidationError(_("该笔款项已登记付款，不能再修改。"))
    return locked


@transaction.atomic
def payment_update(*, actor: Any, payment: LicencePayment, data: Mapping[str, Any]) -> dict[str, Any]:
    """Change a planned row's due date, amount or note, while it is unpaid."""
    licence = payment.licence
    require_manage_licence(actor, licence.contract)
    _open_licence(licence)
    payment = _unpaid(payment)
    cleaned = _clean_payment(data, kind_required=False)
    return audit.model_update(
        actor=actor,
        instance=payment,
        data=cleaned,
        fields=["due_on", "amount", "note"],
        organisation=licence.contract.seller,
    )


@transaction.atomic
def payment_delete(*, actor: Any, payment: LicencePayment) -> None:
    licence = payment.licence
    require_manage_licence(actor, licence.contract)
    _open_licence(licence)
    payment = _unpaid(payment)
    audit.record(
        actor=actor,
        action=AuditLog.Action.DELETE,
        instance=payment,
        changes=audit.snapshot(payment, ["kind", "due_on", "amount"]),
        organisation=licence.contract.seller,
    )
    payment.delete()


@transaction.atomic
def payment_record(
    *,
    actor: Any,
    payment: LicencePayment,
    paid_on: datetime.date | None,
    paid_amount: Any,
    note: str = "",
    today: datetime.date | None = None,
) -> LicencePayment:
    """The licensor confirms it received the money for a planned row."""
    licence = payment.licence
    require_manage_licence(actor, licence.contract)
    licence = Licence.objects.select_for_update().get(pk=licence.pk)
    if licence.status == Licence.Status.ENDED:
        raise ValidationError(_("许可已终止，不能再登记付款。"))
    payment = LicencePayment.objects.select_for_update().get(pk=payment.pk)
    if payment.paid_on is not None:
        raise ValidationError(_("该笔款项已登记付款。"))
    errors: dict[str, str] = {}
    today = today or timezone.localdate()
    signed = signed_on(licence.contract)
    if not isinstance(paid_on, datetime.date):
        errors["paid_on"] = _("请填写实付日期。")
    elif paid_on > today:
        errors["paid_on"] = _("实付日期不能晚于今天。")
    elif signed and paid_on < signed:
        errors["paid_on"] = _("实付日期不能早于合同签订日期（%(date)s）。") % {"date": signed.isoformat()}
    amount = _money(paid_amount)
    if amount is None or amount <= 0:
        errors["paid_amount"] = _("实付金额须大于 0（元）。")
    if errors:
        raise ValidationError(errors)
    audit.model_update(
        actor=actor,
        instance=payment,
        data={
            "paid_on": paid_on,
            "paid_amount": amount,
            "note": _text(note, 300) or payment.note,
            "recorded_by": actor,
        },
        fields=["paid_on", "paid_amount", "note", "recorded_by"],
        organisation=licence.contract.seller,
        note=_("登记付款"),
    )
    return payment


def _royalty_windows(licence: Licence) -> list[tuple[datetime.date, datetime.date, LicencePayment]]:
    """Each royalty row with the sales period it is computed on: (after, up to and including]."""
    version = licence.contract.in_force or licence.contract.latest
    start = licence.trial_end or (version.term_start if version else None) or datetime.date.min
    windows = []
    previous = start
    for row in licence.payments.filter(kind=LicencePayment.Kind.ROYALTY).order_by("due_on", "id"):
        period_end = row.due_on - datetime.timedelta(days=ROYALTY_DAYS_AFTER)
        windows.append((previous, period_end, row))
        previous = period_end
    return windows


def _update_royalty(actor: Any, licence: Licence, period_end: datetime.date) -> LicencePayment | None:
    """Compute the royalty row covering `period_end` from the sales reported in its period."""
    if licence.royalty_rate is None or licence.status == Licence.Status.ENDED:
        return None
    for after, until, row in _royalty_windows(licence):
        if after < period_end <= until:
            if row.paid_on is not None:
                return None
            sales = sum(
                (
                    e.sales_amount
                    for e in licence.evidence.filter(period_end__gt=after, period_end__lte=until)
                    if e.sales_amount is not None
                ),
                Decimal(0),
            )
            amount = (sales * licence.royalty_rate / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
            audit.model_update(
                actor=actor,
                instance=row,
                data={"amount": amount},
                fields=["amount"],
                organisation=licence.contract.seller,
                note=_("按报告的销售额计算提成"),
            )
            return row
    return None


@transaction.atomic
def evidence_report(
    *,
    actor: Any,
    licence: Licence,
    period_end: datetime.date | None,
    description: str,
    sales_amount: Any = None,
    today: datetime.date | None = None,
) -> UsageEvidence:
    """The licensee (or the licensor) reports how the technology is used, with sales if any.

    Under a revenue-share licence the royalty row covering the period is recomputed."""
    require_report_use(actor, licence)
    licence = Licence.objects.select_for_update().select_related("contract").get(pk=licence.pk)
    errors: dict[str, str] = {}
    today = today or timezone.localdate()
    signed = signed_on(licence.contract)
    if not isinstance(period_end, datetime.date):
        errors["period_end"] = _("请填写截至日期。")
    elif period_end > today:
        errors["period_end"] = _("截至日期不能晚于今天。")
    elif signed and period_end < signed:
        errors["period_end"] = _("截至日期不能早于合同签订日期（%(date)s）。") % {"date": signed.isoformat()}
    text = str(description or "").strip()
    if not text:
        errors["description"] = _("请说明使用情况，如试产批次、产量、客户反馈。")
    sales = _money(sales_amount)
    if sales_amount not in (None, "") and (sales is None or sales < 0):
        errors["sales_amount"] = _("销售额须为不小于 0 的金额（元）。")
    if errors:
        raise ValidationError(errors)
    assert isinstance(period_end, datetime.date)
    evidence = UsageEvidence.objects.create(
        licence=licence, period_end=period_end, description=text[:2000], sales_amount=sales, reported_by=actor
    )
    audit.record_create(
        actor=actor,
        instance=evidence,
        fields=["period_end", "description", "sales_amount"],
        organisation=licence.contract.seller,
    )
    if sales is not None and licence.payment == Licence.Payment.REVENUE_SHARE:
        _update_royalty(actor, licence, period_end)
    return evidence


@transaction.atomic
def licence_transition(
    *,
    actor: Any,
    licence: Licence,
    to: str,
    reason: str = "",
    on: datetime.date | None = None,
) -> Licence:
    """试用期 → 付费使用 (转为付费许可) or → 已终止; 付费使用 → 已终止. Ending needs a reason."""
    require_manage_licence(actor, licence.contract)
    licence = (
        Licence.objects.select_for_update().select_related("contract", "contract__seller").get(pk=licence.pk)
    )
    day = on or timezone.localdate()
    reason = str(reason or "").strip()
    extra: dict[str, Any] = {}
    if to == Licence.Status.ENDED and to in workflow.allowed_targets(licence):
        if not reason:
            raise ValidationError({"reason": _("终止许可须说明原因。")})
        extra = {"ended_on": day, "end_reason": reason[:300]}
    elif to == Licence.Status.PAYING and to in workflow.allowed_targets(licence):
        extra = {"converted_on": day}
        reason = reason or _("转为付费许可")
    if day > timezone.localdate():
        raise ValidationError({"on": _("日期不能晚于今天。")})
    workflow.transition(
        actor=actor,
        instance=licence,
        to=to,
        reason=reason,
        organisation=licence.contract.seller,
        extra_updates=extra,
    )
    return licence


# -- reminders ---------------------------------------------------------------------------------------
def send_payment_reminders(today: datetime.date | None = None, days: Sequence[int] = (30, 7)) -> int:
    """Tell both sides' contributors about each unpaid payment as its due date approaches, once per
    payment and window (the narrowest window the date falls in), and once when it is overdue.
    Returns how many notifications were created."""
    from hebi.matching.services import notify

    today = today or timezone.localdate()
    windows = sorted(days)
    horizon = today + datetime.timedelta(days=max(windows) if windows else 0)
    due = (
        LicencePayment.objects.filter(paid_on__isnull=True, due_on__lte=horizon)
        .exclude(licence__status=Licence.Status.ENDED)
        .select_related("licence", "licence__contract", "licence__contract__seller", "licence__licensee")
        .select_related("licence__contract__latest")
    )
    people: dict[tuple[int, int | None], list[Any]] = {}
    sent = 0
    for payment in due:
        licence = payment.licence
        left = (payment.due_on - today).days
        if left < 0:
            window = "overdue"
            title = _("许可付款已逾期：%(title)s") % {"title": str(licence.contract)}
        else:
            narrowest = next((w for w in windows if left <= w), None)
            if narrowest is None:
                continue
            window = str(narrowest)
            title = _("许可付款 %(days)s 天内到期：%(title)s") % {
                "days": narrowest,
                "title": str(licence.contract),
            }
        amount = (
            _("%(amount)s 元") % {"amount": payment.amount} if payment.amount > 0 else _("金额待按销售额确定")
        )
        body = _("%(kind)s，应付日期 %(due)s，%(amount)s。") % {
            "kind": payment.get_kind_display(),
            "due": payment.due_on.isoformat(),
            "amount": amount,
        }
        key = (licence.contract.seller_id, licence.licensee_id)
        if key not in people:
            people[key] = list(contributors(licence.contract.seller, licence.licensee))
        sent += len(
            notify(
                recipients=people[key],
                key=f"licence-payment:{payment.pk}:{window}",
                title=title,
                body=body,
                url=reverse("licences:detail", args=[licence.pk]),
            )
        )
    return sent


# -- equity (作价投资 / 先投后股) ------------------------------------------------------------------------
def can_edit_equity(user: Any, owner: Organisation) -> bool:
    return can_contribute(user, owner)


def require_edit_equity(user: Any, owner: Organisation) -> None:
    if not can_edit_equity(user, owner):
        raise PermissionDenied(_("只有成果方单位的成员可以填写作价投资或先投后股安排。"))


def distribution_rule(basis: str) -> DistributionRule | None:
    return DistributionRule.objects.filter(basis=basis).first()


def equity_warnings(arrangement: EquityArrangement) -> list[str]:
    warnings: list[str] = []
    rule = distribution_rule(IncomeDistribution.Basis.EQUITY)
    ratio = arrangement.team_equity_ratio
    if rule is not None and ratio is not None and ratio < rule.min_team_ratio:
        warnings.append(
            _("奖励团队的股权比例 %(ratio)s%% 低于法定默认比例 %(min)s%%（%(source)s）。")
            % {"ratio": _plain(ratio), "min": _plain(rule.min_team_ratio), "source": rule.source}
        )
    if arrangement.kind == EquityArrangement.Kind.INVEST_FIRST and not arrangement.conversion_trigger:
        warnings.append(_("先投后股尚未写明转股条件。"))
    return warnings


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")


def _ratio(value: Any, field: str, errors: dict[str, str]) -> Decimal | None:
    if value in (None, ""):
        return None
    ratio = _decimal(value)
    if ratio is None or not Decimal(0) <= ratio <= HUNDRED:
        errors[field] = _("比例须在 0 到 100 之间（%）。")
        return None
    return ratio.quantize(CENT, rounding=ROUND_HALF_UP)


def _clean_equity(actor: Any, owner: Organisation, data: Mapping[str, Any]) -> dict[str, Any]:
    from hebi.contracts.selectors import contracts_visible
    from hebi.deals.selectors import projects_visible

    errors: dict[str, str] = {}
    kind = data.get("kind")
    if kind not in EquityArrangement.Kind.values:
        errors["kind"] = _("请选择作价投资或先投后股。")
    company = _text(data.get("company"), 100)
    if not company:
        errors["company"] = _("请填写标的企业名称。")
    amount = _money(data.get("amount"))
    if amount is None or amount <= 0:
        errors["amount"] = _("金额须大于 0（元）。")
    equity_ratio = _ratio(data.get("equity_ratio"), "equity_ratio", errors)
    team_ratio = _ratio(data.get("team_equity_ratio"), "team_equity_ratio", errors)
    agreed_on = data.get("agreed_on")
    if not isinstance(agreed_on, datetime.date):
        errors["agreed_on"] = _("请填写约定日期。")
    elif agreed_on > timezone.localdate():
        errors["agreed_on"] = _("约定日期不能晚于今天。")
    contract = data.get("contract")
    if contract is not None and (
        contract.seller_id != owner.pk or not contracts_visible(viewer=actor).filter(pk=contract.pk).exists()
    ):
        errors["contract"] = _("只能关联本单位作为卖方的技术合同。")
    project = data.get("project")
    if project is not None:
        visible = projects_visible(viewer=actor).filter(pk=project.pk).exists()
        if not visible or owner.pk not in (project.owner_id, project.enterprise_id):
            errors["project"] = _("只能关联本单位参与的转化项目。")
    investor = data.get("investor")
    if investor is not None and not isinstance(investor, Organisation):
        errors["investor"] = _("请选择出资方机构。")
    if errors:
        raise ValidationError(errors)
    return {
        "kind": kind,
        "company": company,
        "investor": investor,
        "amount": amount,
        "equity_ratio": equity_ratio,
        "team_equity_ratio": team_ratio,
        "conversion_trigger": _text(data.get("conversion_trigger"), 300),
        "agreed_on": agreed_on,
        "terms": str(data.get("terms") or "").strip()[:2000],
        "contract": contract,
        "project": project,
    }


@transaction.atomic
def equity_create(*, actor: Any, owner: Organisation, data: Mapping[str, Any]) -> EquityArrangement:
    """Record a 作价投资 or 先投后股 arrangement of `owner` (the organisation holding the result)."""
    require_edit_equity(actor, owner)
    arrangement = EquityArrangement.objects.create(owner=owner, **_clean_equity(actor, owner, data))
    audit.record_create(actor=actor, instance=arrangement, fields=EQUITY_FIELDS, organisation=owner)
    return arrangement


@transaction.atomic
def equity_update(*, actor: Any, arrangement: EquityArrangement, data: Mapping[str, Any]) -> dict[str, Any]:
    """Edit the terms while they are only agreed; after conversion or exit they are history."""
    require_edit_equity(actor, arrangement.owner)
    arrangement = EquityArrangement.objects.select_for_update().get(pk=arrangement.pk)
    if arrangement.status != EquityArrangement.Status.AGREED:
        raise ValidationError(_("已转股或已退出的安排不能再修改。"))
    cleaned = _clean_equity(actor, arrangement.owner, data)
    return audit.model_update(
        actor=actor, instance=arrangement, data=cleaned, fields=EQUITY_FIELDS, organisation=arrangement.owner
    )


@transaction.atomic
def equity_transition(
    *,
    actor: Any,
    arrangement: EquityArrangement,
    to: str,
    reason: str = "",
    converted_on: datetime.date | None = None,
    equity_ratio: Any = None,
) -> EquityArrangement:
    """已约定 → 已转股 (with the date and, for 先投后股, the ratio obtained) or → 已退出."""
    require_edit_equity(actor, arrangement.owner)
    arrangement = EquityArrangement.objects.select_for_update().select_related("owner").get(pk=arrangement.pk)
    extra: dict[str, Any] = {}
    reason = str(reason or "").strip()
    if to == EquityArrangement.Status.CONVERTED and to in workflow.allowed_targets(arrangement):
        errors: dict[str, str] = {}
        if not isinstance(converted_on, datetime.date):
            errors["converted_on"] = _("请填写转股日期。")
        elif converted_on < arrangement.agreed_on:
            errors["converted_on"] = _("转股日期不能早于约定日期。")
        elif converted_on > timezone.localdate():
            errors["converted_on"] = _("转股日期不能晚于今天。")
        ratio = _ratio(equity_ratio, "equity_ratio", errors) if equity_ratio not in (None, "") else None
        ratio = ratio if ratio is not None else arrangement.equity_ratio
        if (
            "equity_ratio" not in errors
            and arrangement.kind == EquityArrangement.Kind.INVEST_FIRST
            and (ratio is None or ratio <= 0)
        ):
            errors["equity_ratio"] = _("先投后股转股时须填写取得的股权比例（%）。")
        if errors:
            raise ValidationError(errors)
        extra = {"converted_on": converted_on, "equity_ratio": ratio}
    elif to == EquityArrangement.Status.EXITED and not reason and to in workflow.allowed_targets(arrangement):
        raise ValidationError({"reason": _("退出须说明原因或方式（如股权转让、回购）。")})
    workflow.transition(
        actor=actor,
        instance=arrangement,
        to=to,
        reason=reason,
        organisation=arrangement.owner,
        extra_updates=extra,
    )
    return arrangement


# -- income distribution (收益分配) ---------------------------------------------------------------------
def can_record_distribution(user: Any, organisation: Organisation) -> bool:
    return can_contribute(user, organisation)


def require_record_distribution(user: Any, organisation: Organisation) -> None:
    if not can_record_distribution(user, organisation):
        raise PermissionDenied(_("只有成果单位的成员可以登记收益分配。"))


def distribution_warnings(distribution: IncomeDistribution) -> list[str]:
    if not distribution.below_default:
        return []
    rule = distribution_rule(distribution.basis)
    if rule is None:
        return []
    return [
        _("团队所得比例 %(ratio)s%% 低于法定默认比例 %(min)s%%（计算基数：%(measure)s；依据：%(source)s）。")
        % {
            "ratio": _plain(distribution.team_ratio),
            "min": _plain(rule.min_team_ratio),
            "measure": rule.measure,
            "source": rule.source,
        }
    ]


@dataclass(frozen=True)
class ShareInput:
    role: str
    recipient: str
    amount: Decimal
    user: Any


def _clean_shares(
    shares: Iterable[Mapping[str, Any]], errors: dict[str, list[str]], organisation: Organisation
) -> list[ShareInput]:
    users = get_user_model()
    cleaned: list[ShareInput] = []
    for number, share in enumerate(shares, start=1):
        role = share.get("role")
        recipient = _text(share.get("recipient"), 100)
        amount = _money(share.get("amount"))
        user = share.get("user")
        problems: list[str] = []
        if role not in DistributionShare.Role.values:
            problems.append(_("请选择类别"))
        if not recipient:
            problems.append(_("请填写获得者"))
        if amount is None or amount <= 0:
            problems.append(_("金额须大于 0"))
        if user is not None and not isinstance(user, users):
            problems.append(_("平台账号不存在"))
        elif user is not None and not user.memberships.filter(organisation=organisation).exists():
            # A linked account reads the whole record: only the organisation's own people.
            problems.append(_("平台账号不是本单位人员"))
        if problems:
            errors.setdefault("shares", []).append(
                _("第 %(n)s 行：%(problems)s。") % {"n": number, "problems": "；".join(problems)}
            )
            continue
        assert amount is not None
        cleaned.append(ShareInput(role=str(role), recipient=recipient, amount=amount, user=user))
    if not cleaned and "shares" not in errors:
        errors["shares"] = [_("请至少填写一行分配明细。")]
    return cleaned


@transaction.atomic
def distribution_create(
    *,
    actor: Any,
    organisation: Organisation,
    data: Mapping[str, Any],
    shares: Iterable[Mapping[str, Any]],
    today: datetime.date | None = None,
) -> IncomeDistribution:
    """Record money `organisation` received (under a contract or from its own use) and who got what.

    `data`: basis, received_on, income, costs, contract (optional), note. `shares`: rows of
    role, recipient, amount and optionally user. Refused when a share is not positive or the
    shares exceed the net income; a team share below the Art. 45 default is stored as a warning."""
    from hebi.contracts.selectors import contracts_visible

    require_record_distribution(actor, organisation)
    errors: dict[str, list[str]] = {}
    basis = data.get("basis")
    if basis not in IncomeDistribution.Basis.values:
        errors["basis"] = [_("请选择转化方式。")]
    received_on = data.get("received_on")
    today = today or timezone.localdate()
    if not isinstance(received_on, datetime.date):
        errors["received_on"] = [_("请填写到账日期。")]
    elif received_on > today:
        errors["received_on"] = [_("到账日期不能晚于今天。")]
    income = _money(data.get("income"))
    costs = _money(data.get("costs")) if data.get("costs") not in (None, "") else Decimal(0)
    if income is None or income <= 0:
        errors["income"] = [_("转化收入须大于 0（元）。")]
    if costs is None or costs < 0:
        errors["costs"] = [_("扣除成本须为不小于 0 的金额（元）。")]
    net = income - costs if income is not None and costs is not None else None
    if net is not None and income is not None and income > 0 and net <= 0:
        errors["costs"] = [_("净收入（转化收入减扣除成本）须大于 0。")]
    contract = data.get("contract")
    if contract is not None and (
        contract.seller_id != organisation.pk
        or not contracts_visible(viewer=actor).filter(pk=contract.pk).exists()
    ):
        errors["contract"] = [_("只能关联本单位作为卖方的技术合同。")]
    rows = _clean_shares(shares, errors, organisation)
    total = sum((r.amount for r in rows), Decimal(0))
    if net is not None and net > 0 and "shares" not in errors and total > net:
        errors["shares"] = [
            _("分配合计超过净收入（100%%）：合计 %(total)s 元，净收入 %(net)s 元。")
            % {"total": total, "net": net}
        ]
    if errors:
        raise ValidationError(errors)
    assert net is not None and income is not None and costs is not None
    assert isinstance(received_on, datetime.date)
    team = sum((r.amount for r in rows if r.role in DistributionShare.TEAM_ROLES), Decimal(0))
    ratio = (team * HUNDRED / net).quantize(CENT, rounding=ROUND_HALF_UP)
    rule = distribution_rule(str(basis))
    distribution = IncomeDistribution.objects.create(
        organisation=organisation,
        contract=contract,
        basis=str(basis),
        year=received_on.year,
        received_on=received_on,
        income=income,
        costs=costs,
        net_income=net,
        team_amount=team,
        team_ratio=ratio,
        below_default=rule is not None and ratio < rule.min_team_ratio,
        note=_text(data.get("note"), 500),
        recorded_by=actor,
    )
    DistributionShare.objects.bulk_create(
        DistributionShare(
            distribution=distribution, role=r.role, recipient=r.recipient, amount=r.amount, user=r.user
        )
        for r in rows
    )
    audit.record_create(
        actor=actor, instance=distribution, fields=DISTRIBUTION_FIELDS, organisation=organisation
    )
    _notify_recipients(distribution, [r for r in rows if r.user is not None])
    return distribution


def _notify_recipients(distribution: IncomeDistribution, rows: list[ShareInput]) -> None:
    """Tell the people who got a share, after the commit."""
    if not rows:
        return
    from hebi.matching.services import notify

    url = reverse("licences:distribution-detail", args=[distribution.pk])
    title = _("%(org)s 登记了一笔收益分配") % {"org": str(distribution.organisation)}

    def send() -> None:
        for row in rows:
            notify(
                recipients=[row.user],
                key=f"distribution:{distribution.pk}",
                title=title,
                body=_("您分得 %(amount)s 元（%(role)s）。")
                % {"amount": row.amount, "role": DistributionShare.Role(row.role).label},
                url=url,
            )

    transaction.on_commit(send)
