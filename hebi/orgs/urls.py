from django.urls import path

from hebi.orgs import views

app_name = "orgs"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/members/", views.members, name="members"),
    path("<int:pk>/members/<int:membership_id>/remove/", views.membership_remove, name="membership-remove"),
    path(
        "<int:pk>/invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation-revoke"
    ),
]
