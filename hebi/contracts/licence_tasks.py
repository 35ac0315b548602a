"""Background work of licences, through the one task API (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from hebi.contracts import licence_services


@task()
def payment_reminders() -> int:
    """Remind both sides of licence payments coming due or overdue; run daily (a scheduler or
    `manage.py licence_reminders`). Safe to repeat: each reminder goes out once."""
    return licence_services.send_payment_reminders()
