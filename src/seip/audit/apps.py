from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "seip.audit"

    def ready(self) -> None:
        # Imported here: both modules reach models, which are not loaded before ready().
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_out, user_login_failed

        from seip.audit import checks, signals  # noqa: F401  (checks registers itself)

        user_logged_out.connect(signals.record_sign_out, dispatch_uid="seip.audit.sign_out")
        user_login_failed.connect(
            signals.record_sign_in_failed, dispatch_uid="seip.audit.sign_in_failed"
        )
        user_locked_out.connect(signals.record_locked_out, dispatch_uid="seip.audit.locked_out")
