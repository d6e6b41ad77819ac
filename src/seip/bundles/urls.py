from django.urls import path

from seip.bundles import views

app_name = "bundles"
urlpatterns = [
    path("rights/<int:pk>/bundle/", views.review, name="review"),
    path("rights/<int:pk>/bundle/prepare/", views.prepare, name="prepare"),
    path("rights/<int:pk>/bundle/items/<int:item>/", views.decide, name="decide"),
    path("rights/<int:pk>/bundle/release/", views.release, name="release"),
    path("rights/<int:pk>/bundle/released.pdf", views.staff_pdf, name="staff_pdf"),
    path("rights/<int:pk>/bundle/released.zip", views.staff_zip, name="staff_zip"),
    path("portal/requests/<int:pk>/copy.pdf", views.portal_pdf, name="portal_pdf"),
    path("portal/requests/<int:pk>/copy.zip", views.portal_zip, name="portal_zip"),
]
