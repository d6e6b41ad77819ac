import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seip.attendance.codes import CODES
from seip.attendance.marks import (
    AM,
    DECODING,
    ENCODING,
    NO_MARK,
    PM,
    day_of,
    decode,
    empty_year,
    encode,
    slice_for,
    slot,
    year_length,
)

codes_or_none = st.one_of(st.none(), st.sampled_from(CODES))


def test_every_code_has_its_own_single_character():
    assert set(ENCODING) == {c.code for c in CODES}
    assert all(len(char) == 1 for char in ENCODING.values())
    assert len(set(ENCODING.values())) == len(CODES)
    assert NO_MARK not in DECODING


@pytest.mark.parametrize("code", ["C1", "C2", "J1", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7"])
def test_two_character_codes_round_trip(code):
    [entry] = [c for c in CODES if c.code == code]
    assert len(encode(entry)) == 1
    assert decode(encode(entry)) == entry


@pytest.mark.parametrize("code", ["/", "\\", "L", "#", "Y", "J", "D"])
def test_one_character_codes_store_as_themselves(code):
    [entry] = [c for c in CODES if c.code == code]
    assert encode(entry) == code
    assert decode(code) == entry


@given(st.lists(codes_or_none, max_size=800))
def test_encode_decode_round_trip(marks):
    stored = "".join(encode(m) for m in marks)
    assert len(stored) == len(marks)
    assert [decode(ch) for ch in stored] == marks


def test_a_year_has_two_slots_per_day_from_1_september():
    assert year_length(2023) == 732  # 29 February 2024
    assert year_length(2024) == 730
    assert len(empty_year(2024)) == 730
    assert slot(2024, dt.date(2024, 9, 1), AM) == 0
    assert slot(2024, dt.date(2024, 9, 1), PM) == 1
    assert slot(2024, dt.date(2025, 8, 31), PM) == 729
    with pytest.raises(ValueError, match="not in the academic year"):
        slot(2024, dt.date(2025, 9, 1))


@given(st.integers(2000, 2090), st.integers(0, 731))
def test_slot_and_day_of_are_inverse(year, index):
    if index >= year_length(year):
        return
    day, session = day_of(year, index)
    assert slot(year, day, session) == index


def test_slices_clip_to_the_year():
    assert slice_for(2024, None, None) == slice(0, 730)
    assert slice_for(2024, dt.date(2024, 9, 2), dt.date(2024, 9, 3)) == slice(2, 6)
    assert slice_for(2024, dt.date(2020, 1, 1), dt.date(2024, 9, 1)) == slice(0, 2)
    assert slice_for(2024, dt.date(2025, 8, 31), dt.date(2030, 1, 1)) == slice(728, 730)
    empty = slice_for(2024, dt.date(2026, 1, 1), dt.date(2026, 2, 1))
    assert empty.start == empty.stop
    before = slice_for(2024, dt.date(2020, 1, 1), dt.date(2020, 2, 1))
    assert before.start == before.stop
