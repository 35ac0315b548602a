"""Display helpers: money in 元/万元/亿元, and audit changes."""

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
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


# Timestamps as the trail stored them before it wrote local time to the minute, e.g.
# "2026-12-20T01:00:00+00:00": shown the new way, so that old and new entries read alike.
ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?")


def _timestamp(value: str) -> str:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment, timezone.get_default_timezone())
    return f"{moment:%Y-%m-%d %H:%M}"


def _readable(value: Any, labels: dict[Any, Any]) -> Any:
    if isinstance(value, list):
        return "、".join(str(_readable(v, labels)) for v in value) if value else "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, str) and ISO_TIMESTAMP.fullmatch(value):
        return _timestamp(value)
    return labels.get(value, value) if labels else value


def _field_labels(model: Any, name: str) -> tuple[str, dict[Any, Any]]:
    """A field's label and its value labels: the model's own choices, or, for list fields that
    hold choice values, the model's HISTORY_CHOICES."""
    extra_choices = getattr(model, "HISTORY_CHOICES", {})
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:  # recorded without a model field of its own, e.g. "attachments"
        field = None
    label = getattr(field, "verbose_name", None) or getattr(model, "HISTORY_LABELS", {}).get(name, name)
    choices = getattr(field, "choices", None) or extra_choices.get(name) or []
    return str(label), {k: v for k, v in choices}


@register.filter
def change_rows(changes: dict[str, Any], entry: Any = None) -> list[tuple[str, Any, Any]]:
    """Changed fields as (label, before, after) in the reader's language, when the entry's
    model is known; raw names and values otherwise."""
    model = None
    if entry is not None and getattr(entry, "content_type_id", None):
        model = ContentType.objects.get_for_id(entry.content_type_id).model_class()
    rows = []
    for field, pair in (changes or {}).items():
        before, after = ([*pair, None, None])[:2] if isinstance(pair, list) else (None, pair)
        if model is not None:
            label, labels = _field_labels(model, field)
            before = None if before is None else _readable(before, labels)
            after = None if after is None else _readable(after, labels)
            field = label
        rows.append((field, before, after))
    return rows


@register.simple_tag(takes_context=True)
def page_url(context: Any, page_number: int) -> str:
    querystring = context.get("querystring", "")
    return f"?{querystring + '&' if querystring else ''}page={page_number}"
