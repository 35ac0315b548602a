"""Web routes of the calls: the hall, drafting and approval, Q&A and applications (joined in
challenges/urls.py)."""

from django.urls import URLPattern, path

from hebi.challenges import views

urlpatterns: list[URLPattern] = [
    path("", views.hall, name="hall"),
    path("mine/", views.mine, name="mine"),
    path("queue/", views.queue, name="queue"),
    path("new/", views.challenge_create, name="create"),
    path("<id:pk>/", views.challenge_detail, name="detail"),
    path("<id:pk>/edit/", views.challenge_edit, name="edit"),
    path("<id:pk>/submit/", views.challenge_submit, name="submit"),
    path("<id:pk>/approve/", views.challenge_approve, name="approve"),
    path("<id:pk>/return/", views.challenge_return, name="return"),
    path("<id:pk>/cancel/", views.challenge_cancel, name="cancel"),
    path("<id:pk>/start-review/", views.challenge_start_review, name="start-review"),
    path("<id:pk>/questions/", views.question_ask, name="question-ask"),
    path("questions/<id:pk>/answer/", views.question_answer, name="question-answer"),
    path("<id:pk>/apply/", views.apply, name="apply"),
    path("applications/<id:pk>/", views.application_detail, name="application-detail"),
    path("applications/<id:pk>/edit/", views.application_edit, name="application-edit"),
    path("applications/<id:pk>/submit/", views.application_submit, name="application-submit"),
    path("applications/<id:pk>/withdraw/", views.application_withdraw, name="application-withdraw"),
    path("applications/<id:pk>/attachments/", views.attachment_upload, name="attachment-upload"),
    path("attachments/<id:pk>/", views.attachment_download, name="attachment"),
    path("attachments/<id:pk>/delete/", views.attachment_delete, name="attachment-delete"),
]
