"""Security review, issue 15, finding 5: a school's import concerns only that school's
pupils (P25), and a student whose processing is restricted by an objection has nothing
written (P20), without the report telling a school why."""

import datetime as dt
import io

import pytest
from django.utils import timezone

from seip.attendance.models import AttendanceYear
from seip.behaviour.models import Incident
from seip.imports.fixtures import PupilSpec, ctf_bytes, make_upn, register, seeded
from seip.imports.mis import attendance_csv_import, attendance_csv_preview
from seip.imports.mis_facts import facts_csv_import
from seip.imports.models import MatchCandidate
from seip.imports.services import Outcome, ctf_import
from seip.organisations.models import School
from seip.records.models import Need
from seip.rights.models import Restriction, RightsRequest

UNREFERRED = PupilSpec(
    upn=make_upn("855", "4001", 19, 321), forename="Zebedee", surname="Quartermaine",
    dob="2011-06-30",
)  # fmt: skip


def _jordan(**changes):
    values = {
        "sen": (("2023-09-04", "K", (("SEMH", 1), ("SLCN", 2))),),
        "years": (register(2023, seeded(11)),),
    }
    values.update(changes)
    return PupilSpec(**values)


def _ctf(pupils, school_spec, actor):
    data = ctf_bytes(pupils, school=school_spec)
    return ctf_import(source=io.BytesIO(data), file_name="ctf.xml", actor=actor)


@pytest.fixture
def elsewhere(student, county):
    """Jordan moves to the partnership's other school: no longer school A's pupil."""
    other = School.objects.get(partnership=county.a, name="Alpha Community College")
    student.school = other
    student.save(update_fields=["school"])
    return student


@pytest.fixture
def restricted(student, personas):
    request = RightsRequest.objects.create(
        partnership=student.partnership, student=student, type="objection",
        requester_kind="parent_carer", requester_name="A Parent", requester_contact="x@y.test",
        received_via="email", received_on=dt.date(2026, 11, 20),
    )  # fmt: skip
    Restriction.objects.create(request=request, student=student, since=timezone.now())
    return student


@pytest.mark.promise("P25")
@pytest.mark.parametrize("persona", ["school_contact", "coordinator"])
def test_a_pupil_of_another_school_is_reported_like_an_unreferred_pupil(
    elsewhere, school_spec, personas, persona
):
    other = _ctf([_jordan()], school_spec, personas[persona])
    unreferred = _ctf([UNREFERRED], school_spec, personas[persona])
    assert other.count(Outcome.NOT_REFERRED) == 1
    assert other.lines()[1:] == unreferred.lines()[1:]
    assert "case staff" not in "\n".join(other.lines())
    assert Need.objects.filter(student=elsewhere).count() == 0


@pytest.mark.promise("P25")
def test_a_name_match_with_another_schools_pupil_is_not_queued(elsewhere, school_spec, personas):
    report = _ctf(
        [_jordan(upn=make_upn("855", "4001", 20, 444))], school_spec, personas["school_contact"]
    )
    assert report.count(Outcome.NOT_REFERRED) == 1
    assert report.count(Outcome.QUEUED) == 0
    assert not MatchCandidate.objects.exists()


@pytest.mark.promise("P25")
def test_mis_imports_and_previews_ignore_another_schools_pupil(elsewhere, county, personas):
    actor = personas["school_contact"]
    columns = {"upn": "UPN", "date": "Date", "am": "AM", "pm": "PM"}
    body = b"UPN,Date,AM,PM\nB801200005001,2025-09-08,/,\\\n"
    report = attendance_csv_import(
        source=io.BytesIO(body), school=county.school_a, actor=actor, columns=columns
    )
    assert report.count(Outcome.NOT_REFERRED) == 1
    assert not report.rejected
    preview = attendance_csv_preview(
        io.BytesIO(body), school=county.school_a, columns=columns, actor=actor
    )
    assert preview[-1].endswith("referred: no")
    facts = facts_csv_import(
        kind="behaviour",
        source=io.BytesIO(b"UPN,Date,Type,Level,Comments\nB801200005001,2025-10-01,Disruption,2,x\n"),
        school=county.school_a, actor=actor,
        columns={"upn": "UPN", "date": "Date", "category": "Type", "severity": "Level",
                 "description": "Comments"},
    )  # fmt: skip
    assert facts.count(Outcome.NOT_REFERRED) == 1
    assert not AttendanceYear.objects.exists()
    assert not Incident.objects.exists()


@pytest.mark.promise("P20")
@pytest.mark.parametrize("persona", ["school_contact", "coordinator"])
def test_a_restricted_students_facts_are_not_written(restricted, school_spec, personas, persona):
    report = _ctf([_jordan()], school_spec, personas[persona])
    assert report.applied
    assert report.count(Outcome.NOT_IMPORTED) == 1
    assert report.count(Outcome.IMPORTED) == 0
    assert Need.objects.filter(student=restricted).count() == 0
    assert AttendanceYear.objects.filter(student=restricted).count() == 0
    text = "\n".join(report.lines()).casefold()
    for reason in ("restrict", "objection", "object"):
        assert reason not in text
    assert report.restricted == 1


@pytest.mark.promise("P20")
def test_mis_imports_skip_a_restricted_student(restricted, county, personas):
    report = attendance_csv_import(
        source=io.BytesIO(b"UPN,Date,AM,PM\nB801200005001,2025-09-08,/,\\\n"),
        school=county.school_a, actor=personas["school_contact"],
        columns={"upn": "UPN", "date": "Date", "am": "AM", "pm": "PM"},
    )  # fmt: skip
    assert report.count(Outcome.NOT_IMPORTED) == 1
    assert not AttendanceYear.objects.exists()


@pytest.mark.promise("P20")
def test_only_the_coordinator_sees_why_a_pupil_was_not_imported(
    restricted, school_spec, personas, client
):
    from django.urls import reverse

    from seip.conftest import signed_in

    data = ctf_bytes([_jordan()], school=school_spec)
    upload = signed_in(client, personas["school_contact"])
    response = upload.post(
        reverse("imports:upload"),
        {"school": restricted.school.pk, "kind": "ctf", "file": io.BytesIO(data)},
    )
    assert response.status_code == 302
    page = upload.get(response["Location"]).content.decode()
    assert "Not imported" in page
    assert "objection" not in page.casefold()
    assert "restrict" not in page.casefold()
    coordinator = signed_in(client, personas["coordinator"])
    page = coordinator.get(response["Location"]).content.decode()
    assert 'id="import-restricted"' in page
