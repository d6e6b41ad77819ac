"""Background tasks for accounts (Django's task framework; ``seip worker``)."""

from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.tasks import task

from seip.audit.services import audit_record


@task()
def password_reset_send(email: str, domain: str, use_https: bool) -> None:
    """Email a reset link to the active account with a usable password at ``email``, if
    there is one. Run outside the request, so the page takes the same time whether or
    not the address has an account (ADR 0031). Django's token machinery: the link works
    once and stops working when the password changes or after PASSWORD_RESET_TIMEOUT."""
    form = PasswordResetForm({"email": email})
    if not form.is_valid():
        return
    users = list(form.get_users(email))
    form.save(
        domain_override=domain,
        use_https=use_https,
        subject_template_name="accounts/password_reset_subject.txt",
        email_template_name="accounts/password_reset_email.txt",
    )
    with transaction.atomic():
        for user in users:
            audit_record(actor=None, action="auth.password_reset_sent", obj=user)
