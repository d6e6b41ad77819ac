from django.urls import path

from seip.organisations import views

app_name = "organisations"
urlpatterns = [
    path("partnerships/", views.partnership_list, name="partnership_list"),
    path("partnerships/<slug:slug>/", views.partnership_detail, name="partnership"),
    path("partnerships/<slug:slug>/logo", views.partnership_logo, name="logo"),
]
