from django.urls import path

from hebi.contracts import views

app_name = "contracts"

urlpatterns = [
    path("", views.contract_list, name="list"),
    path("new/", views.contract_create, name="create"),
    path("review/", views.review_queue, name="review"),
    path("<id:pk>/", views.contract_detail, name="detail"),
    path("<id:pk>/edit/", views.contract_edit, name="edit"),
    path("<id:pk>/submit/", views.contract_submit, name="submit"),
    path("<id:pk>/amend/", views.contract_amend, name="amend"),
    path("<id:pk>/register/", views.contract_register, name="register"),
    path("<id:pk>/refuse/", views.contract_refuse, name="refuse"),
    path("<id:pk>/v<id:number>/file/", views.contract_file, name="file"),
    path("<id:pk>/certificate/", views.certificate, name="certificate"),
    path("<id:pk>/certificate.pdf", views.certificate_pdf, name="certificate-pdf"),
]
