"""Importing a CTF: matching, consent (P25), sources (P11), idempotence and atomicity."""

import datetime as dt
import io
import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from seip.attendance.models import AttendanceYear
from seip.audit.models import AuditEvent
from seip.imports.fixtures import (
    ContactSpec,
    PupilSpec,
    SchoolSpec,
    YearSpec,
    ctf_bytes,
    make_upn,
    register,
    seeded,
)
from seip.imports.models import MatchCandidate
from seip.imports.services import Outcome, ctf_import
from seip.imports.validation import ImportValidationError
from seip.keys.fields import indexed
from seip.records.models import Contact, Need, NeedKind
from seip.referrals.models import ReferralStatus
from seip.students.sources import SourceKind

UNREFERRED_UPN = make_upn("855", "4001", 19, 321)
UNREFERRED = PupilSpec(
    upn=UNREFERRED_UPN,
    forename="Zebedee",
    surname="Quartermaine",
    dob="2011-06-30",
    contacts=(ContactSpec(forename="Wilhelmina", surname="Quartermaine", phone="07700 900999"),),
)


def _jordan(**changes):
    values = {
        "sen": (("2023-09-04", "K", (("SEMH", 1), ("SLCN", 2))),),
        "fsm": (("2024-01-08", ""),),
        "first_language": "POL",
        "years": (register(2023, seeded(11)), register(2024, seeded(12))),
    }
    values.update(changes)
    return PupilSpec(**values)


def _run(pupils, school_spec, actor, *, name="855-4001-ctf.xml", **kwargs):
    data = ctf_bytes(pupils, school=school_spec)
    return ctf_import(source=io.BytesIO(data), file_name=name, actor=actor, **kwargs)


def _stored_counts():
    return {
        model.__name__: model.objects.count()
        for model in (Need, Contact, AttendanceYear, MatchCandidate, AuditEvent)
    }


@pytest.mark.promise("P11")
def test_every_imported_fact_carries_the_school_the_file_and_the_date(
    student, school_spec, personas, county
):
    report = _run([_jordan()], school_spec, personas["coordinator"])
    assert report.applied
    assert report.count(Outcome.IMPORTED) == 1
    facts = [
        *Need.objects.filter(student=student),
        *Contact.objects.filter(student=student),
        *AttendanceYear.objects.filter(student=student),
    ]
    assert len(facts) >= 7 + 1 + 2
    today = dt.date.today()  # noqa: DTZ011 - the service uses the local date
    for fact in facts:
        assert fact.source_kind == SourceKind.SCHOOL_IMPORT
        assert fact.source_organisation == county.school_a.organisation
        assert fact.source_note == f"CTF upload (.xml) of {today.isoformat()}"
        assert fact.obtained_on == today
    current = {
        n.kind: (n.code.code, n.detail) for n in Need.objects.filter(superseded_at__isnull=True)
    }
    assert current[NeedKind.SEN_PROVISION] == ("K", "")
    assert current[NeedKind.SEN_PRIMARY] == ("SEMH", "")
    assert current[NeedKind.SEN_SECONDARY] == ("SLCN", "")
    assert current[NeedKind.FSM] == ("Y", "")
    assert current[NeedKind.EAL] == ("Y", "POL")
    contact = Contact.objects.get(student=student)
    assert (contact.name, contact.relationship, contact.parental_responsibility) == (
        "Ms Sam Example",
        "Mother",
        True,
    )
    years = AttendanceYear.objects.filter(student=student).order_by("academic_year")
    assert [y.academic_year for y in years] == [2023, 2024]
    assert years[1].possible > 300


def test_the_same_file_twice_changes_nothing_the_second_time(student, school_spec, personas):
    _run([_jordan()], school_spec, personas["coordinator"])
    before = _stored_counts()
    report = _run([_jordan()], school_spec, personas["coordinator"])
    assert report.count(Outcome.UNCHANGED) == 1
    assert report.count(Outcome.UPDATED) == report.count(Outcome.IMPORTED) == 0
    after = _stored_counts()
    assert after["AuditEvent"] == before["AuditEvent"] + 1  # the import itself only
    assert {k: v for k, v in after.items() if k != "AuditEvent"} == {
        k: v for k, v in before.items() if k != "AuditEvent"
    }


