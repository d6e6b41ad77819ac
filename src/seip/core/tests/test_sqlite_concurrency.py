import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="checks the SQLite default")
def test_concurrent_writers_never_see_database_is_locked(tmp_path):
    script = Path(__file__).with_name("sqlite_writers.py")
    env = {**os.environ, "SEIP_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split()[:2] == ["200", "0"]
