from django.urls import path

from seip.provision import views

app_name = "provision"
urlpatterns = [
    path("students/<int:pk>/provision/", views.provision_list, name="list"),
    path("students/<int:pk>/provision/add/", views.intervention_add, name="add"),
    path(
        "students/<int:pk>/provision/<int:intervention_pk>/end/",
        views.intervention_end_view,
        name="end",
    ),
    path(
        "students/<int:pk>/provision/<int:intervention_pk>/review/",
        views.placement_review,
        name="review",
    ),
]
