from rest_framework.routers import DefaultRouter

from hebi.orgs.api import MembershipViewSet, OrganisationViewSet, PersonViewSet, RegionViewSet

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("people", PersonViewSet, basename="person")
router.register("memberships", MembershipViewSet, basename="membership")

urlpatterns = router.urls
