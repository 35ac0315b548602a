"""The contract rules as pure functions over plain data: amounts, dates, parties, local
conversion and the tax information shown with a registered contract."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from hebi.core.validators import normalise_uscc, validate_uscc

# 企业所得税法实施条例 第九十条: the first 5,000,000 yuan of a year's technology-transfer income
# is exempt, the part above is taxed at half the rate. Kept here with the rule that uses it;
# the categories it applies to are reference data (ContractCategory.is_transfer_income).
CIT_EXEMPT_YUAN = Decimal("5000000")
# A term longer than this is a typing error (a year 9999), not a contract.
MAX_TERM_YEARS = 50
# What the amount columns hold (14 digits, 2 of them decimals).
MAX_YUAN = Decimal("999999999999.99")


@dataclass(frozen=True)
class PartyFacts:
    role: str  # "seller" | "buyer" | "other"
    name: str
    uscc: str
    region_code: str
    region_name: str = ""


def money(value: Any) -> Decimal | None:
    """A yuan amount from user input, or None when it is not a number."""
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        return None
    if not amount.is_finite():
        return None
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)  # 四舍五入, not banker's rounding


def uscc_problem(value: str) -> str | None:
    """Why `value` is not a valid 统一社会信用代码, or None."""
    try:
        validate_uscc(value or "")
    except ValidationError as error:
        return " ".join(str(message) for message in error.messages)
    return None


def check_amounts(
    total: Decimal | None, tech: Decimal | None, non_tech_items: Sequence[Mapping[str, Any]]
) -> dict[str, str]:
    """Errors by field name: the technology amount within the total, the rest itemised."""
    errors: dict[str, str] = {}
    if total is None or total <= 0:
        errors["total_amount"] = _("请填写合同成交额（大于 0 的金额，单位：元）。")
    if tech is None or tech < 0:
        errors["tech_amount"] = _("请填写技术交易额（不小于 0 的金额，单位：元）。")
    for name, amount in (("total_amount", total), ("tech_amount", tech)):
        if amount is not None and amount > MAX_YUAN and name not in errors:
            errors[name] = _("金额过大：不能超过 %(max)s 元。") % {"max": f"{MAX_YUAN:,.2f}"}
    if errors:
        return errors
    assert total is not None and tech is not None
    if tech > total:
        errors["tech_amount"] = _("技术交易额（%(tech)s 元）不能超过合同成交额（%(total)s 元）。") % {
            "tech": f"{tech:,.2f}",
            "total": f"{total:,.2f}",
        }
        return errors
    listed = Decimal(0)
    for index, item in enumerate(non_tech_items, start=1):
        amount = money(item.get("amount"))
        if not str(item.get("name") or "").strip() or amount is None or not 0 < amount <= MAX_YUAN:
            errors["non_tech_items"] = _("第 %(n)d 项非技术性款项需填写名称和大于 0 的金额。") % {"n": index}
            return errors
        listed += amount
    if listed != total - tech:
        errors["non_tech_items"] = _(
            "成交额与技术交易额之差为 %(diff)s 元，列明的非技术性款项合计 %(listed)s 元，两者应相等。"
        ) % {"diff": f"{total - tech:,.2f}", "listed": f"{listed:,.2f}"}
    return errors


def check_dates(
    signed_on: datetime.date | None,
    term_start: datetime.date | None,
    term_end: datetime.date | None,
    today: datetime.date,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if signed_on is None:
        errors["signed_on"] = _("请填写签订日期。")
    elif signed_on > today:
        errors["signed_on"] = _("签订日期不能晚于今天。")
    if term_start is None:
        errors["term_start"] = _("请填写履行期限的起始日期。")
    if term_end is None:
        errors["term_end"] = _("请填写履行期限的终止日期。")
    if term_start and term_end and term_end < term_start:
        errors["term_end"] = _("履行期限的终止日期不能早于起始日期。")
    elif signed_on and term_end and term_end < signed_on:
        errors["term_end"] = _("履行期限的终止日期不能早于签订日期。")
    elif term_start and term_end and (term_end - term_start).days > MAX_TERM_YEARS * 366:
        errors["term_end"] = _("履行期限不能超过 %(n)d 年，请核对日期。") % {"n": MAX_TERM_YEARS}
    return errors


def check_parties(parties: Sequence[PartyFacts]) -> list[str]:
    """Problems with the list of parties, each naming the party concerned."""
    problems: list[str] = []
    roles = [party.role for party in parties]
    if "seller" not in roles:
        problems.append(_("至少需要一个卖方当事人。"))
    if "buyer" not in roles:
        problems.append(_("至少需要一个买方当事人。"))
    seen: set[str] = set()
    for party in parties:
        label = party.name or _("（未填名称）")
        if not party.name.strip():
            problems.append(_("每个当事人都需要填写名称。"))
        problem = uscc_problem(party.uscc)
        if problem:
            problems.append(f"{label}：{problem}")
        code = normalise_uscc(party.uscc)
        if code and code in seen:
            problems.append(_("%(name)s：同一统一社会信用代码出现了两次。") % {"name": label})
        seen.add(code)
        if not party.region_code:
            problems.append(_("%(name)s：请选择所在区域（行政区划代码）。") % {"name": label})
    return problems


def local_conversion(parties: Iterable[PartyFacts], local_prefix: str) -> tuple[bool, str]:
    """Whether the contract is a local conversion (本地转化), and why, in words.

    Local means the technology is taken up inside the city: a buyer registered in a region
    whose code starts with the city's prefix (2201 = 长春)."""
    # "220100" and "2201" both mean 长春: drop trailing "00" pairs only ("3210" stays "3210").
    prefix = local_prefix
    while len(prefix) > 2 and prefix.endswith("00"):
        prefix = prefix[:-2]
    buyers = [party for party in parties if party.role == "buyer"]
    for party in buyers:
        if party.region_code.startswith(prefix):
            return True, _("买方“%(name)s”位于%(region)s（区划代码 %(code)s），属本地转化。") % {
                "name": party.name,
                "region": party.region_name or party.region_code,
                "code": party.region_code,
            }
    if not buyers:
        return False, ""
    names = "、".join(f"{p.name}（{p.region_code}）" for p in buyers)
    return False, _("买方均不在本市（%(names)s），不计入本地转化。") % {"names": names}


