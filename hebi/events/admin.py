"""Events are run through the platform's own pages; the admin lets platform admins look and
correct a slip."""

from django.contrib import admin

from hebi.events.models import Event, EventSlot, Invitation, Registration, SlotFeedback


class EventSlotInline(admin.TabularInline):
    model = EventSlot
    extra = 0
    autocomplete_fields = ["organisation"]
    raw_id_fields = ["achievement", "project"]


class InvitationInline(admin.TabularInline):
    model = Invitation
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "organiser", "starts_at", "status", "capacity"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "venue", "organiser__name"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["organiser"]
    raw_id_fields = ["created_by"]
    inlines = [EventSlotInline, InvitationInline]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["event", "user", "organisation", "role", "status", "checked_in_at"]
    list_filter = ["role", "status"]
    search_fields = ["event__title", "user__username", "user__display_name"]
    raw_id_fields = ["event", "user", "organisation", "checked_in_by"]


@admin.register(SlotFeedback)
class SlotFeedbackAdmin(admin.ModelAdmin):
    list_display = ["slot", "user", "score", "want_to_talk", "engagement", "project"]
    list_filter = ["want_to_talk"]
    raw_id_fields = ["slot", "user", "registration", "engagement", "project"]
