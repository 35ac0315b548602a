"""Milestone-contract boxes shown on the challenge and application pages (owned by the contracts part)."""

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def contract_box(context: Any, challenge: Any) -> str:
    """On the challenge page: the contract(s) of the call with milestone status and tranches."""
    return ""


@register.simple_tag(takes_context=True)
def application_contract_box(context: Any, application: Any) -> str:
    """On the application page: the contract, or a button to draw it up for an awarded application."""
    return ""