def test_a_newer_file_updates_values_and_keeps_the_history(student, school_spec, personas):
    _run([_jordan()], school_spec, personas["coordinator"])
    newer = _jordan(
        first_language="ENG",
        sen=(("2025-03-01", "E", (("SEMH", 1),)),),
        contacts=(ContactSpec(phone="07700 900555"),),
        years=(register(2023, seeded(11)), register(2024, seeded(99))),
    )
    report = _run([newer], school_spec, personas["coordinator"])
    assert report.count(Outcome.UPDATED) == 1
    provision = Need.objects.filter(student=student, kind=NeedKind.SEN_PROVISION)
    assert [n.code.code for n in provision.order_by("recorded_at", "pk")] == ["K", "E"]
    old = provision.get(code__code="K")
    assert old.superseded_by == provision.get(code__code="E")
    assert Contact.objects.get(student=student).phone == "07700 900555"
    eal = Need.objects.get(student=student, kind=NeedKind.EAL, superseded_at__isnull=True)
    assert (eal.code.code, eal.detail) == ("N", "ENG")
    assert AttendanceYear.objects.filter(student=student).count() == 2


@pytest.mark.promise("P25")
def test_an_unreferred_pupil_leaves_no_trace(student, school_spec, personas, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    report = _run([UNREFERRED, _jordan()], school_spec, personas["coordinator"])
    assert report.count(Outcome.NOT_REFERRED) == 1
    assert report.count(Outcome.IMPORTED) == 1
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    path = tmp_path / "school.xml"
    path.write_bytes(ctf_bytes([UNREFERRED, _jordan()], school=school_spec))
    output = io.StringIO()
    call_command(
        "import", "ctf", str(path), "--as", personas["coordinator"].email,
        stdout=output, stderr=output,
    )  # fmt: skip
    everything = "\n".join(
        [dump.getvalue(), caplog.text, "\n".join(report.lines()), output.getvalue()]
    )
    # The referred student is there (a sealed UPN and its blind index): a real check.
    assert indexed("upn", "B801200005001") in dump.getvalue()
    for trace in (UNREFERRED_UPN, "Zebedee", "Quartermaine", "Wilhelmina", "2011-06-30"):
        assert trace not in everything


def test_a_name_and_birthday_match_is_queued_never_imported(student, school_spec, personas):
    other_upn = make_upn("855", "4001", 20, 444)
    report = _run([_jordan(upn=other_upn)], school_spec, personas["coordinator"])
    assert report.count(Outcome.QUEUED) == 1
    assert Need.objects.filter(student=student).count() == 0
    candidate = MatchCandidate.objects.get()
    assert (candidate.student, candidate.position) == (student, 1)
    again = _run([_jordan(upn=other_upn)], school_spec, personas["coordinator"])
    assert again.count(Outcome.QUEUED) == 1
    assert MatchCandidate.objects.count() == 1


def test_a_name_alone_never_matches(student, school_spec, personas):
    report = _run(
        [_jordan(upn=make_upn("855", "4001", 20, 445), dob="2012-03-15")],
        school_spec,
        personas["coordinator"],
    )
    assert report.count(Outcome.NOT_REFERRED) == 1
    assert MatchCandidate.objects.count() == 0


def test_a_permanent_upn_replaces_the_temporary_one_through_the_former_upn(
    student, school_spec, personas
):
    student.upn, student.upn_is_temporary = "X00180001701A", True
    student.save()
    report = _run(
        [_jordan(former_upn="X00180001701A", nc_year="10")], school_spec, personas["coordinator"]
    )
    assert report.count(Outcome.IMPORTED) == 1
    student.refresh_from_db()
    assert (student.upn, student.upn_is_temporary, student.nc_year) == ("B801200005001", False, 10)


def test_a_file_with_errors_changes_nothing(student, school_spec, personas):
    before = _stored_counts()
    bad = _jordan(upn=make_upn("855", "4001", 20, 446), dob="2012-02-30")
    report = _run([_jordan(), bad], school_spec, personas["coordinator"])
    assert not report.applied
    assert "Pupil 2: CTfile/CTFpupilData/Pupil[2]/DOB" in report.rejected[0]
    assert "2012-02-30" not in "\n".join(report.lines())  # not referred: no values shown
    assert _stored_counts() == before


def test_valid_only_imports_each_pupil_all_or_nothing(student, school_spec, personas):
    # Jordan's marks record a session in the future: the attendance service refuses it
    # after the needs were already written, so the savepoint must undo those too.
    future = dt.date.today() + dt.timedelta(days=7)  # noqa: DTZ011
    start = future - dt.timedelta(days=future.weekday())
    late = YearSpec(start=start, marks="/\\" * 7)
    bad = make_upn("855", "4001", 20, 447)
    pupils = [_jordan(years=(late,)), PupilSpec(upn=bad, dob="31-12-2011")]
    before = _stored_counts()
    refused = _run(pupils, school_spec, personas["coordinator"])
    assert not refused.applied
    assert _stored_counts() == before
    report = _run(pupils, school_spec, personas["coordinator"], valid_only=True)
    assert report.applied
    assert report.count(Outcome.REJECTED) == 2
    assert any(
        "Pupil 1 (UPN B801200005001)" in r and "before the session" in r for r in report.rejected
    )
    after = _stored_counts()
    assert after["Need"] == after["Contact"] == after["AttendanceYear"] == 0


@pytest.mark.parametrize("persona", ["key_worker", "dpo", "school_b", "provider", "nobody"])
def test_only_the_schools_contacts_and_whole_partnership_writers_may_import(
    student, school_spec, personas, persona
):
    with pytest.raises(PermissionDenied):
        _run([_jordan()], school_spec, personas[persona])


def test_a_student_of_another_partnership_is_not_referred_here(
    student, school_spec, personas, county
):
    student.partnership = county.b
    student.save()
    report = _run([_jordan()], school_spec, personas["coordinator"])
    assert report.count(Outcome.NOT_REFERRED) == 1


def test_the_command_prints_the_report(student, school_spec, personas, tmp_path, county):
    path = tmp_path / "855-4001.xml"
    path.write_bytes(ctf_bytes([_jordan(), UNREFERRED], school=school_spec))
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import",
        "ctf",
        str(path),
        "--school",
        county.school_a.urn,
        "--as",
        personas["coordinator"].email,
        stdout=out,
        stderr=err,
    )
    text = out.getvalue()
    assert "imported: 1" in text
    assert "not referred: 1" in text
    assert "2/2" in err.getvalue()


