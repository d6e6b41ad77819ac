from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "seip.notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # The worker queues the daily digest through core's registry, so core imports
        # nothing of this app (seip.core.periodic).
        from seip.core import periodic
        from seip.notifications.tasks import digest_schedule

        periodic.register("daily digest", digest_schedule)
