"""Hostile and broken files: each refused with a clear message, in bounded time and
memory, with nothing stored. And a property: no mutation of a valid CTF makes the reader
raise anything but the import's validation error."""

import datetime as dt
import io
import time
import tracemalloc
from typing import IO

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seip.attendance.models import AttendanceYear
from seip.audit.models import AuditEvent
from seip.imports.ctf import read_ctf
from seip.imports.fixtures import (
    BROKEN,
    PupilSpec,
    SchoolSpec,
    YearSpec,
    ctf_bytes,
    header_xml,
    make_upn,
    pupil_xml,
    register,
    seeded,
)
from seip.imports.models import MatchCandidate
from seip.imports.services import ctf_import
from seip.imports.validation import CtfRefused, ImportValidationError
from seip.records.models import Contact, Need

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE CTfile [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<CTfile><Header><DocumentName>&lol9;</DocumentName></Header></CTfile>"""


def _xxe(system_id: bytes) -> bytes:
    return (
        b'<?xml version="1.0"?>\n<!DOCTYPE CTfile [<!ENTITY xxe SYSTEM "' + system_id + b'">]>'
        b"<CTfile><Header><DocumentName>&xxe;</DocumentName><CTFversion>25.0</CTFversion>"
        b"</Header><CTFpupilData/></CTfile>"
    )


def _stored():
    return [m.objects.count() for m in (Need, Contact, AttendanceYear, MatchCandidate, AuditEvent)]


@pytest.fixture
def refuse(student, school_spec, personas):
    """Import bytes as the co-ordinator; assert it is refused and nothing was stored."""

    def _refuse(data: bytes, **kwargs) -> str:
        before = _stored()
        started = time.perf_counter()
        try:
            report = ctf_import(
                source=io.BytesIO(data), actor=personas["coordinator"], file_name="x.xml", **kwargs
            )
        except ImportValidationError as exc:  # refused outright: the file cannot be read
            message = str(exc)
        else:  # refused as a whole: the report gives the reasons
            assert not report.applied
            message = report.refused + "; " + "; ".join(report.rejected)
        assert time.perf_counter() - started < 10
        assert _stored() == before
        return message

    return _refuse


def test_billion_laughs_is_refused(refuse):
    assert "DTD or entities" in refuse(BILLION_LAUGHS)


@pytest.mark.parametrize(
    "system_id", [b"file:///etc/passwd", b"/etc/hostname", b"http://127.0.0.1:9/ctf.dtd"]
)
def test_external_entities_are_refused(refuse, system_id):
    assert "DTD or entities" in refuse(_xxe(system_id))


def test_a_doctype_the_byte_check_cannot_see_is_refused_at_the_root():
    utf16 = _xxe(b"file:///etc/passwd").replace(
        b'version="1.0"', b'version="1.0" encoding="UTF-16"'
    )
    data = utf16.decode().encode("utf-16")
    with pytest.raises(CtfRefused, match="DTD"):
        read_ctf(io.BytesIO(data))


def test_deep_nesting_is_refused(refuse):
    data = b"<CTfile>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</CTfile>"
    assert "nests elements more than 32 deep" in refuse(data)


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("truncated", "not well-formed XML"),
        ("wrong_root", "root element is <School>, not <CTfile>"),
        ("no_header", "header"),
        ("bad_version", "version 11.0 is not supported"),
        ("bad_check_letter", "UPN"),
        ("duplicate_upn", "also on pupil 1"),
        ("unknown_mark", "“Q9” (session 5) is not an attendance code"),
        ("sessions_do_not_add_up", "more than the possible sessions (10)"),
        ("missing_dob", "DOB"),
        ("bad_sex", "sex code list"),
        ("bad_ethnicity", "ethnicity code list"),
        ("bad_responsibility", "true or false"),
        ("negative_sessions", "cannot be negative"),
    ],
)
def test_each_broken_file_is_refused_with_a_clear_message(refuse, school_spec, kind, words):
    assert words in refuse(BROKEN[kind](school_spec))


def test_broken_pupils_are_named_by_position_upn_and_element(school_spec):
    ctf = read_ctf(io.BytesIO(BROKEN["bad_check_letter"](school_spec)))
    assert str(ctf.errors[0]) == (
        "Pupil 1 (UPN C801200005001): CTfile/CTFpupilData/Pupil[1]/UPN: The UPN's check letter "
        "is wrong: C should be B. Check the UPN against the school's records"
    )


def _big_file(path, size: int) -> None:
    """Stream a valid-looking CTF of about ``size`` bytes to disk."""
    school = SchoolSpec()
    chunk = "".join(
        pupil_xml(
            PupilSpec(upn=make_upn("855", "4001", 20, n), years=(register(2024, seeded(n)),)),
            version="25.0",
            school=school,
        )
        for n in range(50)
    ).encode()
    with path.open("wb") as out:
        out.write(
            b'<?xml version="1.0"?><CTfile>' + header_xml(version="25.0", school=school).encode()
        )
        out.write(b"<CTFpupilData>")
        written = 0
        while written < size:
            out.write(chunk)
            written += len(chunk)
        out.write(b"</CTFpupilData></CTfile>")


class _Counted(io.RawIOBase):
    """A file read through a counter: how many bytes the reader took before it stopped."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream, self.taken = stream, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        data = self.stream.read(len(buffer))
        buffer[: len(data)] = data
        self.taken += len(data)
        return len(data)


def test_a_200_mb_file_is_refused_in_bounded_time_and_memory(tmp_path, refuse):
    path = tmp_path / "huge.xml"
    _big_file(path, 200 * 1024 * 1024)
    # By its size, before a byte is parsed. The work is bounded, not the wall clock: on a
    # busy machine a wall-clock bound fails for reasons of its own, so CPU time is counted.
    started = time.process_time()
    with pytest.raises(CtfRefused, match="larger than the limit of 100 MB"):
        read_ctf(path)
    assert time.process_time() - started < 1
    # As a stream of unknown size: refused while reading, memory flat (pupils are
    # checked then dropped; the duplicate UPNs make each one an error, which is kept), and
    # the reading stops at the limit: it never takes the rest of the 200 MB.
    tracemalloc.start()
    try:
        with path.open("rb") as raw:
            counted = _Counted(raw)
            with pytest.raises(CtfRefused, match="larger than the limit"):
                read_ctf(io.BufferedReader(counted), max_bytes=20 * 1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert counted.taken < 21 * 1024 * 1024
    assert peak < 80 * 1024 * 1024
    path.unlink()


VALID = ctf_bytes(
    [
        PupilSpec(years=(register(2024, seeded(1)),)),
        PupilSpec(upn="X00180001701A", sex="F", nc_year="R"),
    ]
)


INSERTS = [
    *(b"<", b">", b"&amp;", b"&x;", b"<!DOCTYPE a>", b"</Pupil>", b"<Pupil>", b"\xff\xfe"),
    *(b"<UPN>A1</UPN>", b"-1", b"C1", b"Y9", b"]]>", b"<![CDATA["),
]


@st.composite
def mutated(draw) -> bytes:
    data = bytearray(VALID)
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["delete", "insert", "replace", "truncate", "swap"]))
        if action == "delete":
            del data[where : where + draw(st.integers(1, 200))]
        elif action == "insert":
            data[where:where] = draw(
                st.one_of(
                    st.binary(max_size=20),
                    st.sampled_from(INSERTS),
                )
            )
        elif action == "replace" and where < len(data):
            data[where] = draw(st.integers(0, 255))
        elif action == "truncate":
            del data[where:]
        else:
            other = draw(st.integers(0, len(data)))
            data[where:other] = data[other:where]
    return bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutations_of_a_valid_file_only_ever_raise_the_validation_error(data):
    try:
        ctf = read_ctf(io.BytesIO(data))
    except ImportValidationError as exc:
        message = str(exc)
    else:
        message = "read"
        assert all(problem.path.startswith("CTfile") for problem in ctf.errors)
    assert message


def test_a_pupil_with_too_many_elements_is_refused(refuse, school_spec):
    wide = PupilSpec(upn=make_upn("855", "4001", 20, 9), extra="<Phones/>" * 30_000)
    assert "more than 20000 elements" in refuse(ctf_bytes([wide], school=school_spec))


def test_unknown_elements_near_the_root_are_dropped_as_they_are_read(school_spec):
    junk = b"<Junk><x/></Junk>" * 200_000
    data = ctf_bytes([PupilSpec()], school=school_spec).replace(
        b"<CTFpupilData>", b"<CTFpupilData>" + junk
    )
    ctf = read_ctf(io.BytesIO(data))
    assert len(ctf.pupils) == 1


def test_marks_longer_than_a_year_are_refused_before_decoding(refuse, school_spec):
    year = YearSpec(start=dt.date(2024, 9, 2), marks="C1" * 2_000_000)
    assert "longer than a school year" in refuse(
        ctf_bytes([PupilSpec(years=(year,))], school=school_spec)
    )
