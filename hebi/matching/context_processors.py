from typing import Any

from django.http import HttpRequest

from hebi.core.models import Notification


class _UnreadCount:
    """The bell's figure: one COUNT, run only when a page shows it, and at most once."""

    def __init__(self, user: Any) -> None:
        self._user = user
        self._value: int | None = None

    def __call__(self) -> int:
        if self._value is None:
            self._value = Notification.objects.filter(recipient=self._user, read_at__isnull=True).count()
        return self._value


def notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": _UnreadCount(user)}
