"""``seip createadmin``: the first administrator of a fresh install without a shell
(issue 18, ADR 0031)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from seip.accounts.models import AuthenticatorDevice, BackupCode, Role, User
from seip.accounts.tests.test_sign_in import current_code

PASSWORD = "plum kettle orbit 42 lantern"


def createadmin(*args: str) -> str:
    out = StringIO()
    call_command("createadmin", *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


@pytest.mark.promise("P14")
def test_a_fresh_install_gets_its_first_administrator_through_a_link(client, db):
    url = createadmin(
        "First.Admin@County.test", "--name", "Ada Admin", "--site", "https://seip.test"
    )
    assert url.startswith("https://seip.test/sign-in/invitation/")
    admin = User.objects.get(email="first.admin@county.test")
    assert not admin.is_active
    assert not admin.has_usable_password()
    assert admin.roles == {Role.SYSTEM_ADMIN}
    path = url.removeprefix("https://seip.test")
    assert client.post(path, {"password1": PASSWORD, "password2": PASSWORD}).url == reverse(
        "accounts:setup"
    )
    client.get(reverse("accounts:setup"))
    device = AuthenticatorDevice.objects.get(user=admin, confirmed=False)
    assert (
        client.post(reverse("accounts:setup"), {"token": current_code(device)}).status_code == 200
    )
    assert BackupCode.objects.filter(device__user=admin).count() == 5
    invite_page = client.get(reverse("accounts:invite"))
    assert invite_page.status_code == 200
    assert "no partnership" in invite_page.content.decode()
    # once there is an administrator, the command refuses
    with pytest.raises(CommandError, match="already a system administrator"):
        createadmin("second@county.test", "--name", "Second")


def test_bad_input_is_named(db):
    with pytest.raises(CommandError, match="Not an email address"):
        createadmin("not-an-email", "--name", "X")
    with pytest.raises(CommandError, match="full name"):
        createadmin("a@county.test", "--name", "  ")


def test_running_it_again_before_acceptance_replaces_the_link(client, db):
    first = createadmin("admin@county.test", "--name", "Ada")
    second = createadmin("admin@county.test", "--name", "Ada")
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
