"""Display helpers for the registry's choice values."""

from typing import Any

from django import template

from hebi.catalog.models import TransferMode
from hebi.catalog.workflow import status_label

register = template.Library()


@register.filter
def mode_label(value: str) -> str:
    return str(dict(TransferMode.choices).get(value, value))


@register.filter
def status_text(value: str, subject: Any) -> str:
    return status_label(subject, "status", value) if value else "—"
