"""Reading a typical CTF, old and new versions, into typed values."""

import datetime as dt
import io

import pytest

from seip.imports.ctf import read_ctf
from seip.imports.fixtures import (
    ContactSpec,
    PupilSpec,
    SchoolSpec,
    YearSpec,
    ctf_bytes,
    make_upn,
    register,
    secondary_school,
    seeded,
)
from seip.imports.validation import CtfRefused


def _read(pupils, **kwargs):
    return read_ctf(io.BytesIO(ctf_bytes(pupils, **kwargs)))


def test_a_typical_secondary_school_file_reads_without_problems():
    ctf = _read(list(secondary_school(60)))
    assert ctf.errors == []
    assert len(ctf.pupils) == 60
    assert {p.nc_year for p in ctf.pupils} == {"7", "8", "9", "10", "11"}
    assert all(len(p.attendance) == 5 for p in ctf.pupils)
    year = ctf.pupils[0].attendance[-1]
    assert year.academic_year == 2025
    assert year.possible == year.counts.possible > 300
    assert year.attended == year.counts.attended


@pytest.mark.parametrize(("version", "tag"), [("16.0", "Gender"), ("25.0", "Sex"), ("12.0", "")])
def test_old_and_new_versions_and_both_sex_elements(version, tag):
    ctf = _read([PupilSpec(sex="F", sex_element=tag)], version=version)
    assert ctf.header.version == version
    assert ctf.pupils[0].sex == "F"


def test_header_and_pupil_values():
    spec = PupilSpec(
        former_upn="X00180001701A",
        fsm=(("2021-09-01", "2022-07-31"), ("2024-01-08", "")),
        in_care="true",
        care_authority="855",
        sen=(("2023-09-04", "K", (("SEMH", 1), ("SLCN", 2))),),
        first_language="POL",
        contacts=(
            ContactSpec(forename="Sam", relationship="PAM", responsibility="true"),
            ContactSpec(forename="Lee", relationship="GRF", responsibility="false", phone=""),
        ),
        years=(register(2024, seeded(5)),),
    )
    ctf = _read([spec], school=SchoolSpec(lea="855", estab="4321", urn="120321"))
    header = ctf.header
    assert (header.source_lea, header.source_estab, header.source_urn) == ("855", "4321", "120321")
    assert header.date_time is not None
    assert header.date_time.isoformat() == "2025-11-20T09:30:00"
    pupil = ctf.pupils[0]
    assert (pupil.upn, pupil.upn_temporary, pupil.former_upns) == (
        "B801200005001",
        False,
        ["X00180001701A"],
    )
    assert (pupil.forename, pupil.surname, pupil.date_of_birth) == (
        "Jordan",
        "Example",
        dt.date(2012, 3, 14),
    )
    assert (pupil.nc_year, pupil.ethnicity, pupil.first_language) == ("9", "WBRI", "POL")
    assert pupil.fsm[1].start == dt.date(2024, 1, 8)
    assert pupil.fsm[1].end is None
    assert (pupil.looked_after, pupil.care_authority) == (True, "855")
    assert pupil.sen[0].provision == "K"
    assert [(n.type, n.rank) for n in pupil.sen[0].needs] == [("SEMH", 1), ("SLCN", 2)]
    mother, grandfather = pupil.contacts
    assert (mother.relationship, mother.parental_responsibility) == ("Mother", True)
    assert (grandfather.relationship, grandfather.parental_responsibility) == (
        "Grandfather",
        False,
    )
    assert grandfather.address == pupil.address == "1 Mill Lane, Syston, Leicestershire, LE7 1AA"
    assert [(a.stage, a.subject, a.result) for a in pupil.assessments] == [
        ("KS2", "MAT", "104"),
        ("KS2", "RDG", "101"),
    ]
    assert pupil.schools[0].estab == "4321"
    assert pupil.schools[0].last_school
    assert "J1" not in pupil.attendance[0].marks  # stored in the attendance app's encoding


