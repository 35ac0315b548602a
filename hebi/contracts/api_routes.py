"""API routes of this area, included by hebi/api_urls.py under /api/v1/."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from hebi.contracts.api import ContractCategoryViewSet, ContractViewSet, RefusalReasonViewSet

router = SimpleRouter()
router.register("contracts", ContractViewSet, basename="contract")
router.register("contract-categories", ContractCategoryViewSet, basename="contract-category")
router.register("refusal-reasons", RefusalReasonViewSet, basename="refusal-reason")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
