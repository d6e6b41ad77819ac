"""Hand-worked examples of the DfE measures, and properties that hold for any marks."""

import datetime as dt
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from seip.attendance.calculations import (
    Counts,
    possible_and_attended,
    possible_and_attended_flags,
    tally,
    tally_between,
    tally_years,
)
from seip.attendance.codes import BY_CODE
from seip.attendance.marks import DECODING, NO_MARK, encode
from seip.attendance.tests.factories import year_marks


def stored(*marks: str | None) -> str:
    return "".join(encode(None if m is None else BY_CODE[m]) for m in marks)


def test_every_category_counted_by_hand():
    marks = stored(
        "/", "\\", "L",  # present: 3
        "K", "V", "P", "W", "B", "J",  # approved educational activity: 6
        "C", "C1", "C2", "E", "I", "J1", "M", "R", "S", "T", "H", "F",  # authorised: 12
        "G", "N", "O", "U",  # unauthorised: 4
        "D", "X", "Q", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7", "Y",  # not possible
        "Z", "#", None,  # administrative, and no mark
    )  # fmt: skip
    counts = tally(marks)
    assert counts == Counts(possible=25, present=3, approved=6, authorised=12, unauthorised=4)
    assert counts.attended == 9
    assert counts.absent == 16
    assert counts.attendance_rate == Fraction(9, 25)
    assert counts.attendance_percent == 36.0
    assert counts.absence_rate == Fraction(16, 25)
    assert counts.persistent
    assert counts.severe


def test_approved_activity_counts_as_attended_and_possible():
    counts = tally(stored("/", "\\", "K", "K", "V", "W"))
    assert counts.possible == 6
    assert counts.attendance_rate == 1


def test_dual_registration_is_not_a_possible_session_here():
    # Three days here, two days at the other school (D), one morning ill.
    counts = tally(stored("/", "\\", "/", "\\", "I", "\\", "D", "D", "D", "D"))
    assert counts.possible == 6
    assert counts.attended == 5
    assert counts.attendance_rate == Fraction(5, 6)


def test_sessions_that_are_not_possible_leave_every_rate_alone():
    base = stored(*["/"] * 9, "N")
    padded = base + stored("X", "Q", "Y1", "Y7", "Y", "Z", "#", None, "D")
    assert tally(padded) == tally(base)
    assert tally(padded).absence_rate == Fraction(1, 10)


def test_persistent_absence_starts_at_exactly_ten_percent():
    exactly = tally(stored(*["/"] * 342, *["N"] * 38))  # 38 of 380
    assert exactly.absence_rate == Fraction(1, 10)
    assert exactly.persistent
    assert not exactly.severe
    just_under = tally(stored(*["/"] * 343, *["N"] * 37))  # 37 of 380: 9.7%
    assert not just_under.persistent
    # Authorised absence counts towards it too.
    assert tally(stored(*["/"] * 18, "I", "M")).persistent


def test_severe_absence_starts_at_exactly_fifty_percent():
    exactly = tally(stored(*["/"] * 190, *["I"] * 100, *["O"] * 90))  # 190 of 380
    assert exactly.absence_rate == Fraction(1, 2)
    assert exactly.severe
    assert exactly.persistent
    just_under = tally(stored(*["/"] * 191, *["I"] * 189))  # 189 of 380: 49.7%
    assert not just_under.severe
    assert just_under.persistent


def test_no_possible_sessions_means_no_rate_and_no_flags():
    counts = tally(stored("#", "#", "X", None))
    assert counts.possible == 0
    assert counts.attendance_rate is None
    assert counts.absence_percent is None
    assert not counts.persistent
    assert not counts.severe


def test_a_date_range_counts_only_its_own_days():
    mon, tue, wed = dt.date(2025, 3, 3), dt.date(2025, 3, 4), dt.date(2025, 3, 5)
    marks = year_marks(2024, {mon: ("/", "\\"), tue: ("I", "I"), wed: ("N", "/")})
    assert tally_between(2024, marks, tue, tue) == Counts(possible=2, authorised=2)
    assert tally_between(2024, marks, tue, None) == Counts(4, 1, 0, 2, 1)
    assert tally_between(2024, marks, None, mon) == Counts(2, 2, 0, 0, 0)
    assert tally_between(2024, marks, dt.date(2025, 9, 1), None) == Counts()


def test_a_range_across_19_august_2024_adds_old_and_new_codes():
    old = year_marks(2023, {dt.date(2024, 7, 15): ("H", "J")})
    new = year_marks(2024, {dt.date(2024, 9, 4): ("C2", "K")})
    counts = tally_years([(2023, old), (2024, new)], dt.date(2024, 7, 1), dt.date(2024, 9, 30))
    # H and C2 are authorised absence; J (before) and K (after) approved activity.
    assert counts == Counts(possible=4, present=0, approved=2, authorised=2, unauthorised=0)
    assert tally_years([(2023, old), (2024, new)], dt.date(2024, 9, 1)).possible == 2


stored_characters = st.text(alphabet=st.sampled_from([*DECODING, NO_MARK]), max_size=800)


@given(stored_characters)
def test_the_four_categories_add_up_to_possible_sessions(marks):
    counts = tally(marks)
    assert counts.present + counts.approved + counts.authorised + counts.unauthorised == (
        counts.possible
    )
    assert counts.possible == sum(1 for ch in marks if ch != NO_MARK and DECODING[ch].possible)


@given(st.text(max_size=300))
def test_characters_that_are_not_codes_are_never_counted(text):
    counts = tally(text)
    assert counts.present + counts.approved + counts.authorised + counts.unauthorised == (
        counts.possible
    )
    assert counts.possible <= sum(1 for ch in text if ch in DECODING)


@given(stored_characters, stored_characters)
def test_counts_add_over_concatenation(a, b):
    assert tally(a + b) == tally(a) + tally(b)


@given(st.one_of(stored_characters, st.text(max_size=300)))
def test_possible_and_attended_are_the_tallys_two(marks):
    # Codes, no marks and characters that are not codes (the markers among them).
    counts = tally(marks)
    assert possible_and_attended(marks) == (counts.possible, counts.attended)


@given(st.one_of(stored_characters, st.text(max_size=300)))
def test_the_flags_are_the_same_sessions_one_byte_each(marks):
    # Any character, outside Latin-1 too: one byte per session, 1 only where counted.
    possible, attended = possible_and_attended_flags(marks)
    assert len(possible) == len(attended) == len(marks)
    assert set(possible) | set(attended) <= {0, 1}
    assert (possible.count(1), attended.count(1)) == possible_and_attended(marks)
    # Each session on its own, so the totals of any slice are the slice's counts.
    assert all(
        (possible[i], attended[i]) == possible_and_attended(ch) for i, ch in enumerate(marks)
    )