def test_a_temporary_upn_is_accepted_and_flagged():
    ctf = _read([PupilSpec(upn="X00180001701A")])
    assert ctf.errors == []
    assert ctf.pupils[0].upn_temporary
    assert "temporary UPN" in ctf.warnings[0].message


def test_marks_start_at_the_attendance_start_date():
    year = YearSpec(start=dt.date(2025, 9, 8), marks="/\\C1J1")
    pupil = _read([PupilSpec(years=(year,))]).pupils[0]
    stored = pupil.attendance[0].marks
    assert stored[: 2 * 7] == "." * 14
    assert pupil.attendance[0].counts.present == 2
    assert pupil.attendance[0].counts.authorised == 2


def test_recomputed_possible_sessions_that_differ_are_a_warning():
    year = YearSpec(start=dt.date(2025, 9, 8), marks="/\\/\\", possible=6, attended=4)
    ctf = _read([PupilSpec(years=(year,))])
    assert ctf.errors == []
    assert "4 possible sessions, not 6" in ctf.warnings[0].message


@pytest.mark.parametrize(
    ("spec", "path", "words"),
    [
        (PupilSpec(upn="B80120000500"), "UPN", "13 characters"),
        (PupilSpec(upn="C801200005001"), "UPN", "check letter is wrong: C should be B"),
        (PupilSpec(upn=make_upn("999", "4001", 20, 1)), "UPN", "LA code 999"),
        (PupilSpec(dob="14/03/2012"), "DOB", "YYYY-MM-DD"),
        (PupilSpec(sex="Q"), "Sex", "sex code list"),
        (PupilSpec(nc_year="15"), "NCyearActual", "NC year"),
        (PupilSpec(ethnicity="ZZZZ"), "Ethnicity", "ethnicity"),
        (PupilSpec(sen=(("2024-01-01", "Z", ()),)), "SENprovision", "SEN provision"),
        (PupilSpec(sen=(("2024-01-01", "K", (("ADHD", 1),)),)), "SENtype", "SEN type"),
        (PupilSpec(surname=""), "Surname", "required"),
        (PupilSpec(contacts=(ContactSpec(responsibility="yes"),)), "Responsibility", "true or"),
        (
            PupilSpec(years=(YearSpec(start=dt.date(2025, 9, 8), marks="/\\", possible=-2),)),
            "SessionsPossible",
            "negative",
        ),
    ],
)
def test_each_validator_rule_names_the_pupil_and_the_element(spec, path, words):
    ctf = _read([PupilSpec(upn=make_upn("855", "4001", 20, 7)), spec])
    problem = ctf.errors[0]
    assert problem.position == 2
    assert problem.path.startswith("CTfile/CTFpupilData/Pupil[2]/")
    assert problem.path.endswith(path)
    assert words in problem.message
    assert str(problem).startswith("Pupil 2")


@pytest.mark.parametrize(
    ("header_change", "words"),
    [
        ((b"<CTFversion>25.0</CTFversion>", b"<CTFversion>26.0</CTFversion>"), "not supported"),
        ((b"<CTFversion>25.0</CTFversion>", b"<CTFversion>v25</CTFversion>"), "not a CTF version"),
        ((b"<CTFversion>25.0</CTFversion>", b""), "version is missing"),
        ((b"2025-11-20T09:30:00", b"20/11/2025"), "not an ISO date"),
        ((b"<LEA>855</LEA>", b"<LEA>85</LEA>"), "three-digit LA code"),
        ((b"<Estab>4001</Estab>", b"<Estab>40A1</Estab>"), "four-digit"),
        ((b"<DocumentName>Common Transfer File</DocumentName>", b""), "DocumentName"),
    ],
)
def test_header_problems_refuse_the_file(header_change, words):
    data = ctf_bytes([PupilSpec()]).replace(*header_change, 1)
    with pytest.raises(CtfRefused, match=words):
        read_ctf(io.BytesIO(data))
