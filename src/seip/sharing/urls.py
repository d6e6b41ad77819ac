from django.urls import path

from seip.sharing import views

app_name = "sharing"
urlpatterns = [
    path("students/<int:pk>/involvements/new/", views.involvement_new, name="involvement_new"),
    path("involvements/<int:pk>/end/", views.involvement_end_view, name="involvement_end"),
    path("students/<int:pk>/disclosures/", views.disclosures, name="disclosures"),
    path("portal/<int:pk>/disclosures/", views.portal_disclosures, name="portal_disclosures"),
]
