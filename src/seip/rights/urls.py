from django.urls import path

from seip.rights import views

app_name = "rights"
urlpatterns = [
    path("rights/", views.register, name="register"),
    path("rights/new/", views.request_new, name="new"),
    path("rights/<int:pk>/", views.request_detail, name="detail"),
    path("rights/<int:pk>/identity/", views.request_identity, name="identity"),
    path("rights/<int:pk>/checks/", views.request_checks, name="checks"),
    path("rights/<int:pk>/pause/", views.request_pause, name="pause"),
    path("rights/<int:pk>/resume/", views.request_resume, name="resume"),
    path("rights/<int:pk>/extend/", views.request_extend, name="extend"),
    path("rights/<int:pk>/close/", views.request_close, name="close"),
    path("portal/requests/", views.portal_requests, name="portal"),
    path("portal/requests/new/", views.portal_request_new, name="portal_new"),
]
