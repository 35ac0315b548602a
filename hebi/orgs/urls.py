from django.urls import path

from hebi.orgs import views

app_name = "orgs"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("new/", views.create, name="create"),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/edit/", views.edit, name="edit"),
    path("<id:pk>/members/", views.members, name="members"),
    path("<id:pk>/members/<id:membership_id>/remove/", views.membership_remove, name="membership-remove"),
    path("<id:pk>/invitations/<id:invitation_id>/revoke/", views.invitation_revoke, name="invitation-revoke"),
]
