"""Web routes of the milestone contracts (军令状) and the status boards (joined in challenges/urls.py)."""

from django.urls import URLPattern, path

from hebi.challenges import milestone_views as views

urlpatterns: list[URLPattern] = [
    path("board/", views.board, name="board"),
    path("contracts/", views.contract_list, name="contracts"),
    path("contracts/<id:pk>/", views.contract_detail, name="contract-detail"),
    path("contracts/<id:pk>/penalties/", views.penalty_add, name="penalty-add"),
    path("contracts/<id:pk>/terminate/", views.contract_terminate, name="contract-terminate"),
    path("contracts/milestones/<id:pk>/panel/", views.milestone_panel, name="milestone-panel"),
    path("contracts/milestones/<id:pk>/review/", views.milestone_review, name="milestone-review"),
    path("contracts/milestones/<id:pk>/tranches/", views.tranche_release, name="tranche-release"),
    path("applications/<id:pk>/contract/new/", views.contract_create, name="contract-create"),
    path("reviews/milestones/<id:panel>/", views.verdict, name="verdict"),
]
