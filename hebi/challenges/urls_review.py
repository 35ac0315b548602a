"""Web routes of this part of the challenges app (joined in challenges/urls.py)."""

from django.http import Http404
from django.urls import URLPattern, path


def _todo(request, *args, **kwargs):  # replaced by the review views
    raise Http404


urlpatterns: list[URLPattern] = [path("reviews/", _todo, name="score-list")]
