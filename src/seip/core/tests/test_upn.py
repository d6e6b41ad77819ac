import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st
from stdnum.gb.upn import calc_check_digit

from seip.core.upn import LETTERS, clean_upn


@pytest.mark.parametrize(
    "value", ["B801200005001", "R674123101121", "X00180001701A", "b8012 0000 5001"]
)
def test_known_valid_upns(value):
    assert clean_upn(value).value == value.replace(" ", "").upper()


def test_temporary_upn_is_flagged():
    assert clean_upn("X00180001701A").temporary
    assert not clean_upn("B801200005001").temporary


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("B207000016049", "upn_check"),
        ("B80120000500", "upn_length"),
        ("I801200005001", "upn_format"),
        ("B80120000500X1", "upn_length"),
        ("B8012000050O1", "upn_format"),
    ],
)
def test_bad_upns_say_what_is_wrong(value, code):
    with pytest.raises(ValidationError) as error:
        clean_upn(value)
    assert error.value.code == code


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_every_permanent_upn_with_its_check_letter_is_valid(digits):
    value = calc_check_digit(digits) + digits
    assert clean_upn(value).value == value
    wrong = next(letter for letter in LETTERS if letter != value[0])
    with pytest.raises(ValidationError):
        clean_upn(wrong + digits)
