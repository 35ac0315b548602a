"""API routes of this area, included by hebi/api_urls.py under /api/v1/."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from hebi.deals.api import EngagementViewSet, TransferProjectViewSet

# A SimpleRouter: the API root belongs to hebi/api_urls.py's router.
router = SimpleRouter()
router.register("engagements", EngagementViewSet, basename="engagement")
router.register("projects", TransferProjectViewSet, basename="transfer-project")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
