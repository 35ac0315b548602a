"""Review boxes shown on the challenge and application pages (owned by the review part)."""

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def review_box(context: Any, challenge: Any) -> str:
    """On the challenge page: panel, exclusions, scoring progress, ranking and decision links."""
    return ""


@register.simple_tag(takes_context=True)
def decision_box(context: Any, application: Any) -> str:
    """On the application page: the decision with its reasons, the score and rank when shown."""
    return ""
