"""Unique Pupil Numbers (DfE): format and check letter.

The check letter comes from ``python-stdnum`` (``stdnum.gb.upn.calc_check_digit``). Its
``validate`` also checks the LA code against a 2011 list and so refuses real temporary
UPNs with pseudo-LA codes 001-005 (see ../shared/domain/uk-school-data.md), so we check
format and letter here ourselves.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from stdnum.gb.upn import calc_check_digit

LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
_PERMANENT = re.compile(rf"^[{LETTERS}]\d{{12}}$")
_TEMPORARY = re.compile(rf"^[{LETTERS}]\d{{11}}[{LETTERS}]$")


@dataclass(frozen=True)
class UPN:
    value: str
    temporary: bool


def clean_upn(raw: str) -> UPN:
    """Normalise and validate a UPN, or raise ValidationError saying what is wrong."""
    value = "".join(raw.split()).upper()
    if len(value) != 13:
        raise ValidationError(f"A UPN has 13 characters; this has {len(value)}", code="upn_length")
    temporary = bool(_TEMPORARY.match(value))
    if not (temporary or _PERMANENT.match(value)):
        raise ValidationError(
            "A UPN is a letter then 12 digits (or, if temporary, a letter, 11 digits and a "
            "letter). I, O and S are never used",
            code="upn_format",
        )
    expected = calc_check_digit(value[1:])
    if value[0] != expected:
        raise ValidationError(
            f"The UPN's check letter is wrong: {value[0]} should be {expected}. "
            "Check the UPN against the school's records",
            code="upn_check",
        )
    return UPN(value=value, temporary=temporary)


def validate_upn(raw: str) -> None:
    clean_upn(raw)
