from django.urls import path

from seip.reports import views

app_name = "reports"
urlpatterns = [
    path("reports/", views.index, name="index"),
    path("reports/tables/", views.builder, name="builder"),
    path("reports/impact/", views.impact, name="impact"),
    path("reports/<int:run_pk>/", views.run_detail, name="run"),
    path("reports/<int:run_pk>/<str:fmt>", views.run_download, name="download"),
]
