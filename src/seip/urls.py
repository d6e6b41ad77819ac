from django.urls import include, path

urlpatterns = [
    path("", include("seip.core.urls")),
    path("", include("seip.accounts.urls")),
    path("", include("seip.organisations.urls")),
]
