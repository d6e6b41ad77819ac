from django.urls import path

from seip.accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.sign_in, name="login"),
    path("sign-in/security-code/", views.verify, name="verify"),
    path("sign-in/set-up-authenticator/", views.setup, name="setup"),
    path("sign-out/", views.sign_out, name="logout"),
    path("account/", views.account, name="account"),
]
