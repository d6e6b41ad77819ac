from django.urls import path

from seip.imports import views

app_name = "imports"
urlpatterns = [
    path("imports/", views.upload, name="upload"),
    path("imports/runs/<int:run_pk>/", views.run_detail, name="run"),
    path("imports/matches/", views.match_list, name="matches"),
    path("imports/matches/<int:match_pk>/", views.match_decide, name="match_decide"),
]
