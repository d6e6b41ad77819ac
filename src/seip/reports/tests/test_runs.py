"""Reports asked for on a page are made in the background (issue 10): queued, made by the
worker with their progress on the page, and never half-released."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from seip.accounts.models import Membership
from seip.reports.models import Release, ReportRun, RunStatus
from seip.reports.runs import (
    INTERRUPTED,
    NO_LONGER_ENTITLED,
    report_run_execute_now,
    report_run_interrupted,
)
from seip.reports.tests.test_population import admit

ASK = {"year": "2026", "terms": "year"}


# The worker closes its database connection after each task, as a long-lived process
# should; on PostgreSQL that would end a test's wrapping transaction, so this one commits.
@pytest.mark.django_db(transaction=True)
def test_a_report_waits_for_the_worker_then_shows(database_tasks, county, personas, login):
    for n in range(1, 13):
        admit(county, personas, n)
    client = login(personas["school_contact"])
    response = client.post(
        reverse("reports:index"), {"scope": f"school:{county.school_a.pk}", **ASK}
    )
    run = ReportRun.objects.get()
    assert response["Location"] == reverse("reports:run", args=[run.pk])
    assert run.status == RunStatus.QUEUED
    assert not Release.objects.exists()  # nothing is released until the report is made
    waiting = client.get(response["Location"])
    assert waiting["Refresh"] == "2"
    assert "Waiting to start" in waiting.content.decode()
    assert client.get(reverse("reports:download", args=[run.pk, "pdf"])).status_code == 404

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=io.StringIO())
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    page = client.get(response["Location"])
    assert "Refresh" not in page
    assert "Students referred by year group" in page.content.decode()
    assert Release.objects.filter(recipient_role="school_contact").exists()
    # The worker rendered the PDF (ADR 0043); a run finished without one renders it on
    # demand, to the same file.
    stored = bytes(run.pdf)
    download = client.get(reverse("reports:download", args=[run.pk, "pdf"]))
    assert download.content == stored
    ReportRun.objects.filter(pk=run.pk).update(pdf=None)
    assert client.get(reverse("reports:download", args=[run.pk, "pdf"])).content == stored


def test_a_report_for_someone_no_longer_entitled_is_not_made(county, personas, login):
    """The recipient check runs again when the report is made (P13)."""
    client = login(personas["school_contact"])
    run = ReportRun.objects.create(
        requested_by=personas["school_contact"], scope=f"school:{county.school_a.pk}",
        title="Outcomes report", params={"report": "outcomes", **ASK}, status=RunStatus.QUEUED,
    )  # fmt: skip
    Membership.objects.filter(user=personas["school_contact"]).delete()
    report_run_execute_now(run.pk)
    run.refresh_from_db()
    assert (run.status, run.error) == (RunStatus.FAILED, NO_LONGER_ENTITLED)
    assert not Release.objects.exists()
    assert NO_LONGER_ENTITLED in client.get(reverse("reports:run", args=[run.pk])).content.decode()


def test_a_report_that_fails_half_way_releases_nothing(county, personas, monkeypatch):
    """Every table of a report is released in one transaction: a failure after some
    tables were released leaves none of them in the ledger."""
    for n in range(1, 13):
        admit(county, personas, n)
    run = ReportRun.objects.create(
        requested_by=personas["coordinator"], scope=f"partnership:{county.a.pk}",
        title="Outcomes report", params={"report": "outcomes", **ASK}, status=RunStatus.QUEUED,
    )  # fmt: skip
    from seip.reports import outcomes

    real, calls = outcomes.release_figure, []

    def fail_on_the_fifth(**kwargs):
        calls.append(kwargs["id"])
        if len(calls) == 5:
            raise RuntimeError("the disk went away")
        return real(**kwargs)

    monkeypatch.setattr(outcomes, "release_figure", fail_on_the_fifth)
    report_run_execute_now(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "nothing was released" in run.error
    assert "disk" not in run.error  # never the exception itself
    assert not Release.objects.exists()
    report_run_execute_now(run.pk)  # a finished run is never made twice
    assert len(calls) == 5


def test_an_interrupted_run_says_so(county, personas):
    run = ReportRun.objects.create(
        requested_by=personas["coordinator"], scope=f"partnership:{county.a.pk}",
        title="Outcomes report", params={"report": "outcomes", **ASK}, status=RunStatus.RUNNING,
    )  # fmt: skip
    report_run_interrupted(run.pk)
    run.refresh_from_db()
    assert (run.status, run.error) == (RunStatus.FAILED, INTERRUPTED)
