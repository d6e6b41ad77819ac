from django.urls import path

from seip.notices import views

app_name = "notices"
urlpatterns = [
    path("privacy/<slug:slug>/", views.notice, name="notice"),
    path("privacy/<slug:slug>/v<int:number>/", views.version, name="version"),
    path("privacy/<slug:slug>/v<int:number>.pdf", views.version_pdf, name="version_pdf"),
    path("privacy/<slug:slug>/edit/", views.edit, name="edit"),
    path("privacy/<slug:slug>/publish/", views.publish, name="publish"),
]
