"""The licence, equity and income-distribution panel shown on a contract's page."""

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def licence_panel(context: Any, contract: Any) -> str:
    return ""
