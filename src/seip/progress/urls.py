from django.urls import path

from seip.progress import views

app_name = "progress"
urlpatterns = [
    path("reviews/due/", views.due, name="due"),
    path("students/<int:pk>/reviews/", views.reviews, name="reviews"),
    path("students/<int:pk>/reviews/new/", views.review_new, name="review_new"),
    path("students/<int:pk>/portal-access/", views.portal_access, name="portal_access"),
    path("students/<int:pk>/invite-family/", views.family_invite_view, name="family_invite"),
    path("students/<int:pk>/progress/", views.progress, name="progress"),
    path("students/<int:pk>/progress.pdf", views.progress_pdf, name="progress_pdf"),
    path("portal/", views.portal_home, name="portal"),
    path("portal/<int:pk>/", views.portal_progress, name="portal_progress"),
    path("portal/<int:pk>/progress.pdf", views.portal_pdf, name="portal_pdf"),
]
