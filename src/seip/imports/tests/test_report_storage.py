"""What the database keeps of an upload (P22; ADR 0035): a neutral label instead of the
file's name, and reports that name referred pupils by student id, not UPN. The page shows
the UPN from the student's record, and says so when the record was erased."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from seip.imports.fixtures import PupilSpec, ctf_bytes, make_upn
from seip.imports.models import ImportRun, MatchCandidate, file_label
from seip.imports.runs import report_lines

pytestmark = pytest.mark.django_db


def _upload(client, school, data: bytes, name: str, **extra):
    return client.post(
        reverse("imports:upload"),
        {"school": school.pk, "kind": "ctf", "file": SimpleUploadedFile(name, data), **extra},
    )


def test_a_file_name_is_kept_only_as_its_kind_extension_and_day():
    day = timezone.localdate()
    assert file_label("ctf", "Jo Bloggs CTF.XML") == f"CTF upload (.xml) of {day.isoformat()}"
    assert file_label("attendance", "Jo Bloggs") == f"Attendance CSV upload of {day.isoformat()}"
    label = file_label("ctf", "a.xml")
    assert file_label("ctf", label) == label


@pytest.mark.promise("P22")
def test_the_stored_report_names_pupils_by_student_id_and_the_page_by_upn(
    student, school_spec, county, personas, login
):
    client = login(personas["coordinator"])
    broken = PupilSpec(nc_year="99")  # Jordan (the referred pupil), with a bad NC year
    data = ctf_bytes([broken], school=school_spec)
    _upload(client, county.school_a, data, "Jordan Example CTF.xml")
    run = ImportRun.objects.get()
    assert "Jordan" not in run.file_name
    assert run.file_name.startswith("CTF upload (.xml) of ")
    stored = str(run.report)
    assert student.upn not in stored
    assert f"[student:{student.pk}]" in stored
    html = client.get(reverse("imports:run", args=[run.pk])).content.decode()
    assert f"UPN {student.upn}" in html
    assert "Jordan Example" not in html
    # Once the student is gone, the report has nothing left that names them.
    assert report_lines([f"Pupil 1 ([student:{student.pk + 999}]): x"]) == [
        "Pupil 1 (a pupil whose record was erased): x"
    ]


def test_a_match_candidate_keeps_the_label_not_the_file_name(student, county):
    candidate = MatchCandidate.objects.create(
        student=student, school=county.school_a, file_name="Jo Bloggs.xml", position=3
    )
    assert "Bloggs" not in candidate.file_name
    assert MatchCandidate.objects.get().file_name == file_label("ctf", "x.xml")


def test_an_unreferred_upn_is_never_quoted(school_spec, county, personas, login):
    client = login(personas["coordinator"])
    stranger = make_upn("855", "4001", 19, 778)
    _upload(client, county.school_a, ctf_bytes([PupilSpec(upn=stranger, nc_year="99")],
            school=school_spec), "s.xml")  # fmt: skip
    assert stranger not in str(ImportRun.objects.get().report)
