"""The project's URLs plus this app's, until the lead adds ``seip.retention.urls`` to
``seip/urls.py``; once it is there, this still works (the routes are the same)."""

from django.urls import include, path

from seip.urls import urlpatterns as project

urlpatterns = [*project, path("", include("seip.retention.urls"))]
