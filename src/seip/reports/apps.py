from django.apps import AppConfig


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "seip.reports"
    verbose_name = "Reports and disclosure control"

    def ready(self) -> None:
        from seip.core.recovery import on_interrupted
        from seip.reports.runs import report_run_interrupted
        from seip.reports.tasks import report_run_execute

        # An interrupted report: its one transaction released nothing; its run says so.
        on_interrupted(report_run_execute, lambda args: report_run_interrupted(args[0]))
