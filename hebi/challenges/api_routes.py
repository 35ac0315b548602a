"""API routes of challenges, included by hebi/api_urls.py under /api/v1/."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from hebi.challenges import api_calls, api_contracts, api_review

router = SimpleRouter()
for part in (api_calls, api_review, api_contracts):
    part.register(router)

urlpatterns: list[URLPattern | URLResolver] = [
    *api_calls.extra_urls,
    *api_review.extra_urls,
    *api_contracts.extra_urls,
    *router.urls,
]
