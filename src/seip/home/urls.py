from django.urls import path

from seip.home import health, views

# The namespace keeps its old name: "core:home" is linked from every page.
app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
]
