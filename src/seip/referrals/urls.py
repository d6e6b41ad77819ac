from django.urls import path

from seip.referrals import views

app_name = "referrals"
urlpatterns = [
    path("referrals/", views.referral_list, name="list"),
    path("referrals/new/", views.referral_new, name="new"),
    path("referrals/<int:pk>/", views.referral_detail, name="detail"),
    path("referrals/<int:pk>/edit/", views.referral_edit, name="edit"),
    path("referrals/<int:pk>/sign/", views.referral_sign_view, name="sign"),
    path("referrals/<int:pk>/accept/", views.referral_accept_view, name="accept"),
    path("referrals/<int:pk>/decline/", views.referral_decline_view, name="decline"),
    path("referrals/<int:pk>/signed-form/<int:consent_pk>/", views.signed_form, name="signed_form"),
]
