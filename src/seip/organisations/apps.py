from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "seip.organisations"
    verbose_name = "Who is who"
