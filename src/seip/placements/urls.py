from django.urls import path

from seip.placements import views

app_name = "placements"
urlpatterns = [
    path("students/<int:pk>/placements/", views.placement_list, name="list"),
    path(
        "students/<int:pk>/placements/plan/<int:intervention_pk>/",
        views.plan_add,
        name="plan_add",
    ),
    path(
        "students/<int:pk>/placements/<int:placement_pk>/edit/",
        views.plan_edit,
        name="plan_edit",
    ),
    path(
        "students/<int:pk>/placements/<int:placement_pk>/review/",
        views.placement_review,
        name="review",
    ),
    path("students/<int:pk>/timetables/add/", views.timetable_add, name="timetable_add"),
    path(
        "students/<int:pk>/timetables/<int:timetable_pk>/",
        views.timetable_edit,
        name="timetable_edit",
    ),
    path(
        "students/<int:pk>/suspensions/<int:exclusion_pk>/",
        views.suspension,
        name="suspension",
    ),
    path("placements/census/", views.census, name="census"),
    path("placements/providers/<int:organisation>/", views.provider, name="provider"),
    path(
        "placements/providers/<int:organisation>/visit/",
        views.provider_visit,
        name="provider_visit",
    ),
]
