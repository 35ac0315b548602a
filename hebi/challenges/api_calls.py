"""API of this part of the challenges app (joined in challenges/api_routes.py)."""

from __future__ import annotations

from django.urls import URLPattern
from rest_framework.routers import SimpleRouter


def register(router: SimpleRouter) -> None:
    """Add this part's viewsets to the shared router."""


extra_urls: list[URLPattern] = []