@dataclass(frozen=True)
class TaxLine:
    title: str
    text: str


def tax_information(
    *,
    vat_exempt: bool,
    transfer_income: bool,
    tax_note: str,
    tech_amount: Decimal,
    year: int,
    year_transfer_total: Decimal,
) -> list[TaxLine]:
    """What a registered contract may mean for the seller's taxes. Information, not advice.

    `year_transfer_total` is the seller's registered technology-transfer amount in the year,
    this contract included."""
    lines: list[TaxLine] = []
    if vat_exempt:
        lines.append(
            TaxLine(
                _("增值税"), _("技术转让、技术开发收入可申请免征增值税，需持登记证明向主管税务机关办理。")
            )
        )
    elif tax_note:
        lines.append(TaxLine(_("增值税"), tax_note))
    else:
        lines.append(TaxLine(_("增值税"), _("此类合同一般不适用技术转让、技术开发的增值税免征政策。")))
    if transfer_income:
        exempt = min(year_transfer_total, CIT_EXEMPT_YUAN)
        above = max(year_transfer_total - CIT_EXEMPT_YUAN, Decimal(0))
        lines.append(
            TaxLine(
                _("企业所得税"),
                _(
                    "居民企业一个纳税年度内技术转让所得不超过500万元的部分免征，超过部分减半征收。"
                    "该卖方%(year)d年已登记的技术转让类技术交易额合计 %(total)s 元（含本合同 %(this)s 元），"
                    "其中不超过500万元的部分 %(exempt)s 元，超过部分 %(above)s 元。"
                    "所得按收入减去成本费用计算，实际以税务机关认定为准。"
                )
                % {
                    "year": year,
                    "total": f"{year_transfer_total:,.2f}",
                    "this": f"{tech_amount:,.2f}",
                    "exempt": f"{exempt:,.2f}",
                    "above": f"{above:,.2f}",
                },
            )
        )
    return lines
