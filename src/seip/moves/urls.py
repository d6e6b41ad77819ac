from django.urls import path

from seip.moves import views

app_name = "moves"
urlpatterns = [
    path("moves/", views.move_list, name="list"),
    path("moves/<int:pk>/", views.move_detail, name="detail"),
    path("moves/<int:pk>/agree/", views.move_agree, name="agree"),
    path("moves/<int:pk>/review/", views.move_review, name="review"),
    path("moves/<int:pk>/decide/", views.move_decide, name="decide"),
    path("students/<int:pk>/managed-move/", views.move_propose, name="propose"),
    path("fair-access/", views.fair_access, name="fair_access"),
    path("fair-access/fairness/", views.fairness, name="fairness"),
    path("fair-access/cases/new/", views.case_new, name="case_new"),
    path("fair-access/cases/<int:pk>/", views.case_detail, name="case"),
    path("fair-access/cases/<int:pk>/allocate/", views.allocate, name="allocate"),
    path("fair-access/cases/<int:pk>/dates/", views.allocation_dates, name="allocation_dates"),
    path("fair-access/cases/<int:pk>/link/", views.case_link, name="link"),
    path("fair-access/panels/new/", views.panel_new, name="panel_new"),
]
