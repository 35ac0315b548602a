from django.urls import path

from hebi.matching import views

app_name = "matching"

urlpatterns = [
    path("matching/feedback/", views.feedback, name="feedback"),
    path("matching/index/", views.index_progress, name="index"),
    path("matching/index/progress/", views.index_progress_json, name="index-progress"),
    path("matching/index/embed/", views.index_embed, name="index-embed"),
    path("matching/report/", views.report, name="report"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read-all/", views.notification_read_all, name="notifications-read-all"),
    path("notifications/<id:pk>/read/", views.notification_read, name="notification-read"),
    path("notifications/<id:pk>/open/", views.notification_open, name="notification-open"),
]
