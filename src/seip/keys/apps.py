from django.apps import AppConfig


class KeysConfig(AppConfig):
    name = "seip.keys"
    verbose_name = "Data keys"

    def ready(self) -> None:
        from seip.keys import checks  # noqa: F401  (registers the deploy check)
