"""Locust users for ``benchmarks/load_test.py``: key workers and co-ordinators at work.

Not meant to be run alone: ``load_test.py`` builds the county, writes the plan this file
reads (``SEIP_LOAD_PLAN``: accounts with a password, one single-use backup code per
simulated user, their students and, for co-ordinators, a small attendance CSV), starts
``seip serve`` and ``seip worker``, and runs locust headless against them.

Every simulated user signs in through the real two-step sign-in (password, then a
backup code through django-otp), so every request pays for the session, the second-factor
check and the scoping of a real user. The mix:

- key workers (4 in 5 users): their caseload list, a student's profile, a student's
  progress page, and now and then a review saved for a student on their caseload;
- co-ordinators (1 in 5): the same pages for their partnership, and a small attendance
  import (a few pupils, a few days) through the import page, then its run page.

A request counts as failed when the status is not the one the page answers with on
success (200, or the 302 that follows a saved form), which includes every 5xx and every
"database is locked" that reaches the user.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
from pathlib import Path
from typing import Any, ClassVar

from locust import HttpUser, between, task

PLAN: dict[str, Any] = json.loads(Path(os.environ["SEIP_LOAD_PLAN"]).read_text(encoding="utf-8"))
WAIT_MIN = float(os.environ.get("SEIP_LOAD_WAIT_MIN", "1"))
WAIT_MAX = float(os.environ.get("SEIP_LOAD_WAIT_MAX", "3"))
#: Statistics are reset when this many users have signed in, so the figures are the
#: steady mix and not the Argon2 password checks of the first seconds.
USERS = int(os.environ.get("SEIP_LOAD_USERS", "0"))
_lock = threading.Lock()
_signed_in = itertools.count(1)
_slots: dict[str, itertools.count[int]] = {
    "key_worker": itertools.count(),
    "coordinator": itertools.count(),
}


def _choose(students: list[int]) -> int:
    return random.choice(students)  # noqa: S311 - picking a page to load, not a secret


def _account(role: str) -> tuple[dict[str, Any], str]:
    """The next account of ``role`` round robin, and a backup code no other user takes."""
    with _lock:
        n = next(_slots[role])
    accounts = PLAN["accounts"][role]
    account = accounts[n % len(accounts)]
    return account, account["codes"][n // len(accounts)]


class Staff(HttpUser):
    abstract = True
    role: ClassVar[str]
    wait_time = between(WAIT_MIN, WAIT_MAX)

    def on_start(self) -> None:
        self.account, code = _account(self.role)
        self.students: list[int] = self.account["students"]
        self.client.get("/sign-in/", name="sign-in")
        self._post(
            "/sign-in/",
            {"email": self.account["email"], "password": PLAN["password"]},
            name="sign-in",
            expect="/sign-in/security-code/",
        )
        self._post("/sign-in/security-code/", {"token": code}, name="sign-in code", expect="/")
        with _lock:
            if next(_signed_in) == USERS and self.environment.runner is not None:
                self.environment.runner.stats.reset_all()

    def _csrf(self) -> str:
        return str(self.client.cookies.get("csrftoken", ""))

    def _post(
        self,
        path: str,
        data: dict[str, Any],
        *,
        name: str,
        expect: str,
        files: dict[str, Any] | None = None,
    ) -> str | None:
        """POST a form; a success is a redirect to ``expect`` (a prefix). Returns where."""
        with self.client.post(
            path,
            data={**data, "csrfmiddlewaretoken": self._csrf()},
            files=files,
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code == 302 and location.startswith(expect):
                response.success()
                return str(location)
            response.failure(f"{response.status_code} to {location or 'nowhere'}")
            return None

    def _get(self, path: str, *, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200 or response.url is None or "/sign-in/" in response.url:
                response.failure(f"{response.status_code} at {response.url}")

    @task(4)
    def caseload(self) -> None:
        self._get("/students/", name="caseload list")

    @task(6)
    def profile(self) -> None:
        self._get(f"/students/{_choose(self.students)}/", name="student profile")

    @task(4)
    def progress(self) -> None:
        self._get(f"/students/{_choose(self.students)}/progress/", name="progress page")

    @task(1)
    def review(self) -> None:
        pk = _choose(self.students)
        self._post(
            f"/students/{pk}/reviews/new/",
            {
                "held_on": PLAN["today"],
                "attendance_progress": "Attendance is steadier since half term.",
                "behaviour_progress": "Fewer incidents at lunchtime.",
                "attainment_progress": "Keeping up in English and maths.",
                "student_view": "",
                "parent_view": "",
                "next_steps": "Review again in six weeks.",
            },
            name="review save",
            expect=f"/students/{pk}/reviews/",
        )


class KeyWorker(Staff):
    role = "key_worker"
    weight = 4


class Coordinator(Staff):
    role = "coordinator"
    weight = 1

    @task(1)
    def small_import(self) -> None:
        upload = self.account["import"]
        location = self._post(
            "/imports/",
            {"school": upload["school"], "kind": "attendance", "columns": upload["columns"]},
            files={"file": ("attendance.csv", upload["csv"].encode(), "text/csv")},
            name="small import",
            expect="/imports/runs/",
        )
        if location:
            self._get(location, name="import run page")
