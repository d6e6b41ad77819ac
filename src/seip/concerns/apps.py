from django.apps import AppConfig


class ConcernsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "seip.concerns"
    verbose_name = "Data-protection concerns"
