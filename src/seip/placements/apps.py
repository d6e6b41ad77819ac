from django.apps import AppConfig


class PlacementsConfig(AppConfig):
    name = "seip.placements"
    verbose_name = "Alternative provision placements, part-time timetables and suspensions"
