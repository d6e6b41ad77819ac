from django.urls import path

from seip.concerns import views

app_name = "concerns"
urlpatterns = [
    path("concerns/raise/", views.public_new, name="public_new"),
    path("concerns/sent/", views.sent, name="sent"),
    path("portal/concerns/new/", views.portal_new, name="portal_new"),
    path("concerns/", views.concern_list, name="list"),
    path("concerns/<int:pk>/", views.concern_detail, name="detail"),
    path("concerns/<int:pk>/acknowledge/", views.concern_acknowledge_view, name="acknowledge"),
    path("concerns/<int:pk>/respond/", views.concern_respond_view, name="respond"),
    path("concerns/<int:pk>/student/", views.concern_link_view, name="link"),
]
