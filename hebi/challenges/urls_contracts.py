"""Web routes of this part of the challenges app (joined in challenges/urls.py)."""

from django.http import Http404
from django.urls import URLPattern, path


def _todo(request, *args, **kwargs):  # replaced by the milestone-contract views
    raise Http404


urlpatterns: list[URLPattern] = [path("reviews/milestones/<id:panel>/", _todo, name="verdict")]
