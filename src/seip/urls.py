from django.urls import include, path

urlpatterns = [
    path("", include("seip.home.urls")),
    path("", include("seip.accounts.urls")),
    path("", include("seip.organisations.urls")),
    path("", include("seip.notices.urls")),
    path("", include("seip.consultations.urls")),
    path("", include("seip.referrals.urls")),
    path("", include("seip.students.urls")),
    path("", include("seip.records.urls")),
    path("", include("seip.provision.urls")),
    path("", include("seip.placements.urls")),
    path("", include("seip.attendance.urls")),
    path("", include("seip.behaviour.urls")),
    path("", include("seip.imports.urls")),
    path("", include("seip.progress.urls")),
    path("", include("seip.sharing.urls")),
    path("", include("seip.rights.urls")),
    path("", include("seip.retention.urls")),
    path("", include("seip.bundles.urls")),
    path("", include("seip.concerns.urls")),
    path("", include("seip.reports.urls")),
    path("", include("seip.tasks.urls")),
    path("", include("seip.moves.urls")),
    path("", include("seip.notifications.urls")),
]

# A read-only database or a full disk gets a 503 page rather than a 500 or 400 one.
handler400 = "seip.core.errors.bad_request"
handler500 = "seip.core.errors.server_error"
