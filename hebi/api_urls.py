from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from hebi.catalog.api import AchievementViewSet, NeedViewSet
from hebi.catalog.patent_api import ImportJobViewSet, PatentViewSet
from hebi.matching.api import AchievementMatchesView, FeedbackView, NeedMatchesView, NotificationViewSet
from hebi.orgs.api import MembershipViewSet, OrganisationViewSet, PersonViewSet, RegionViewSet

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("people", PersonViewSet, basename="person")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("achievements", AchievementViewSet, basename="achievement")
router.register("needs", NeedViewSet, basename="need")
router.register("patents", PatentViewSet, basename="patent")
router.register("patent-imports", ImportJobViewSet, basename="patent-import")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("needs/<str:pk>/matches/", NeedMatchesView.as_view(), name="need-matches"),
    path("achievements/<str:pk>/matches/", AchievementMatchesView.as_view(), name="achievement-matches"),
    path("matches/feedback/", FeedbackView.as_view(), name="match-feedback"),
    path("", include("hebi.deals.api_routes")),
    path("", include("hebi.contracts.api_routes")),
    path("", include("hebi.contracts.licence_api_routes")),
    path("", include("hebi.insights.api_routes")),
    path("", include("hebi.challenges.api_routes")),
    path("", include("hebi.events.api_routes")),
    *router.urls,
]
