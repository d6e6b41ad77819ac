from django.apps import AppConfig


class ImpactConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "seip.impact"
    verbose_name = "Impact and value for money"

    def ready(self) -> None:
        from seip.impact.report import impact_report, impact_section
        from seip.reports.registry import add_report, add_section

        # Impact builds on the outcome reports, so reports must not import it: the
        # section and the report are registered here instead (ADR 0052).
        add_section(impact_section)
        add_report("impact", impact_report)
