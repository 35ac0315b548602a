"""API routes of events, included by hebi/api_urls.py under /api/v1/."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from hebi.events.api import (
    EventSlotViewSet,
    EventViewSet,
    InvitationViewSet,
    RegistrationViewSet,
    SlotFeedbackViewSet,
)

# A SimpleRouter: the API root belongs to hebi/api_urls.py's router.
router = SimpleRouter()
router.register("events", EventViewSet, basename="event")
router.register("event-slots", EventSlotViewSet, basename="event-slot")
router.register("event-invitations", InvitationViewSet, basename="event-invitation")
router.register("event-registrations", RegistrationViewSet, basename="event-registration")
router.register("slot-feedback", SlotFeedbackViewSet, basename="slot-feedback")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
