from django.urls import path, re_path

from hebi.catalog import views

app_name = "catalog"

urlpatterns = [
    path("results/", views.achievement_hall, name="achievement-hall"),
    path("results/export/", views.achievement_export, name="achievement-export"),
    path("results/new/", views.achievement_create, name="achievement-create"),
    path("results/<id:pk>/", views.achievement_detail, name="achievement-detail"),
    path("results/<id:pk>/edit/", views.achievement_edit, name="achievement-edit"),
    path("needs/", views.need_hall, name="need-hall"),
    path("needs/export/", views.need_export, name="need-export"),
    path("needs/new/", views.need_create, name="need-create"),
    path("needs/<id:pk>/", views.need_detail, name="need-detail"),
    path("needs/<id:pk>/edit/", views.need_edit, name="need-edit"),
    re_path(r"^(?P<kind>achievement|need)/(?P<pk>[0-9]{1,18})/status/$", views.transition, name="transition"),
    re_path(
        r"^(?P<kind>achievement|need)/(?P<pk>[0-9]{1,18})/attachments/$",
        views.attachment_upload,
        name="attachment-upload",
    ),
    re_path(
        r"^(?P<kind>achievement|need)/(?P<pk>[0-9]{1,18})/access/$",
        views.access_request,
        name="access-request",
    ),
    path("attachments/<id:pk>/", views.attachment_download, name="attachment-download"),
    path("attachments/<id:pk>/delete/", views.attachment_delete, name="attachment-delete"),
    path("access/<id:pk>/decide/", views.access_decide, name="access-decide"),
    path("workspace/", views.workspace, name="workspace"),
    path("workspace/<id:org_id>/", views.workspace_org, name="workspace-org"),
]
