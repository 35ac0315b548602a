"""API routes of licences, equity and income distribution, included by hebi/api_urls.py under
/api/v1/. A SimpleRouter: the API root view belongs to the main router."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from hebi.contracts.licence_api import DistributionViewSet, EquityViewSet, LicenceViewSet

router = SimpleRouter()
router.register("licences", LicenceViewSet, basename="licence")
router.register("equity", EquityViewSet, basename="equity")
router.register("distributions", DistributionViewSet, basename="distribution")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
