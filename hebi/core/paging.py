"""What every paginated list page needs besides Django's Paginator."""

from __future__ import annotations

from django.http import HttpRequest


def querystring(request: HttpRequest, drop: tuple[str, ...] = ("page",)) -> str:
    """The current filters as a query string without `drop` (the page number), for page links."""
    query = request.GET.copy()
    for name in drop:
        query.pop(name, None)
    return query.urlencode()
