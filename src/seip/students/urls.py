from django.urls import path

from seip.students import views

app_name = "students"
urlpatterns = [
    path("students/", views.student_list, name="list"),
    path("students/export.csv", views.student_export, name="export"),
    path("students/archive/", views.archive_list, name="archive"),
    path("students/<int:pk>/", views.student_detail, name="detail"),
    path("students/<int:pk>/key-worker/", views.key_worker, name="key_worker"),
    path("students/<int:pk>/close/", views.close, name="close"),
    path("students/<int:pk>/leave/", views.leave, name="leave"),
    path("students/<int:pk>/consent/withdraw/", views.consent_withdraw_view, name="withdraw"),
    path("students/<int:pk>/consent/extend/", views.consent_extend_view, name="extend"),
]
