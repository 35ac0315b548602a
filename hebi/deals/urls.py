from django.urls import path

from hebi.deals import views

app_name = "deals"

urlpatterns = [
    path("", views.index, name="index"),
    path("engagements/", views.engagement_list, name="engagement-list"),
    path("engagements/new/", views.engagement_create, name="engagement-create"),
    path("engagements/<id:pk>/", views.engagement_detail, name="engagement-detail"),
    path("engagements/<id:pk>/edit/", views.engagement_edit, name="engagement-edit"),
    path("engagements/<id:pk>/follow-up/", views.engagement_follow_up_done, name="engagement-follow-up-done"),
    path("projects/", views.project_list, name="project-list"),
    path("projects/new/", views.project_create, name="project-create"),
    path("projects/<id:pk>/", views.project_detail, name="project-detail"),
    path("projects/<id:pk>/edit/", views.project_edit, name="project-edit"),
    path("projects/<id:pk>/stage/", views.project_transition, name="project-transition"),
    path("projects/<id:pk>/host/", views.project_host, name="project-host"),
    path("projects/<id:pk>/fundings/", views.funding_add, name="funding-add"),
    path("fundings/<id:pk>/delete/", views.funding_delete, name="funding-delete"),
    path("board/", views.project_board, name="board"),
    path("calendar/", views.follow_up_calendar, name="calendar"),
    path("teams/", views.team_list, name="teams"),
    path("teams/<id:pk>/", views.team_detail, name="team-detail"),
]
