from django.apps import AppConfig


class KeysConfig(AppConfig):
    name = "seip.keys"
    verbose_name = "Data keys"
