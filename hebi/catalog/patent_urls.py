"""Patent pages, mounted at /patents/ by hebi/urls.py."""

from django.urls import path

from hebi.catalog import patent_views as views

app_name = "patents"

urlpatterns = [
    path("export/", views.patent_export, name="export"),
    path("", views.patent_list, name="list"),
    path("new/", views.patent_create, name="create"),
    path("<id:pk>/", views.patent_detail, name="detail"),
    path("<id:pk>/edit/", views.patent_edit, name="edit"),
    path("<id:pk>/stage/", views.patent_transition, name="transition"),
    path("<id:pk>/feedback/", views.patent_feedback, name="feedback"),
    path("imports/new/", views.import_upload, name="import"),
    path("imports/files/<str:name>", views.import_download, name="import-download"),
    path("imports/<id:pk>/", views.import_job, name="import-job"),
    path("imports/<id:pk>/progress/", views.import_progress, name="import-progress"),
    path("imports/<id:pk>/commit/", views.import_commit, name="import-commit"),
    path("imports/<id:pk>/cancel/", views.import_cancel, name="import-cancel"),
]
