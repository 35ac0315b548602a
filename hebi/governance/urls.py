from django.urls import path

from hebi.governance import views

app_name = "governance"

urlpatterns = [path("", views.committee, name="committee")]
