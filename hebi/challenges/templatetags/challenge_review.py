"""Review boxes shown on the challenge and application pages (owned by the review part)."""

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from hebi.challenges import permissions, review_selectors
from hebi.challenges.models import Application, Challenge, Panel

register = template.Library()


def _viewer(context: Any) -> Any:
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


def _render(context: Any, name: str, data: dict[str, Any]) -> str:
    # The template escapes every value; the tag returns its already-escaped HTML.
    return mark_safe(render_to_string(name, data, request=context.get("request")))  # noqa: S308


@register.simple_tag(takes_context=True)
def review_box(context: Any, challenge: Any) -> str:
    """On the challenge page: panel, exclusions, scoring progress, ranking and decision links."""
    user = _viewer(context)
    if user is None or not permissions.can_view_challenge(user, challenge):
        return ""
    secretariat = permissions.is_secretariat(user)
    panel = review_selectors.review_panel(challenge)
    on_panel = panel is not None and permissions.sits_on_panel(user, challenge)
    decided = challenge.status == Challenge.Status.DECIDED
    if not (secretariat or on_panel or decided):
        return ""
    data: dict[str, Any] = {
        "challenge": challenge,
        "panel": panel,
        "secretariat": secretariat,
        "on_panel": on_panel,
        "decided": decided,
        "awarded": list(review_selectors.awarded(challenge)) if decided else [],
        "size": review_selectors.panel_size(panel) if secretariat and panel is not None else None,
        "can_form": challenge.status == Challenge.Status.REVIEWING and panel is None,
        "can_decide": challenge.status == Challenge.Status.REVIEWING
        and panel is not None
        and panel.status == Panel.Status.CLOSED,
    }
    return _render(context, "challenges/review/_review_box.html", data)


@register.simple_tag(takes_context=True)
def decision_box(context: Any, application: Any) -> str:
    """On the application page: the decision with its reasons, the score and rank when shown."""
    user = _viewer(context)
    if user is None or not permissions.can_view_application(user, application):
        return ""
    decided = application.status in (Application.Status.AWARDED, Application.Status.NOT_AWARDED)
    if not decided and application.status != Application.Status.SUBMITTED:
        return ""
    challenge = application.challenge
    data: dict[str, Any] = {
        "application": application,
        "decided": decided,
        "reviewing": challenge.status == Challenge.Status.REVIEWING,
        "total": review_selectors.decided_count(challenge) if decided else 0,
    }
    return _render(context, "challenges/review/_decision_box.html", data)
