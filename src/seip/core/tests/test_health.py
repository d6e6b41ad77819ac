"""``/healthz``: public, JSON, and honest about which check failed."""

import pytest

from seip.conftest import signed_in
from seip.core.tests.test_faults import read_only_database  # noqa: F401 - fixture


@pytest.mark.django_db
def test_healthy(client, settings, tmp_path):
    settings.KEY_STORE_DIR = tmp_path / "keys"
    settings.KEY_STORE_DIR.mkdir()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok", "database": "ok", "database_writes": "ok", "key_store": "ok"
    }  # fmt: skip
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_missing_key_store_that_can_be_created_is_healthy(client, settings, tmp_path):
    settings.KEY_STORE_DIR = tmp_path / "not-yet" / "keys"
    assert client.get("/healthz").status_code == 200
    assert not settings.KEY_STORE_DIR.exists()  # a probe does not write folders


@pytest.mark.django_db
def test_unwritable_key_store_is_503(client, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings.KEY_STORE_DIR = blocker  # a file where the folder should be
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "failed", "database": "ok", "database_writes": "ok", "key_store": "failed"
    }  # fmt: skip

    settings.KEY_STORE_DIR = blocker / "keys"  # cannot be created under a file either
    assert client.get("/healthz").json()["key_store"] == "failed"


@pytest.mark.django_db
def test_staff_between_password_and_second_factor_still_get_health(client, personas):
    # A half-signed-in session must not turn the probe into a redirect to the second factor.
    signed_in(client, personas["coordinator"], second_factor=False)
    assert client.get("/healthz").status_code == 200


# transaction=True: the read-only session setting can then be lifted for the teardown.
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("read_only_database")
def test_a_database_that_refuses_writes_is_503(client, settings, tmp_path):
    """A standby, a read-only session or a read-only SQLite connection: the database still
    answers, but the service cannot do its work, so the load balancer should know."""
    settings.KEY_STORE_DIR = tmp_path / "keys"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["database_writes"] == "failed"
