from django.urls import path

from hebi.finance import views

app_name = "finance"

urlpatterns = [
    path("", views.fund_list, name="list"),
    path("<id:pk>/", views.fund_detail, name="detail"),
]
