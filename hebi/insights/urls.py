from django.urls import path

from hebi.insights import views

app_name = "insights"

urlpatterns = [
    path("transfers/", views.transfers, name="transfers"),
    path("transfers.xlsx", views.transfers_xlsx, name="transfers-xlsx"),
]
