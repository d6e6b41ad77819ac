"""Each privacy predicate is written in one place (issue 21, ADR 0050): a new selector
that filters consent grants or restrictions by hand, and could get the rule subtly wrong,
fails here and is pointed to ``seip.access.predicates``."""

import re
from pathlib import Path

import seip

SRC = Path(seip.__file__).parent
#: A hand-written "live" filter on consent grants or restrictions, or "in force" on an
#: agreement: the raw lookups the access layer owns.
RAW = re.compile(
    r"(ConsentGrant\.objects|\bgrants)\.(filter|exclude)\([^)]{0,200}withdrawn_at__isnull"
    r"|(Restriction\.objects|\brestrictions)\.(filter|exclude)\([^)]{0,200}lifted_at__isnull"
    r"|signed_on__lte=[^)]{0,80}expires_on__gte",
    re.DOTALL,
)
OWNERS = {
    SRC / "access" / "predicates.py",
    SRC / "organisations" / "models.py",  # DataSharingAgreement.in_force, the definition
}


def _sources() -> list[Path]:
    return [
        path
        for path in SRC.rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts and path not in OWNERS
    ]


def test_no_selector_writes_a_privacy_predicate_by_hand():
    found = [
        f"{path.relative_to(SRC)}: {match.group(0)[:60]!r}"
        for path in _sources()
        for match in RAW.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not found, "use seip.access.predicates instead: " + "; ".join(found)


def test_the_check_finds_a_hand_written_filter():
    planted = "ConsentGrant.objects.filter(referral=r, withdrawn_at__isnull=True)"
    assert RAW.search(planted)
    assert RAW.search("Restriction.objects.filter(student=s,\n    lifted_at__isnull=True)")
    assert not RAW.search("LegalHold.objects.filter(referral=r, lifted_at__isnull=True)")
