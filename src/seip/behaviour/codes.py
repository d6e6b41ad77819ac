"""Code lists for behaviour and attainment, kept as data so a change is one edit here.

Exclusion reasons
-----------------
Source: the DfE school census code list for suspension and permanent exclusion reasons,
as summarised in ``shared/domain/uk-school-data.md`` ("Other code lists"). Since autumn
2020 a suspension or permanent exclusion carries up to three reasons, and the catch-all
"Other" reason is no longer collected, so it is not offered here. Where this list and the
DfE's current school census guide disagree, the guide is right: change the table below.

The ``group`` of each reason is the partnership's own grouping for reports (P04), not a
DfE field. ``EXCLUSION_CATEGORIES`` gives the DfE category code of each type of exclusion
(lunchtime exclusions, LNCH, are not recorded by the partnership).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    code: str
    label: str
    group: str


EXCLUSION_REASONS: tuple[Reason, ...] = (
    Reason("PP", "Physical assault against a pupil", "Physical assault"),
    Reason("PA", "Physical assault against an adult", "Physical assault"),
    Reason("VP", "Verbal abuse or threatening behaviour against a pupil", "Verbal abuse"),
    Reason("VA", "Verbal abuse or threatening behaviour against an adult", "Verbal abuse"),
    Reason("OW", "Use or threat of use of an offensive weapon or prohibited item", "Weapons"),
    Reason("BU", "Bullying", "Bullying and abuse"),
    Reason("RA", "Racist abuse", "Bullying and abuse"),
    Reason("LG", "Abuse relating to sexual orientation or gender identity", "Bullying and abuse"),
    Reason("DS", "Abuse relating to disability", "Bullying and abuse"),
    Reason("SM", "Sexual misconduct", "Sexual misconduct"),
    Reason("DA", "Drug and alcohol related", "Drugs and alcohol"),
    Reason("DM", "Damage", "Damage and theft"),
    Reason("TH", "Theft", "Damage and theft"),
    Reason("MT", "Inappropriate use of social media or online technology", "Online"),
    Reason("PH", "Wilful and repeated breach of public-health measures", "Public health"),
    Reason("DB", "Persistent or general disruptive behaviour", "Disruptive behaviour"),
)
REASONS_BY_CODE: dict[str, Reason] = {reason.code: reason for reason in EXCLUSION_REASONS}
REASON_CHOICES: list[tuple[str, str]] = [
    (reason.code, f"{reason.code}: {reason.label}") for reason in EXCLUSION_REASONS
]
MAX_REASONS = 3
#: A suspension lasts at most 45 school days in a school year: 90 sessions.
MAX_SUSPENSION_SESSIONS = 90

EXCLUSION_CATEGORIES: dict[str, str] = {"suspension": "FIXD", "permanent": "PERM"}


#: The attitude scale: one anchor per point, shown on every form and page that uses it.
ATTITUDE_SCALE: dict[int, str] = {
    1: "Serious concern",
    2: "Some concern",
    3: "Mixed",
    4: "Good",
    5: "Strong",
}
ATTITUDE_MIN = min(ATTITUDE_SCALE)
ATTITUDE_MAX = max(ATTITUDE_SCALE)


@dataclass(frozen=True)
class Grade:
    code: str
    label: str
    ordinal: int


#: Grades on each scale, lowest first. ``ordinal`` orders grades within one scale, so a
#: result can be compared with its target; codes are unique across scales.
GRADE_SCALES: dict[str, tuple[Grade, ...]] = {
    "gcse": (
        Grade("U", "U (ungraded)", 0),
        *(Grade(str(n), str(n), n) for n in range(1, 10)),
    ),
    "working_at": (
        Grade("towards", "Working towards expected", 1),
        Grade("at", "Working at expected", 2),
        Grade("above", "Working above expected", 3),
    ),
}
GRADES_BY_CODE: dict[str, dict[str, Grade]] = {
    scale: {grade.code: grade for grade in grades} for scale, grades in GRADE_SCALES.items()
}
