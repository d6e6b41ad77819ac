from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "seip.retention"
    verbose_name = "Retention and erasure"
