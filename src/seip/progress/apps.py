from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "seip.progress"

    def ready(self) -> None:
        from seip.progress.services import portal_links_recheck
        from seip.records.services import responsibility_changed

        # Portal access follows parental responsibility (P03). Progress builds on records,
        # so records calls this through its registry rather than importing it (ADR 0052).
        responsibility_changed.register(portal_links_recheck)
