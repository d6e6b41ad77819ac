"""Production refuses to start without master keys; development makes its own (P14)."""

import os
import subprocess
import sys

MASTER = "prod-1:bm90LWEtcmVhbC1rZXktYnV0LTMyLWJ5dGVzLWxvbmc="
PRODUCTION = {
    "SEIP_PRODUCTION": "true",
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
