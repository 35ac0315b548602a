"""Licence, equity and income-distribution pages, mounted at /licences/ by hebi/urls.py."""

from django.urls import URLPattern, URLResolver, path

from hebi.contracts import licence_views as views

app_name = "licences"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.licence_list, name="list"),
    path("contract/<id:contract_pk>/new/", views.licence_create, name="create"),
    path("<id:pk>/", views.licence_detail, name="detail"),
    path("<id:pk>/status/", views.licence_transition, name="transition"),
    path("<id:pk>/evidence/", views.evidence_create, name="evidence"),
    path("<id:pk>/payments/new/", views.payment_add, name="payment-add"),
    path("payments/<id:pk>/edit/", views.payment_edit, name="payment-edit"),
    path("payments/<id:pk>/delete/", views.payment_delete, name="payment-delete"),
    path("payments/<id:pk>/pay/", views.payment_record, name="payment-record"),
    path("equity/", views.equity_list, name="equity-list"),
    path("equity/new/", views.equity_create, name="equity-create"),
    path("equity/<id:pk>/", views.equity_detail, name="equity-detail"),
    path("equity/<id:pk>/edit/", views.equity_edit, name="equity-edit"),
    path("equity/<id:pk>/status/", views.equity_transition, name="equity-transition"),
    path("distributions/", views.distributions, name="distributions"),
    path("distributions/new/", views.distribution_create, name="distribution-create"),
    path("distributions/<id:pk>/", views.distribution_detail, name="distribution-detail"),
]
