from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "seip.backups"
    verbose_name = "Backups and restore"
