from django.urls import path

from hebi.platforms import views

app_name = "platforms"

urlpatterns = [
    path("", views.platform_list, name="list"),
    path("<id:pk>/", views.platform_detail, name="detail"),
]
