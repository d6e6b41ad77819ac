"""Production will not start without what the audit trail needs (P14, ADR 0025).

Without a signing key it used to start, and every audited action, signing in included,
failed for good at the thousandth event, when the first periodic checkpoint was due.
"""

import os
import subprocess
import sys

import pytest

from seip.audit.checks import production_problems

pytestmark = pytest.mark.promise("P14")

PRODUCTION = {
    "SEIP_PRODUCTION": "true",
    "SEIP_INDEX_KEY": "aW5kZXgta2V5LWZvci10ZXN0cy1ub3QtYS1yZWFsLW9uZQ==",
    "SEIP_KEY_STORE_IN_DATA_DIR": "true",
    "SEIP_SECRET_KEY": "x" * 20 + "a-long-random-production-secret-for-tests-9f8e7d6c5b4a",
    "SEIP_ALLOWED_HOSTS": "seip.example.org",
    "SEIP_DATA_KEY": "bm90LWEtcmVhbC1rZXktYnV0LTMyLWJ5dGVzLWxvbmc=",
    "SEIP_MASTER_KEYS": "prod-1:bm90LWEtcmVhbC1rZXktYnV0LTMyLWJ5dGVzLWxvbmc=",
}
AUDIT_KEY = "bm90LWEtcmVhbC1rZXktYnV0LTMyLWJ5dGVzLWxvbmc="
KEY_MISSING = (
    "SEIP_AUDIT_SIGNING_KEY (or SEIP_AUDIT_SIGNING_KEY_FILE) must be set to sign audit "
    "checkpoints when SEIP_PRODUCTION=true"
)
WITNESS_MISSING = (
    "SEIP_AUDIT_WITNESS must name an append-only file outside SEIP_DATA_DIR when "
    "SEIP_PRODUCTION=true"
)


def seip(*args, tmp_path, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SEIP_AUDIT_") and k != "DATABASE_URL"
    }
    return subprocess.run(
        [sys.executable, "-m", "seip.manage", *args],
        capture_output=True,
        text=True,
        env={**clean, **PRODUCTION, "SEIP_DATA_DIR": str(tmp_path / "data"), **env},
        cwd=tmp_path,
        timeout=120,
        check=False,
    )


def test_each_missing_piece_is_named(settings, monkeypatch, tmp_path):
    monkeypatch.delenv("SEIP_AUDIT_SIGNING_KEY", raising=False)
    monkeypatch.delenv("SEIP_AUDIT_SIGNING_KEY_FILE", raising=False)
    assert production_problems() == []  # outside production both are made locally
    settings.PRODUCTION = True
    settings.KEY_STORE_IN_DATA_DIR_ALLOWED = True  # tests/keys/test_settings.py covers it
    settings.AUDIT_WITNESS = ""
    settings.AUDIT_CHECKPOINT_EVERY = 0
    assert production_problems() == [
        KEY_MISSING,
        WITNESS_MISSING,
        "SEIP_AUDIT_CHECKPOINT_EVERY must be 1 or more when SEIP_PRODUCTION=true: without "
        "periodic checkpoints a removed one cannot be noticed",
    ]
    monkeypatch.setenv("SEIP_AUDIT_SIGNING_KEY", AUDIT_KEY)
    settings.AUDIT_CHECKPOINT_EVERY = 1000
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    settings.AUDIT_WITNESS = str(locked / "witness.jsonl")
    if os.geteuid() != 0:  # root may write anywhere
        assert production_problems() == [
            f"SEIP_AUDIT_WITNESS ({locked / 'witness.jsonl'}): this process cannot append to it"
        ]
    settings.AUDIT_WITNESS = str(tmp_path / "new" / "folder" / "witness.jsonl")
    assert production_problems() == []


def test_serve_refuses_to_start_without_the_signing_key(tmp_path):
    result = seip(
        "serve",
        "--bind",
        "127.0.0.1:1",
        tmp_path=tmp_path,
        SEIP_AUDIT_WITNESS=str(tmp_path / "witness.jsonl"),
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"CommandError: {KEY_MISSING}"]
    assert "Serving" not in result.stdout


def test_serve_refuses_to_start_without_the_witness(tmp_path):
    result = seip(
        "serve", "--bind", "127.0.0.1:1", tmp_path=tmp_path, SEIP_AUDIT_SIGNING_KEY=AUDIT_KEY
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"CommandError: {WITNESS_MISSING}"]


def test_check_deploy_reports_both(tmp_path):
    result = seip("check", "--deploy", tmp_path=tmp_path)
    assert result.returncode == 1
    assert f"(seip.audit.E001) {KEY_MISSING}" in result.stderr
    assert f"(seip.audit.E002) {WITNESS_MISSING}" in result.stderr
