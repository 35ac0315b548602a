"""Web routes of roadshows and matching events."""

from django.urls import path

from hebi.events import views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views.event_create, name="create"),
    path("<id:pk>/", views.event_detail, name="detail"),
    path("<id:pk>/edit/", views.event_edit, name="edit"),
    path("<id:pk>/publish/", views.event_publish, name="publish"),
    path("<id:pk>/held/", views.event_held, name="held"),
    path("<id:pk>/cancel/", views.event_cancel, name="cancel"),
    path("<id:pk>/slots/new/", views.slot_create, name="slot-create"),
    path("slots/<id:pk>/edit/", views.slot_edit, name="slot-edit"),
    path("slots/<id:pk>/delete/", views.slot_delete, name="slot-delete"),
    path("slots/<id:pk>/move/", views.slot_move, name="slot-move"),
    path("<id:pk>/invitations/", views.invitation_add, name="invite"),
    path("invitations/<id:pk>/delete/", views.invitation_delete, name="invitation-delete"),
    path("<id:pk>/register/", views.register, name="register"),
    path("<id:pk>/unregister/", views.unregister, name="unregister"),
    path("<id:pk>/registrations/", views.registrations, name="registrations"),
    path("<id:pk>/checkin/", views.checkin, name="checkin"),
    path("<id:pk>/live/", views.live, name="live"),
    path("<id:pk>/followups/", views.followups, name="followups"),
    path("feedback/<id:pk>/engagement/", views.followup_engagement, name="followup-engagement"),
    path("feedback/<id:pk>/project/", views.followup_project, name="followup-project"),
    path("<id:pk>/report/", views.report, name="report"),
]
