from django.urls import path

from seip.records import views

app_name = "records"
urlpatterns = [
    path("students/<int:pk>/profile/", views.profile, name="profile"),
    path("students/<int:pk>/needs/add/<slug:kind>/", views.need_new, name="need_new"),
    path("students/<int:pk>/needs/<int:need_pk>/correct/", views.need_correct, name="need_correct"),
    path("students/<int:pk>/facts/verify/", views.verify, name="verify"),
    path("students/<int:pk>/contacts/new/", views.contact_new, name="contact_new"),
    path("students/<int:pk>/agencies/new/", views.agency_new, name="agency_new"),
    path("students/<int:pk>/plan/targets/new/", views.target_new, name="target_new"),
    path(
        "students/<int:pk>/plan/targets/<int:target_pk>/status/",
        views.target_status,
        name="target_status",
    ),
    path("students/<int:pk>/chronology/", views.chronology, name="chronology"),
    path("students/<int:pk>/chronology/new/", views.note_new, name="note_new"),
    path(
        "students/<int:pk>/chronology/attachments/<int:attachment_pk>/",
        views.attachment,
        name="attachment",
    ),
    path("students/<int:pk>/safeguarding/", views.concerns, name="concerns"),
    path("students/<int:pk>/safeguarding/new/", views.concern_new, name="concern_new"),
]
