from django.apps import AppConfig


class ImpactConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "seip.impact"
    verbose_name = "Impact and value for money"
