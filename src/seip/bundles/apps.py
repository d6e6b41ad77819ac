from django.apps import AppConfig


class BundlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "seip.bundles"
    verbose_name = "Access bundles"

    def ready(self) -> None:
        # A redaction's replacement text is sealed per row (``seip keys rebind``, P14).
        from seip.bundles.models import FlaggedItem
        from seip.bundles.services import REPLACEMENT
        from seip.keys.crypto import register_sealed

        register_sealed(
            FlaggedItem,
            subject="bundle__student__referral_id",
            columns={"replacement_encrypted": REPLACEMENT},
        )
        from seip.bundles.services import bundle_prepare_failed
        from seip.bundles.tasks import bundle_prepare_execute
        from seip.core.recovery import on_interrupted

        # Interrupted: nothing was flagged or read; the bundle may be prepared again.
        on_interrupted(bundle_prepare_execute, lambda args: bundle_prepare_failed(args[0]))
