from django.urls import path

from seip.attendance import views

app_name = "attendance"
urlpatterns = [
    path("students/<int:pk>/attendance/", views.student_attendance, name="student"),
]
