from django.urls import path

from seip.behaviour import views

app_name = "behaviour"
urlpatterns = [
    path("students/<int:pk>/behaviour/", views.behaviour_list, name="list"),
    path("students/<int:pk>/behaviour/incidents/new/", views.incident_new, name="incident_new"),
    path("students/<int:pk>/behaviour/exclusions/new/", views.exclusion_new, name="exclusion_new"),
    path("students/<int:pk>/behaviour/attitude/new/", views.attitude_new, name="attitude_new"),
    path("students/<int:pk>/behaviour/results/new/", views.result_new, name="result_new"),
]
