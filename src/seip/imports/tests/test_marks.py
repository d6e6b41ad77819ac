"""The CTF mark encoding, checked against the attendance app's code table."""

import pytest

from seip.attendance.codes import CODES
from seip.attendance.marks import NO_MARK, decode, encode
from seip.imports.marks import decode_marks


def _codes(text: str) -> list[str | None]:
    decoded = decode_marks(text)
    return [None if (code := decode(c)) is None else code.code for c in decoded.stored]


def test_one_character_codes_are_one_session_each():
    assert _codes("/\\LNI-#") == ["/", "\\", "L", "N", "I", None, "#"]


def test_two_character_codes_are_one_session_each():
    assert _codes("C1/J1\\Y4Y7C2") == ["C1", "/", "J1", "\\", "Y4", "Y7", "C2"]


def test_mis_sub_codes_map_to_their_statutory_parent():
    assert _codes("I01/") == ["I", "/"]


@pytest.mark.parametrize("code", [c.code for c in CODES])
def test_every_statutory_code_reads_back_as_itself(code):
    decoded = decode_marks(code + "/")
    assert decoded.unknown == ()
    assert decoded.stored == encode(next(c for c in CODES if c.code == code)) + "/"


def test_no_mark_characters():
    assert decode_marks("-. ").stored == NO_MARK * 3


@pytest.mark.parametrize(
    ("text", "unknown"),
    [("/A\\", [(1, "A")]), ("/Y9", [(1, "Y9")]), ("7/", [(0, "7")]), ("/?", [(1, "?")])],
)
def test_unknown_marks_are_named_with_their_session(text, unknown):
    assert list(decode_marks(text).unknown) == unknown
