from django.apps import AppConfig


class BundlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "seip.bundles"
    verbose_name = "Access bundles"