def test_the_command_stores_a_neutral_label_never_the_files_name(
    student, school_spec, personas, tmp_path, county
):
    """A file's own name can name a pupil: the command line stores the label the web
    upload stores (``file_label``), in every fact's source and the printed report."""
    path = tmp_path / "Marnie Quelch-Obadiah CTF.XML"
    path.write_bytes(ctf_bytes([_jordan()], school=school_spec))
    out = io.StringIO()
    call_command(
        "import", "ctf", str(path), "--as", personas["coordinator"].email,
        stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    label = f"CTF upload (.xml) of {timezone.localdate().isoformat()}"
    facts = [*Need.objects.filter(student=student), *AttendanceYear.objects.filter(student=student)]
    assert facts
    assert {fact.source_note for fact in facts} == {label}
    assert out.getvalue().startswith(f"{label}: CTF")
    assert "Quelch" not in out.getvalue()


def test_two_pupils_that_are_the_same_student_are_both_refused(student, school_spec, personas):
    twin = _jordan(upn=make_upn("855", "4001", 20, 448), former_upn="B801200005001")
    report = _run([_jordan(), twin], school_spec, personas["coordinator"])
    assert not report.applied
    assert "Pupil 2 (UPN" in report.rejected[0]
    assert "same student" in report.rejected[0]


def test_a_file_from_another_school_than_the_one_chosen_is_refused(
    student, school_spec, personas, county
):
    with pytest.raises(ImportValidationError, match="not from the school chosen"):
        _run([_jordan()], school_spec, personas["coordinator"], school_urn=county.school_b.urn)


def test_a_file_whose_source_is_unknown_needs_the_school(student, personas, county):
    unknown = SchoolSpec(lea="XXX", estab="XXXX", urn="")
    with pytest.raises(ImportValidationError, match="choose the school"):
        _run([_jordan()], unknown, personas["coordinator"])
    report = _run([_jordan()], unknown, personas["coordinator"], school_urn=county.school_a.urn)
    assert report.count(Outcome.IMPORTED) == 1


def test_the_audit_trail_holds_no_personal_data(student, school_spec, personas):
    _run([_jordan(), UNREFERRED], school_spec, personas["coordinator"])
    events = list(AuditEvent.objects.filter(action__startswith="imports."))
    assert {e.action for e in events} == {"imports.ctf", "imports.ctf.facts_add"}
    text = repr([(e.action, e.object_type, e.object_id, e.detail) for e in events])
    for personal in ("B801200005001", "Jordan", "Example", "2012-03-14", "Sam", "07700"):
        assert personal not in text
    summary = AuditEvent.objects.get(action="imports.ctf").detail
    assert (summary["imported"], summary["not_referred"]) == (1, 1)


def test_a_code_outside_its_era_is_imported_with_a_warning(student, school_spec, personas):
    year = register(2025, seeded(13))
    old_code = YearSpec(start=year.start, marks=year.marks.replace("/\\", "H\\", 1))
    report = _run([_jordan(years=(old_code,))], school_spec, personas["coordinator"])
    assert report.count(Outcome.IMPORTED) == 1
    assert any("H is a pre-2024 code" in warning for warning in report.warnings)
    assert AttendanceYear.objects.get(student=student).authorised >= 1


@pytest.mark.promise("P25")
def test_a_student_whose_consent_was_withdrawn_is_not_referred(student, school_spec, personas):
    student.referral.status = ReferralStatus.WITHDRAWN
    student.referral.save()
    report = _run([_jordan()], school_spec, personas["coordinator"])
    assert report.count(Outcome.NOT_REFERRED) == 1
    assert Need.objects.filter(student=student).count() == 0
