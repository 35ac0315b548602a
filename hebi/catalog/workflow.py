"""One transition service for every status workflow in the registry (style.md, convention 3)."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from hebi.catalog.models import StatusChange
from hebi.core import audit
from hebi.core.models import AuditLog


def status_label(instance: models.Model, field: str, value: str) -> str:
    choices = dict(getattr(instance._meta.get_field(field), "choices", None) or [])
    return str(choices.get(value, value))


def allowed_targets(instance: models.Model, field: str = "status") -> list[str]:
    table: dict[str, list[str]] = type(instance).TRANSITIONS  # type: ignore[attr-defined]
    return list(table.get(getattr(instance, field), []))


def transition(
    *,
    actor: Any,
    instance: models.Model,
    to: str,
    reason: str = "",
    field: str = "status",
    organisation: Any = None,
    extra_updates: dict[str, Any] | None = None,
) -> StatusChange:
    """Move `instance` along its allowed-transitions table, with a history row and an audit row.

    Call inside the caller's transaction, after locking the row (select_for_update)."""
    current = getattr(instance, field)
    if to not in allowed_targets(instance, field):
        raise ValidationError(
            _("不能从“%(from)s”变更为“%(to)s”。")
            % {"from": status_label(instance, field, current), "to": status_label(instance, field, to)},
            code="transition",
        )
    setattr(instance, field, to)
    updates = [field]
    for name, value in (extra_updates or {}).items():
        setattr(instance, name, value)
        updates.append(name)
    instance.save(update_fields=[*updates, *audit._auto_now_fields(instance)])
    change = StatusChange.objects.create(
        content_type=ContentType.objects.get_for_model(instance),
        object_id=instance.pk,
        from_status=current,
        to_status=to,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        reason=reason[:500],
    )
    audit.record(
        actor=actor,
        action=AuditLog.Action.TRANSITION,
        instance=instance,
        changes={field: [current, to]},
        organisation=organisation,
        note=reason,
    )
    return change


def status_history(instance: models.Model) -> models.QuerySet[StatusChange]:
    return StatusChange.objects.filter(
        content_type=ContentType.objects.get_for_model(instance), object_id=instance.pk
    ).select_related("actor")


def labelled_targets(instance: models.Model, field: str = "status") -> list[tuple[str, str]]:
    """The moves allowed from the current state, each with its label, for buttons and selects."""
    return [(to, status_label(instance, field, to)) for to in allowed_targets(instance, field)]


def labelled_history(instance: models.Model, field: str = "status", limit: int = 50) -> list[StatusChange]:
    """The latest moves, each carrying `from_label` and `to_label` in the reader's language."""
    changes = list(status_history(instance)[:limit])
    for change in changes:
        change.from_label = status_label(instance, field, change.from_status) if change.from_status else "—"  # type: ignore[attr-defined]
        change.to_label = status_label(instance, field, change.to_status)  # type: ignore[attr-defined]
    return changes
