from django.urls import URLPattern

app_name = "behaviour"
urlpatterns: list[URLPattern] = []
