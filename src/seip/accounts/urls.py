from django.urls import path

from seip.accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.sign_in, name="login"),
    path("sign-in/organisation/", views.sso_start, name="sso_start"),
    path("sign-in/organisation/return/", views.sso_callback, name="sso_callback"),
    path("sign-in/security-code/", views.verify, name="verify"),
    path("sign-in/set-up-authenticator/", views.setup, name="setup"),
    path("sign-in/set-up/<str:token>/", views.enrol, name="enrol"),
    path("sign-out/", views.sign_out, name="logout"),
    path("sign-in/forgotten-password/", views.password_reset, name="password_reset"),
    path(
        "sign-in/forgotten-password/sent/",
        views.password_reset_done,
        name="password_reset_done",
    ),
    path(
        "sign-in/reset/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "sign-in/reset/done/",
        views.password_reset_complete,
        name="password_reset_complete",
    ),
    path("account/", views.account, name="account"),
    path("account/backup-codes/", views.backup_codes, name="backup_codes"),
    path("people/", views.people, name="people"),
    path("people/invite/", views.invite, name="invite"),
    path("people/roles/<int:pk>/remove/", views.membership_end_view, name="membership_end"),
    path("people/<int:pk>/close/", views.user_deactivate_view, name="user_deactivate"),
    path(
        "people/invitations/<int:pk>/resend/",
        views.invitation_resend_view,
        name="invitation_resend",
    ),
    path(
        "people/invitations/<int:pk>/revoke/",
        views.invitation_revoke_view,
        name="invitation_revoke",
    ),
    path("sign-in/invitation/<str:token>/", views.invitation, name="invitation"),
    path("people/<int:pk>/set-up-link/", views.enrolment_link, name="enrolment_link"),
]
