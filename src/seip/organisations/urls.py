from django.urls import path

from seip.organisations import views

app_name = "organisations"
urlpatterns = [
    path("partnerships/", views.partnership_list, name="partnership_list"),
    path("partnerships/<slug:slug>/", views.partnership_detail, name="partnership"),
    path("partnerships/<slug:slug>/logo", views.partnership_logo, name="logo"),
    # Administration: the county for the administrator, a partnership for its co-ordinator.
    path("manage/", views.manage, name="manage"),
    path("manage/partnerships/new", views.partnership_new, name="partnership_new"),
    path("manage/organisations/", views.organisation_list, name="organisation_list"),
    path(
        "manage/organisations/<int:organisation>/",
        views.organisation_detail,
        name="organisation",
    ),
    path(
        "manage/organisations/<int:organisation>/edit",
        views.organisation_edit,
        name="organisation_edit",
    ),
    path("manage/agreements/<int:agreement>/", views.agreement_edit, name="agreement_edit"),
    path(
        "manage/agreements/<int:agreement>/document",
        views.agreement_document_view,
        name="agreement_document",
    ),
    path("partnerships/<slug:slug>/edit", views.partnership_edit, name="partnership_edit"),
    path(
        "partnerships/<slug:slug>/organisations/",
        views.partnership_organisations,
        name="partnership_organisations",
    ),
    path(
        "partnerships/<slug:slug>/organisations/new",
        views.organisation_new,
        name="organisation_new",
    ),
    path(
        "partnerships/<slug:slug>/organisations/<int:organisation>/unregister",
        views.organisation_unregister_view,
        name="organisation_unregister",
    ),
    path("partnerships/<slug:slug>/schools/new", views.school_new, name="school_new"),
    path("partnerships/<slug:slug>/agreements/", views.agreement_list, name="agreement_list"),
    path("partnerships/<slug:slug>/agreements/new", views.agreement_new, name="agreement_new"),
]
