from django.urls import path

from hebi.contracts import views

app_name = "contracts"

urlpatterns = [
    path("<id:pk>/", views.contract_detail, name="detail"),
]
