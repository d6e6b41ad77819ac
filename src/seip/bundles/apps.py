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
