import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from seip.env import env_bool, env_int, env_list, env_secret, local_secret


@pytest.mark.parametrize(
    ("raw", "value"), [("true", True), ("1", True), ("ON", True), ("no", False), ("", False)]
)
def test_env_bool(monkeypatch, raw, value):
    monkeypatch.setenv("SEIP_FLAG", raw)
    assert env_bool("SEIP_FLAG") is value


ACCEPTED = {"1", "true", "yes", "on", "0", "false", "no", "off", ""}
env_text = st.text(
    alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=12
)


@given(env_text.filter(lambda s: s.strip().lower() not in ACCEPTED))
def test_env_bool_refuses_anything_else_and_names_the_variable(raw):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SEIP_FLAG", raw)
        with pytest.raises(ImproperlyConfigured, match="SEIP_FLAG"):
            env_bool("SEIP_FLAG")


def test_env_int_names_the_variable(monkeypatch):
    monkeypatch.setenv("SEIP_WORKERS", "four")
    with pytest.raises(ImproperlyConfigured, match="SEIP_WORKERS"):
        env_int("SEIP_WORKERS", 2)
    monkeypatch.setenv("SEIP_WORKERS", "4")
    assert env_int("SEIP_WORKERS", 2) == 4


def test_env_list(monkeypatch):
    monkeypatch.setenv("SEIP_HOSTS", " a.example , b.example,")
    assert env_list("SEIP_HOSTS") == ["a.example", "b.example"]


def test_secret_from_file_and_not_both(monkeypatch, tmp_path):
    path = tmp_path / "s"
    path.write_text("from-file\n")
    monkeypatch.setenv("SEIP_X_FILE", str(path))
    assert env_secret("SEIP_X") == "from-file"
    monkeypatch.setenv("SEIP_X", "direct")
    with pytest.raises(ImproperlyConfigured, match="not both"):
        env_secret("SEIP_X")


def test_missing_secret_file_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("SEIP_X_FILE", str(tmp_path / "absent"))
    with pytest.raises(ImproperlyConfigured, match="SEIP_X_FILE"):
        env_secret("SEIP_X")


def test_local_secret_is_created_once_and_private(tmp_path):
    path = tmp_path / "data" / "secret_key"
    first = local_secret(path)
    assert local_secret(path) == first
    assert len(first) >= 50
    assert path.stat().st_mode & 0o077 == 0
