"""The upload page, a run's progress and report, and the co-ordinator's matching queue.

Uploads run as background tasks; here through Django's ImmediateBackend (see conftest),
so the redirect after an upload lands on a finished run.
"""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from seip.audit.models import AuditEvent
from seip.imports.fixtures import ContactSpec, PupilSpec, ctf_bytes, make_upn
from seip.imports.models import (
    ImportRun,
    MatchCandidate,
    MatchResolution,
    RunStatus,
)
from seip.imports.runs import _progress_path, read_progress, upload_dir
from seip.records.models import Need

UNREFERRED = PupilSpec(
    upn=make_upn("855", "4001", 19, 777),
    forename="Persephone",
    surname="Ravenscroft",
    dob="2011-02-03",
    contacts=(ContactSpec(forename="Octavia", surname="Ravenscroft", phone="07700 900555"),),
)
SECRETS = ("Persephone", "Ravenscroft", "Octavia", UNREFERRED.upn, "2011-02-03")
JORDAN = PupilSpec(sen=(("2023-09-04", "K", (("SEMH", 1),)),))


def _upload(client, school, data: bytes, *, kind="ctf", name="855-4123.xml", **extra):
    return client.post(
        reverse("imports:upload"),
        {
            "school": school.pk,
            "kind": kind,
            "file": SimpleUploadedFile(name, data),
            **extra,
        },
    )


@pytest.mark.promise("P25")
def test_an_upload_is_imported_in_the_background_and_reported(
    student, school_spec, county, personas, login
):
    client = login(personas["coordinator"])
    data = ctf_bytes([JORDAN, UNREFERRED], school=school_spec)
    response = _upload(client, county.school_a, data)
    run = ImportRun.objects.get()
    assert response.url == reverse("imports:run", args=[run.pk])
    assert (run.status, run.total, run.done) == (RunStatus.DONE, 2, 2)
    assert run.report["counts"]["imported"] == 1
    assert run.report["counts"]["not referred"] == 1
    assert Need.objects.filter(student=student).exists()
    page = client.get(response.url)
    assert "Refresh" not in page
    html = page.content.decode()
    assert "Not referred" in html
    for secret in SECRETS:
        assert secret not in html
        assert secret not in str(run.report)
    # The upload and its progress file are gone once the task has ended.
    assert list(upload_dir().iterdir()) == []


def test_a_refused_file_is_deleted_and_reported(school_spec, county, personas, login):
    client = login(personas["coordinator"])
    _upload(client, county.school_a, b"<CTfile><Header>")
    run = ImportRun.objects.get()
    assert run.status == RunStatus.REFUSED
    assert run.report["refused"]
    assert list(upload_dir().iterdir()) == []
    assert "Refused" in client.get(reverse("imports:run", args=[run.pk])).content.decode()


def test_a_file_with_problems_changes_nothing_unless_valid_only(
    student, school_spec, county, personas, login
):
    client = login(personas["coordinator"])
    broken = PupilSpec(upn=make_upn("855", "4123", 19, 5), nc_year="99")
    data = ctf_bytes([JORDAN, broken], school=school_spec)
    _upload(client, county.school_a, data)
    assert ImportRun.objects.get().status == RunStatus.REFUSED
    assert not Need.objects.filter(student=student).exists()
    _upload(client, county.school_a, data, valid_only="on")
    run = ImportRun.objects.latest("pk")
    assert run.status == RunStatus.DONE
    assert (run.report["counts"]["imported"], run.report["counts"]["rejected"]) == (1, 1)


def test_a_running_import_shows_its_progress_and_refreshes(county, personas, login):
    client = login(personas["coordinator"])
    run = ImportRun.objects.create(
        school=county.school_a, kind="ctf", file_name="big.xml", status=RunStatus.RUNNING,
        created_by=personas["coordinator"],
    )  # fmt: skip
    _progress_path(run.pk).write_text("300 1500")
    assert read_progress(run) == (300, 1500)
    response = client.get(reverse("imports:run", args=[run.pk]))
    assert response["Refresh"] == "2"
    html = response.content.decode()
    assert '<progress class="seip-progress" id="import-progress"' in html
    assert 'max="1500" value="300"' in html
    assert "300 of 1500 pupils" in html


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("coordinator", 200),
        ("safeguarding_lead", 200),
        ("school_contact", 200),
        ("school_b", 404),
        ("key_worker", 404),
        ("provider", 404),
    ],
)
def test_a_run_is_seen_only_by_those_who_may_import_the_schools_files(
    county, personas, login, persona, status
):
    run = ImportRun.objects.create(
        school=county.school_a, kind="ctf", file_name="a.xml", created_by=personas["coordinator"]
    )
    client = login(personas[persona])
    assert client.get(reverse("imports:run", args=[run.pk])).status_code == status


def test_a_school_contact_may_choose_only_their_own_school(county, personas, login):
    client = login(personas["school_contact"])
    html = client.get(reverse("imports:upload")).content.decode()
    assert county.school_a.name in html
    assert county.school_b.name not in html
    response = _upload(client, county.school_b, b"<x/>")
    assert response.status_code == 200  # the form refuses a school it does not offer
    assert not ImportRun.objects.exists()


@pytest.mark.parametrize("persona", ["key_worker", "dpo", "provider", "parent", "nobody"])
def test_others_may_not_upload(personas, login, persona):
    assert login(personas[persona]).get(reverse("imports:upload")).status_code == 403


