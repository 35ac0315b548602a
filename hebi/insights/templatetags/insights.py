"""Formatting of report table cells by column kind (money in 万元/亿元, shares in %, days)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.translation import gettext as _

from hebi.core.templatetags.hebi import format_yuan, percent
from hebi.insights.reports import COUNT, DAYS, FLAG, SHARE, YUAN, Column, Row

register = template.Library()


def format_cell(kind: str, value: Any) -> str:
    if value is None:
        return "—"
    if kind == YUAN:
        return format_yuan(value)
    if kind == SHARE:
        return percent(value)
    if kind == DAYS:
        return f"{Decimal(str(value)):.1f}"
    if kind == FLAG:
        return "*" if value else ""
    if kind == COUNT:
        return f"{value:,}"
    return str(value)


@register.simple_tag
def report_cell(row: Row, column: Column) -> str:
    return format_cell(column.kind, row.values.get(column.key))


@register.simple_tag
def report_figure(kind: str, value: Any) -> str:
    return format_cell(kind, value) if value is not None else _("暂无")
