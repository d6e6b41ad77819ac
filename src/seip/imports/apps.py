from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "seip.imports"

    def ready(self) -> None:
        from seip.core.recovery import on_interrupted
        from seip.imports.runs import import_run_interrupted
        from seip.imports.tasks import import_run_execute

        on_interrupted(import_run_execute, import_run_interrupted)
