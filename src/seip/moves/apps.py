from django.apps import AppConfig


class MovesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "seip.moves"
    verbose_name = "Managed moves and Fair Access"
