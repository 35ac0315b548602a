"""Display helpers: money in 元/万元/亿元, and audit changes."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()

WAN = Decimal(10_000)
YI = Decimal(100_000_000)


def _trim(value: Decimal, places: int = 2) -> str:
    # Thousands grouped by three, as in Chinese financial reports ("1,000 万元").
    text = f"{value.quantize(Decimal(1).scaleb(-places)):,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_yuan(value: Any) -> str:
    """Money stored in yuan, shown in the unit a Chinese reader expects: 元, 万元 or 亿元."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    if get_language() == "en":
        magnitude = abs(amount)
        if magnitude >= Decimal(1_000_000_000):
            return _("CNY %(n)s billion") % {"n": _trim(amount / Decimal(1_000_000_000))}
        if magnitude >= Decimal(1_000_000):
            return _("CNY %(n)s million") % {"n": _trim(amount / Decimal(1_000_000))}
        return _("CNY %(n)s") % {"n": _trim(amount)}
    magnitude = abs(amount)
    if magnitude >= YI:
        return _("%(n)s 亿元") % {"n": _trim(amount / YI, 4)}
    if magnitude >= WAN:
        return _("%(n)s 万元") % {"n": _trim(amount / WAN, 2)}
    return _("%(n)s 元") % {"n": _trim(amount)}


@register.filter
def yuan(value: Any) -> str:
    return format_yuan(value)


@register.filter
def plain_number(value: Any) -> str:
    if value is None:
        return "—"
    try:
        return _trim(Decimal(value), 4)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)


@register.filter
def percent(value: Any) -> str:
    if value is None:
        return "—"
    return f"{_trim(Decimal(value) * 100, 1)}%"


@register.filter
def change_rows(changes: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    rows = []
    for field, pair in (changes or {}).items():
        before, after = ([*pair, None, None])[:2] if isinstance(pair, list) else (None, pair)
        rows.append((field, before, after))
    return rows


@register.simple_tag(takes_context=True)
def page_url(context: Any, page_number: int) -> str:
    querystring = context.get("querystring", "")
    return f"?{querystring + '&' if querystring else ''}page={page_number}"
