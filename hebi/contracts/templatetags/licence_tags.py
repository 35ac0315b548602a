"""The licence, equity and income-distribution panel shown on a contract's page."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string

from hebi.contracts import licence_selectors as selectors
from hebi.contracts import licence_services as services
from hebi.contracts.models import TechContract

register = template.Library()


@register.simple_tag(takes_context=True)
def licence_panel(context: Any, contract: TechContract) -> str:
    """What happened after signing: the licence and its schedule, equity, distributions."""
    request = context.get("request")
    user = getattr(request, "user", None)
    version = contract.in_force or contract.latest
    is_licence = bool(version and version.category.is_licence)
    licence = selectors.licence_for_contract(viewer=user, contract=contract) if is_licence else None
    can_write = services.can_manage_licence(user, contract)
    # render_to_string escapes as it renders and returns a SafeString: no double escaping.
    return render_to_string(
        "contracts/_licence_panel.html",
        {
            "contract": contract,
            "is_licence": is_licence,
            "licence": licence,
            "schedule": selectors.licence_schedule(licence) if licence else None,
            "can_create_licence": is_licence
            and licence is None
            and can_write
            and contract.status in (TechContract.Status.SUBMITTED, TechContract.Status.REGISTERED),
            "equity": selectors.equity_list(viewer=user, contract=contract)[:20],
            "distributions": selectors.distribution_list(viewer=user, contract=contract)[:20],
            "can_write": can_write,
        },
        request=request,
    )
