from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "seip.transfers"
    verbose_name = "Transfers"
