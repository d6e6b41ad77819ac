from django.urls import path, re_path

from seip.retention import views

app_name = "retention"
urlpatterns = [
    path("retention/<slug:slug>/", views.schedule, name="schedule"),
    path("retention/<slug:slug>/rules/<slug:record_type>/", views.rule_edit, name="rule_edit"),
    path("retention/<slug:slug>/holds/new/<int:student_id>/", views.hold_place, name="hold_place"),
    path("retention/<slug:slug>/holds/<int:pk>/lift/", views.hold_lift, name="hold_lift"),
    re_path(
        r"^retention/(?P<slug>[-\w]+)/record-of-processing\.(?P<fmt>md|csv)$",
        views.ropa,
        name="ropa",
    ),
]
