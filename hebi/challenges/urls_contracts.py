"""Web routes of this part of the challenges app (joined in challenges/urls.py)."""

from django.urls import URLPattern, path  # noqa: F401

urlpatterns: list[URLPattern] = []
