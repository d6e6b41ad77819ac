from django.urls import path

from seip.core import health, views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
]
