from django.urls import path

from seip.consultations import views

app_name = "consultations"
urlpatterns = [
    path("consultations/", views.consultation_list, name="list"),
    path("consultations/new/", views.consultation_create, name="create"),
    path("consultations/<int:pk>/", views.consultation_detail, name="detail"),
]
