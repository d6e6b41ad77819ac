"""Production refuses to start without master keys; development makes its own (P14)."""

import os
import subprocess
import sys

import pytest

from seip.keys.checks import key_store_problems

MASTER = "prod-1:bm90LWEtcmVhbC1rZXktYnV0LTMyLWJ5dGVzLWxvbmc="
PRODUCTION = {
    "SEIP_PRODUCTION": "true",
    "SEIP_INDEX_KEY": "aW5kZXgta2V5LWZvci10ZXN0cy1ub3QtYS1yZWFsLW9uZQ==",
    "SEIP_KEY_STORE_IN_DATA_DIR": "true",
    "SEIP_SECRET_KEY": "x" * 20 + "a-long-random-production-secret-for-tests-9f8e7d6c5b4a",
    "SEIP_ALLOWED_HOSTS": "seip.example.org",
    "SEIP_DATA_KEY": "bm90LWEtcmVhbC1rZXktYnV0LTMyLWJ5dGVzLWxvbmc=",
}


def run_seip(*args, env, cwd):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SEIP_MASTER_KEYS")}
    return subprocess.run(
        [sys.executable, "-m", "seip.manage", *args],
        capture_output=True,
        text=True,
        env={**clean, **env},
        cwd=cwd,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_start_without_master_keys(tmp_path):
    result = run_seip("check", env={**PRODUCTION, "SEIP_DATA_DIR": str(tmp_path)}, cwd=tmp_path)
    assert result.returncode != 0
    assert "SEIP_MASTER_KEYS" in result.stderr
    assert not (tmp_path / "master_key").exists()


def test_production_reads_master_keys_from_a_file(tmp_path):
    keys = tmp_path / "master-keys"
    keys.write_text(f"{MASTER}\n")
    env = {**PRODUCTION, "SEIP_MASTER_KEYS_FILE": str(keys), "SEIP_DATA_DIR": str(tmp_path)}
    result = run_seip("check", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "master_key").exists()


def test_a_malformed_master_key_stops_start_up(tmp_path):
    env = {**PRODUCTION, "SEIP_MASTER_KEYS": "prod-1:c2hvcnQ=", "SEIP_DATA_DIR": str(tmp_path)}
    result = run_seip("check", env=env, cwd=tmp_path)
    assert result.returncode != 0
    assert "SEIP_MASTER_KEYS: key 'prod-1' must be 32 bytes" in result.stderr


def test_development_makes_a_private_master_key_once(tmp_path):
    env = {"SEIP_DATA_DIR": str(tmp_path)}
    assert run_seip("check", env=env, cwd=tmp_path).returncode == 0
    path = tmp_path / "master_key"
    first = path.read_text()
    assert path.stat().st_mode & 0o777 == 0o600
    assert run_seip("check", env=env, cwd=tmp_path).returncode == 0
    assert path.read_text() == first


@pytest.mark.promise("P22")
def test_production_refuses_a_key_store_that_a_copy_of_the_data_would_take(settings, tmp_path):
    """A plain copy of the data folder must not carry the secrets that shredding destroys."""
    settings.PRODUCTION = True
    settings.KEY_STORE_IN_DATA_DIR_ALLOWED = False
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KEY_STORE_DIR = tmp_path / "data" / "keys"
    (problem,) = key_store_problems()
    assert problem.startswith(f"SEIP_KEY_STORE_DIR ({tmp_path / 'data' / 'keys'}) is inside")
    assert "SEIP_KEY_STORE_IN_DATA_DIR=true" in problem
    settings.KEY_STORE_DIR = tmp_path / "media" / "k"
    assert "the media folder" in key_store_problems()[0]
    settings.KEY_STORE_DIR = tmp_path / "keys"  # its own volume
    assert key_store_problems() == []
    settings.KEY_STORE_DIR = tmp_path / "data" / "keys"
    settings.KEY_STORE_IN_DATA_DIR_ALLOWED = True  # the operator said so
    assert key_store_problems() == []


@pytest.mark.promise("P22")
def test_serve_refuses_to_start_with_the_key_store_in_the_data_folder(tmp_path):
    env = {
        **PRODUCTION,
        "SEIP_MASTER_KEYS": MASTER,
        "SEIP_DATA_DIR": str(tmp_path),
        "SEIP_KEY_STORE_IN_DATA_DIR": "false",
        "SEIP_AUDIT_SIGNING_KEY": "bm90LWEtcmVhbC1rZXktYnV0LTMyLWJ5dGVzLWxvbmc=",
        "SEIP_AUDIT_WITNESS": str(tmp_path.parent / f"{tmp_path.name}-witness.jsonl"),
    }
    result = run_seip("serve", "--bind", "127.0.0.1:1", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "SEIP_KEY_STORE_DIR" in result.stderr
    assert "Serving" not in result.stdout
