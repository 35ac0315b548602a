"""Milestone-contract boxes shown on the challenge and application pages (owned by the contracts part)."""

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from hebi.challenges import milestone_selectors, permissions
from hebi.challenges.models import Application, MilestoneContract

register = template.Library()


def _viewer(context: Any) -> Any:
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


@register.simple_tag(takes_context=True)
def contract_box(context: Any, challenge: Any) -> str:
    """On the challenge page: the contract(s) of the call with milestone status and tranches."""
    viewer = _viewer(context)
    if viewer is None:
        return ""
    contracts = milestone_selectors.challenge_contracts(viewer=viewer, challenge=challenge)
    if not contracts:
        return ""
    html = render_to_string(
        "challenges/contracts/_box.html", {"contracts": contracts}, request=context.get("request")
    )
    return mark_safe(html)  # noqa: S308 - the template escapes the data


@register.simple_tag(takes_context=True)
def application_contract_box(context: Any, application: Any) -> str:
    """On the application page: the contract, or a button to draw it up for an awarded application."""
    viewer = _viewer(context)
    if viewer is None:
        return ""
    contract = MilestoneContract.objects.filter(application_id=application.pk).first()
    if contract is not None and not permissions.can_view_contract(viewer, contract):
        contract = None
    can_sign = (
        contract is None
        and application.status == Application.Status.AWARDED
        and permissions.is_secretariat(viewer)
        and not MilestoneContract.objects.filter(application_id=application.pk).exists()
    )
    if contract is None and not can_sign:
        return ""
    html = render_to_string(
        "challenges/contracts/_application_box.html",
        {"contract": contract, "can_sign": can_sign, "application": application},
        request=context.get("request"),
    )
    return mark_safe(html)  # noqa: S308 - the template escapes the data
