import datetime as dt

import pytest

from seip.attendance import codes
from seip.attendance.codes import BY_CODE, CODES, Category, UnknownCode, lookup, validity_warning

BEFORE = dt.date(2024, 8, 18)
AFTER = dt.date(2024, 8, 19)

EXPECTED = {
    Category.PRESENT: {"/", "\\", "L"},
    Category.APPROVED: {"K", "V", "P", "W", "B", "J"},
    Category.AUTHORISED: {"C", "C1", "C2", "E", "I", "J1", "M", "R", "S", "T", "H", "F"},
    Category.UNAUTHORISED: {"G", "N", "O", "U"},
    Category.NOT_POSSIBLE: {"X", "Q", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7", "Y", "D"},
    Category.ADMINISTRATIVE: {"Z", "#"},
}


def test_every_code_of_the_reference_is_in_its_category():
    for category, expected in EXPECTED.items():
        assert {c.code for c in CODES if c.category == category} == expected
    assert len(BY_CODE) == len(CODES) == sum(len(v) for v in EXPECTED.values())


def test_possible_sessions_are_exactly_the_four_counted_categories():
    for code in CODES:
        assert code.possible == (code.category in codes.POSSIBLE_CATEGORIES), code.code


def test_q_is_decided_in_one_place():
    assert codes.Q_IS_POSSIBLE is False
    assert BY_CODE["Q"].possible is codes.Q_IS_POSSIBLE


@pytest.mark.parametrize("code", ["J", "H", "F", "Y"])
def test_historic_codes_end_before_the_2024_codes(code):
    assert BY_CODE[code].valid_on(BEFORE)
    assert not BY_CODE[code].valid_on(AFTER)


@pytest.mark.parametrize("code", ["C1", "C2", "J1", "K", "Q", "Y1", "Y4", "Y7"])
def test_2024_codes_start_on_19_august_2024(code):
    assert not BY_CODE[code].valid_on(BEFORE)
    assert BY_CODE[code].valid_on(AFTER)


@pytest.mark.parametrize("code", ["/", "\\", "L", "I", "N", "D", "X", "Z", "#"])
def test_unchanged_codes_are_valid_throughout(code):
    assert BY_CODE[code].valid_on(dt.date(2010, 1, 4))
    assert BY_CODE[code].valid_on(dt.date(2030, 1, 7))


def test_warnings_name_the_code_and_the_change():
    assert validity_warning(BY_CODE["H"], BEFORE) is None
    assert validity_warning(BY_CODE["H"], AFTER) == (
        "H is a pre-2024 code, replaced on 19 August 2024; check the code"
    )
    assert validity_warning(BY_CODE["J1"], BEFORE) == (
        "J1 is a 2024 code, in use from 19 August 2024; check the code"
    )
    assert validity_warning(BY_CODE["J1"], AFTER) is None


def test_lookup_trims_upper_cases_and_maps_mis_sub_codes():
    assert lookup(" c1 ").code == "C1"
    assert lookup("I01").code == "I"
    assert lookup("y4").code == "Y4"
    for bad in ["", "A", "Y8", "I1", "CC", "//"]:
        with pytest.raises(UnknownCode):
            lookup(bad)
