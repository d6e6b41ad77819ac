import os
import re
import subprocess
import sys

import pytest
from django.urls import reverse


def test_pages_carry_a_csp_with_a_nonce_matching_their_scripts(client, db):
    response = client.get(reverse("accounts:login"))
    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce
    assert "'unsafe-inline'" not in policy
    scripts = re.findall(r"<script([^>]*)>", response.content.decode())
    assert scripts
    for attributes in scripts:
        assert f'nonce="{nonce.group(1)}"' in attributes


def test_each_response_gets_a_fresh_nonce(client, db):
    first = client.get(reverse("accounts:login")).headers["Content-Security-Policy"]
    second = client.get(reverse("accounts:login")).headers["Content-Security-Policy"]
    assert first != second


def test_frames_and_sniffing_are_refused(client, db):
    response = client.get(reverse("accounts:login"))
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def run_seip(*args, env, cwd):
    return subprocess.run(
        [sys.executable, "-m", "seip.manage", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=cwd,
        timeout=120,
        check=False,
    )


PRODUCTION = {
    "SEIP_PRODUCTION": "true",
    "SEIP_INDEX_KEY": "aW5kZXgta2V5LWZvci10ZXN0cy1ub3QtYS1yZWFsLW9uZQ==",
    "SEIP_KEY_STORE_IN_DATA_DIR": "true",
    "SEIP_SECRET_KEY": "x" * 20 + "a-long-random-production-secret-for-tests-9f8e7d6c5b4a",
    "SEIP_ALLOWED_HOSTS": "seip.example.org",
    "SEIP_DATA_KEY": "bm90LWEtcmVhbC1rZXktYnV0LTMyLWJ5dGVzLWxvbmc=",
    "SEIP_MASTER_KEYS": "prod-1:bm90LWEtcmVhbC1rZXktYnV0LTMyLWJ5dGVzLWxvbmc=",
    "SEIP_AUDIT_SIGNING_KEY": "bm90LWEtcmVhbC1rZXktYnV0LTMyLWJ5dGVzLWxvbmc=",
}


def production_folders(tmp_path):
    """A data folder, and the audit witness outside it, as production requires."""
    return {
        "SEIP_DATA_DIR": str(tmp_path / "data"),
        "SEIP_AUDIT_WITNESS": str(tmp_path / "witness" / "audit-witness.jsonl"),
    }


def test_check_deploy_passes_in_production_mode(tmp_path):
    result = run_seip(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={**PRODUCTION, **production_folders(tmp_path)},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret(tmp_path):
    env = {**PRODUCTION, "SEIP_SECRET_KEY": "", "SEIP_DATA_DIR": str(tmp_path)}
    result = run_seip("check", env=env, cwd=tmp_path)
    assert result.returncode != 0
    assert "SEIP_SECRET_KEY" in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_production_refuses_to_start_without_a_data_key(tmp_path):
    env = {**PRODUCTION, "SEIP_DATA_KEY": "", "SEIP_DATA_DIR": str(tmp_path)}
    result = run_seip("check", env=env, cwd=tmp_path)
    assert result.returncode != 0
    assert "SEIP_DATA_KEY" in result.stderr
    assert not (tmp_path / "data_key").exists()


def test_production_reads_the_secret_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text(PRODUCTION["SEIP_SECRET_KEY"])
    env = {
        **PRODUCTION,
        "SEIP_SECRET_KEY": "",
        "SEIP_SECRET_KEY_FILE": str(secret),
        **production_folders(tmp_path),
    }
    result = run_seip("check", "--deploy", "--fail-level", "WARNING", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="checks the SQLite default")
def test_sqlite_runs_in_wal_with_immediate_transactions(tmp_path):
    code = (
        "from django.db import connection; c = connection.cursor();"
        "print(c.execute('PRAGMA journal_mode').fetchone()[0],"
        " c.execute('PRAGMA busy_timeout').fetchone()[0],"
        " connection.settings_dict['OPTIONS']['transaction_mode'])"
    )
    result = run_seip(
        "shell", "--no-imports", "-c", code, env={"SEIP_DATA_DIR": str(tmp_path)}, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "20000", "IMMEDIATE"]
    assert (tmp_path / "secret_key").exists()
