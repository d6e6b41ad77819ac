from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "seip.notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # The worker queues the daily digest through core's registry, so core imports
        # nothing of this app (seip.core.periodic).
        from seip.core import periodic
        from seip.notifications.services import break_glass_alert, referral_signed_alert
        from seip.notifications.tasks import digest_schedule
        from seip.records.services import glass_broken
        from seip.referrals.services import referral_signed

        periodic.register("daily digest", digest_schedule)
        # Records and referrals are below this app: they call the alerts through their
        # hooks, in the transaction that breaks the glass or signs (ADR 0052).
        glass_broken.register(break_glass_alert)
        referral_signed.register(referral_signed_alert)
