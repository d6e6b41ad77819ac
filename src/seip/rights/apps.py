from django.apps import AppConfig


class RightsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "seip.rights"
    verbose_name = "Rights requests"
