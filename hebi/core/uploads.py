"""Refusing an oversized upload before Django reads its body into a temporary file."""

from __future__ import annotations

from django.http import HttpRequest

# Room for the multipart boundaries and the other form fields around the file itself.
MULTIPART_OVERHEAD = 64 * 1024


def declared_size(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def exceeds(request: HttpRequest, limit: int) -> bool:
    """True when the request says its body is larger than a file of `limit` bytes can make it."""
    return request.method == "POST" and declared_size(request) > limit + MULTIPART_OVERHEAD
