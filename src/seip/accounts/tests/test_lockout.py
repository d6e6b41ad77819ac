import pytest
from django.urls import reverse

from seip.accounts.tests.factories import PASSWORD


@pytest.mark.promise("P14")
def test_five_failures_lock_the_account_even_for_the_right_password(client, personas, settings):
    user = personas["coordinator"]
    url = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"email": user.email, "password": "wrong password here"})
    response = client.post(url, {"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "You cannot sign in for 15 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_few_failures_do_not_lock(client, personas):
    user = personas["coordinator"]
    url = reverse("accounts:login")
    for _ in range(2):
        client.post(url, {"email": user.email, "password": "wrong password here"})
    response = client.post(url, {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
