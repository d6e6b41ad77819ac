from django.urls import path

from seip.rights import decisions, views

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
    path("rights/<int:pk>/student/", views.request_link, name="link"),
    path("portal/requests/", views.portal_requests, name="portal"),
    path("portal/requests/new/", views.portal_request_new, name="portal_new"),
]

urlpatterns += [
    path("rights/<int:pk>/corrections/", decisions.corrections, name="corrections"),
    path(
        "rights/<int:pk>/corrections/<int:correction>/decide/",
        decisions.correction_decide_view,
        name="correction_decide",
    ),
    path(
        "rights/<int:pk>/corrections/<int:correction>/notices/",
        decisions.correction_notices,
        name="correction_notices",
    ),
    path("rights/<int:pk>/objection/", decisions.objection, name="objection"),
    path("rights/<int:pk>/erase/", decisions.erase, name="erase"),
]
