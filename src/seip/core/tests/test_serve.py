"""``seip serve`` and ``seip worker`` start for real and answer."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from urllib.error import URLError

import pytest
from django.core.management import call_command


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - local http only
        return response.status


def test_serve_answers_health_and_sign_in(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # its own SQLite
    env |= {"SEIP_DATA_DIR": str(tmp_path / "var"), "DJANGO_SETTINGS_MODULE": "seip.settings"}
    seip = [sys.executable, "-m", "seip.manage"]
    # A guard against a hang, not a speed test: under load a migrate took over a minute.
    subprocess.run([*seip, "migrate", "-v0"], env=env, check=True, timeout=600)
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [*seip, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
    try:
        # Wait for *this* server to say it listens: on a busy machine another test run's
        # server can take the port between _free_port() and the bind, and answering it
        # would prove nothing (and terminating ours before gunicorn handles signals
        # kills it with SIGTERM).
        listening = f"Listening at: http://127.0.0.1:{port} ({server.pid})".encode()
        deadline = time.monotonic() + 60
        while listening not in log.read_bytes():
            assert server.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, "seip serve did not start listening"
            time.sleep(0.1)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while True:
            try:
                assert _get(f"{base}/healthz") == 200
                break
            except (URLError, ConnectionError):
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.1)
        assert _get(f"{base}/sign-in/") == 200
    finally:
        server.terminate()
        assert server.wait(timeout=10) == 0


# transaction=True: the worker closes its database connection on the way out, which on
# PostgreSQL would break the test's wrapping transaction.
@pytest.mark.django_db(transaction=True)
def test_worker_batch_exits_with_empty_queue():
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        # Returns (rather than polling forever) once the queue is empty.
        call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
    finally:
        for sig, handler in handlers.items():  # the worker installs its own
            signal.signal(sig, handler)
