"""Web routes of the review: expert pool, panels, scoring, ranking and the decision (joined in
challenges/urls.py)."""

from django.urls import URLPattern, path

from hebi.challenges import review_views as views

urlpatterns: list[URLPattern] = [
    path("experts/", views.expert_list, name="experts"),
    path("experts/new/", views.expert_create, name="expert-create"),
    path("experts/me/", views.expert_me, name="expert-me"),
    path("experts/<id:pk>/", views.expert_detail, name="expert-detail"),
    path("experts/<id:pk>/edit/", views.expert_edit, name="expert-edit"),
    path("<id:pk>/panel/", views.panel, name="panel"),
    path("<id:pk>/panel/close/", views.panel_close, name="panel-close"),
    path("<id:pk>/panel/members/add/", views.panel_add_member, name="panel-add-member"),
    path("<id:pk>/panel/members/remove/", views.panel_remove_member, name="panel-remove-member"),
    path("<id:pk>/ranking/", views.ranking, name="ranking"),
    path("<id:pk>/decide/", views.decide, name="decide"),
    path("reviews/", views.score_list, name="score-list"),
    path("reviews/<id:panel>/<id:application>/", views.score, name="score"),
]
