from django.urls import path

from seip.tasks import views

app_name = "tasks"
urlpatterns = [
    path("tasks/", views.task_list, name="list"),
    path("tasks/calendar/", views.review_calendar, name="calendar"),
]