def test_a_school_contact_imports_their_schools_file(student, school_spec, county, personas, login):
    client = login(personas["school_contact"])
    _upload(client, county.school_a, ctf_bytes([JORDAN, UNREFERRED], school=school_spec))
    run = ImportRun.objects.get()
    assert run.status == RunStatus.DONE
    assert run.report["counts"]["imported"] == 1


def test_a_csv_preview_shows_the_mapping_without_upns_or_free_text(
    student, county, personas, login
):
    client = login(personas["coordinator"])
    data = (
        b"UPN,Date,Type,Level,Notes\n"
        b"B801200005001,2025-10-01,Disruption,2,Shouted at Persephone in maths\n"
    )
    response = _upload(
        client, county.school_a, data, kind="behaviour", name="behaviour.csv",
        columns="upn=UPN,date=Date,category=Type,severity=Level,description=Notes",
        preview="1",
    )  # fmt: skip
    html = response.content.decode()
    assert "row 2: date 2025-10-01, category Disruption, severity 2" in html
    assert "description (30 characters); referred: yes" in html
    assert "B801200005001" not in html
    assert "Persephone" not in html
    assert not ImportRun.objects.exists()


def test_a_csv_upload_remembers_its_mapping(student, county, personas, login):
    client = login(personas["coordinator"])
    data = b"UPN,Date,Type,Level,Notes\nB801200005001,2025-10-01,Disruption,2,Shouting\n"
    columns = "upn=UPN,date=Date,category=Type,severity=Level,description=Notes"
    _upload(client, county.school_a, data, kind="behaviour", name="b.csv", columns=columns)
    assert ImportRun.objects.get().report["counts"]["imported"] == 1
    _upload(client, county.school_a, data, kind="behaviour", name="b.csv")
    assert ImportRun.objects.latest("pk").report["counts"]["unchanged"] == 1


def _candidate(county, student, personas):
    return MatchCandidate.objects.create(
        student=student, school=county.school_a, file_name="855-4123.xml", position=3,
        created_by=personas["coordinator"],
    )  # fmt: skip


def test_the_coordinator_decides_a_match(county, student, personas, login):
    candidate = _candidate(county, student, personas)
    client = login(personas["coordinator"])
    listing = client.get(reverse("imports:matches")).content.decode()
    assert "Jordan Example" in listing
    url = reverse("imports:match_decide", args=[candidate.pk])
    assert client.post(url, {}).status_code == 200  # a decision is required
    response = client.post(url, {"resolution": MatchResolution.DIFFERENT_CHILD})
    assert response.url == reverse("imports:matches")
    candidate.refresh_from_db()
    assert candidate.resolution == MatchResolution.DIFFERENT_CHILD
    assert candidate.resolved_by == personas["coordinator"]
    assert AuditEvent.objects.filter(action="imports.match.resolve").count() == 1
    assert client.get(url).status_code == 404  # decided: no longer open
    assert "Jordan Example" not in client.get(reverse("imports:matches")).content.decode()


@pytest.mark.parametrize(("persona", "status"), [("key_worker", 403), ("school_contact", 403)])
def test_only_the_coordinator_sees_the_matching_queue(
    county, student, personas, login, persona, status
):
    candidate = _candidate(county, student, personas)
    client = login(personas[persona])
    assert client.get(reverse("imports:matches")).status_code == status
    url = reverse("imports:match_decide", args=[candidate.pk])
    assert client.post(url, {"resolution": "same_child"}).status_code == status
    candidate.refresh_from_db()
    assert candidate.resolved_at is None


# The worker closes its database connection after each task, as a long-lived process
# should; on PostgreSQL that would end a test's wrapping transaction, so this one commits.
@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_a_queued_import(
    database_tasks, student, school_spec, county, personas, login
):
    client = login(personas["coordinator"])
    data = ctf_bytes([JORDAN, UNREFERRED], school=school_spec)
    response = _upload(client, county.school_a, data)
    run = ImportRun.objects.get()
    assert run.status == RunStatus.QUEUED
    page = client.get(response.url)
    assert page["Refresh"] == "2"
    assert "reading and checking the file" in page.content.decode()
    # Waiting for the worker, the upload is kept encrypted, never as the file itself.
    (stored,) = upload_dir().iterdir()
    assert b"Persephone" not in stored.read_bytes()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=io.StringIO())
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert run.report["counts"]["not referred"] == 1
    assert list(upload_dir().iterdir()) == []
    # The task's stored result and arguments carry nothing from the file.
    from django_tasks_db.models import DBTaskResult

    stored_task = str(list(DBTaskResult.objects.values()))
    for secret in SECRETS:
        assert secret not in stored_task


def test_old_runs_keep_their_counts_but_not_their_reasons(
    student, school_spec, county, personas, login
):
    old = ImportRun.objects.create(
        school=county.school_a, kind="ctf", file_name="old.xml", status=RunStatus.DONE,
        finished_at=timezone.now() - dt.timedelta(days=31),
        report={"counts": {"imported": 1}, "rejected": ["Pupil 2 (UPN X): ..."], "warnings": []},
    )  # fmt: skip
    client = login(personas["coordinator"])
    _upload(client, county.school_a, ctf_bytes([JORDAN], school=school_spec))
    old.refresh_from_db()
    assert old.report == {"counts": {"imported": 1}}
    assert "rejected" in ImportRun.objects.latest("pk").report
