from django.apps import AppConfig


class StudentsConfig(AppConfig):
    name = "seip.students"
