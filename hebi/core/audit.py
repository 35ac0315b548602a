"""The audit trail: every service write ends here, inside its transaction."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from hebi.core.models import AuditLog

# How times read in the trail: on the platform's clock (settings.TIME_ZONE), to the minute.
DATETIME_FORMAT = "%Y-%m-%d %H:%M"
TIME_FORMAT = "%H:%M"


def _plain(value: Any) -> Any:
    """A JSON-safe, human-readable form of a field value."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, decimal.Decimal):
        # Normalised, so that 80 and 80.00 count as the same value.
        return format(value.normalize(), "f")
    if isinstance(value, datetime.datetime):  # before date: a datetime is a date too
        if timezone.is_aware(value):
            value = timezone.localtime(value, timezone.get_default_timezone())
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime(TIME_FORMAT)
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def _exact(value: Any) -> Any:
    """The form in which values are compared: the readable one, except that times keep their
    seconds, so that a change of a few seconds is still saved (it just reads the same)."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.datetime | datetime.time):
        return value.isoformat()
    return _plain(value)


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: _plain(getattr(instance, name)) for name in fields}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Changed fields as {field: [before, after]}."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


# Fields whose content must not be copied into the audit trail: the trail says that they
# changed, not what they say (it outlives the owner's edits and is read by platform admins).
REDACTED_FIELDS = frozenset({"confidential_details"})
REDACTED = "（保密内容，已隐去）"


def _redact(changes: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: [REDACTED if item else item for item in value]
        if name in REDACTED_FIELDS and isinstance(value, list)
        else value
        for name, value in changes.items()
    }


def record(
    *,
    actor: Any,
    action: str,
    instance: models.Model,
    changes: Mapping[str, Any] | None = None,
    organisation: Any = None,
    note: str = "",
) -> AuditLog:
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditLog.objects.create(
        actor=user,
        actor_label=(user.get_full_name() or user.get_username()) if user else "系统",
        action=action,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
        object_id=str(instance.pk),
        object_label=str(instance)[:300],
        organisation=organisation,
        changes=_redact(changes or {}),
        note=note[:500],
    )


def record_create(*, actor: Any, instance: models.Model, fields: Iterable[str], **kwargs: Any) -> AuditLog:
    after = snapshot(instance, fields)
    changes = {k: [None, v] for k, v in after.items() if v not in (None, "", [])}
    return record(actor=actor, action=AuditLog.Action.CREATE, instance=instance, changes=changes, **kwargs)


def model_update(
    *, actor: Any, instance: models.Model, data: Mapping[str, Any], fields: Iterable[str], **kwargs: Any
) -> dict[str, list[Any]]:
    """Set the given fields, validate, save only what changed and audit it. Returns the changes."""
    allowed = [f for f in fields if f in data]
    before = snapshot(instance, allowed)
    exact_before = {name: _exact(getattr(instance, name)) for name in allowed}
    for name in allowed:
        setattr(instance, name, data[name])
    instance.full_clean()
    after = snapshot(instance, allowed)
    changes = {
        name: [before[name], after[name]]
        for name in allowed
        if _exact(getattr(instance, name)) != exact_before[name]
    }
    if changes:
        instance.save(update_fields=[*changes.keys(), *_auto_now_fields(instance)])
        record(actor=actor, action=AuditLog.Action.UPDATE, instance=instance, changes=changes, **kwargs)
    return changes


def _auto_now_fields(instance: models.Model) -> list[str]:
    return [f.name for f in instance._meta.concrete_fields if getattr(f, "auto_now", False)]


def history_for(instance: models.Model) -> models.QuerySet[AuditLog]:
    return AuditLog.objects.filter(
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
        object_id=str(instance.pk),
    ).select_related("actor")
