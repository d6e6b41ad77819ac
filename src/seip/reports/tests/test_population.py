"""Who a report counts (P25, P20), and the release ledger on real students (P10)."""

import datetime as dt

import pytest
from stdnum.gb.upn import calc_check_digit

from seip.accounts.models import Membership, Role
from seip.accounts.tests.factories import UserFactory
from seip.audit.models import AuditEvent
from seip.consultations.models import Consultation
from seip.disclosure.control import Reason
from seip.disclosure.tables import TOTAL
from seip.organisations.models import OrganisationType
from seip.referrals.services import referral_draft_create, referral_sign
from seip.referrals.tests.factories import PDF, carers, notice_for, pupil
from seip.reports.ledger import audit_release
from seip.reports.models import Release
from seip.reports.population import Period, Scope, countable_students, population_of
from seip.reports.selectors import ledger_entries
from seip.reports.services import release_record
from seip.reports.tests.builders import count_table
from seip.retention.models import ErasureGround
from seip.retention.services import student_erase
from seip.rights.models import RequestType
from seip.rights.tests.conftest import make_request
from seip.students.models import Student
from seip.students.services import case_open

pytestmark = pytest.mark.django_db
YEAR = Period(2026)  # 2026-27, whose autumn term is under way (created_at is today)


def admit(
    county, personas, n, *, school=None, contact="school_contact", coordinator=None, sex="M",
    year=9,
):  # fmt: skip
    referral = referral_draft_create(
        school=school or county.school_a,
        pupil=pupil(upn=_upn(n), sex=sex, nc_year=year),
        carers=carers(),
        actor=personas[contact],
    )
    referral_sign(
        referral=referral, signed_by_name="Sam Example", relationship="Mother",
        has_parental_responsibility=True, signed_on=dt.date(2026, 9, 20),
        notice_version=notice_for(referral.partnership),
        categories={OrganisationType.SCHOOL}, form=PDF, actor=personas[contact],
    )  # fmt: skip
    referral.refresh_from_db()
    return case_open(
        referral=referral, tier=2, risk_assessment_on=None, risk_assessment_summary="",
        actor=coordinator or personas["coordinator"],
    ).student  # fmt: skip


def counted(county):
    return set(countable_students(scope=Scope(partnership=county.a), period=YEAR))


@pytest.mark.promise("P25")
def test_only_accepted_referrals_are_counted_never_drafts_or_consultations(county, personas):
    student = admit(county, personas, 1)
    referral_draft_create(
        school=county.school_a, pupil=pupil(upn=_upn(2)),
        carers=carers(), actor=personas["school_contact"],
    )  # fmt: skip
    assert counted(county) == {student}
    assert Student.objects.count() == 1  # the draft never became a student
    assert not hasattr(Consultation, "student")  # a consultation names no one to count


def _upn(n):
    digits = f"80120000{n:04d}"
    return calc_check_digit(digits) + digits


@pytest.mark.promise("P20")
def test_a_student_restricted_by_an_objection_is_left_out(county, personas):
    kept, objecting = admit(county, personas, 1), admit(county, personas, 2)
    make_request(
        partnership=county.a, student=objecting, actor=personas["coordinator"],
        identity=True, type=RequestType.OBJECTION,
    )  # fmt: skip
    assert counted(county) == {kept}


@pytest.mark.promise("P22")
def test_an_erased_student_is_gone(county, personas):
    kept, erased = admit(county, personas, 1), admit(county, personas, 2)
    student_erase(
        student_or_referral=erased, ground=ErasureGround.NO_LONGER_NEEDED,
        actor=personas["dpo"],
    )  # fmt: skip
    assert counted(county) == {kept}


def test_archived_students_count_in_the_periods_they_were_here(county, personas):
    student = admit(county, personas, 1)
    Student.objects.filter(pk=student.pk).update(
        created_at=dt.datetime(2025, 10, 1, tzinfo=dt.UTC),
        archived_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
    )
    last_year = Period(2025)
    assert set(countable_students(scope=Scope(partnership=county.a), period=last_year)) == {student}
    assert (
        set(countable_students(scope=Scope(partnership=county.a), period=Period(2025, ("summer",))))
        == set()
    )
    assert counted(county) == set()  # archived before this year began


def test_scope_is_one_school_one_partnership_or_the_county(county, personas):
    a = admit(county, personas, 1)
    beta = UserFactory(email="beta-coordinator@seip.test")
    Membership.objects.create(user=beta, role=Role.COORDINATOR, partnership=county.b)
    b = admit(county, personas, 2, school=county.school_b, contact="school_b", coordinator=beta)
    assert counted(county) == {a}
    county_scope = Scope(local_authority=county.a.local_authority)
    assert set(countable_students(scope=county_scope, period=YEAR)) == {a, b}
    assert set(countable_students(scope=Scope(school=county.school_b), period=YEAR)) == {b}
    with pytest.raises(ValueError, match="one school"):
        Scope(school=county.school_a, partnership=county.a)


def year_table(students):
    rows = [{"year": str(s.nc_year)} for s in students]
    return count_table(rows, ("year", ("7", "8", "9", "10", "11")))


@pytest.mark.promise("P10")
@pytest.mark.promise("P20")
def test_a_student_who_objects_drops_out_and_the_ledger_audits_the_difference(county, personas):
    """Twelve in year 9 and twenty-odd elsewhere are released; then one year 9 student
    objects. The re-run leaves them out (P20), and the ledger suppresses enough that the
    two releases together do not show the objector was in year 9 (P10)."""
    students = [
        admit(county, personas, n, year=year)
        for n, year in enumerate([9] * 12 + [10] * 20 + [11] * 15 + [7] * 11 + [8] * 13, 1)
    ]
    scope = Scope(partnership=county.a)
    pop = population_of(scope=scope, period=YEAR)
    first, _ = release_record(
        table=year_table(countable_students(scope=scope, period=YEAR)), population=pop,
        recipient_role=Role.COORDINATOR, partnership=county.a, actor=personas["coordinator"],
    )  # fmt: skip
    assert not any(c["suppressed"] for c in first.cells)

    make_request(
        partnership=county.a, student=students[0], actor=personas["coordinator"],
        identity=True, type=RequestType.OBJECTION,
    )  # fmt: skip
    now = countable_students(scope=scope, period=YEAR)
    assert students[0] not in set(now)
    table = year_table(now)
    assert table.cell(("9", TOTAL)).value == 11

    # Protected on its own, the re-run would publish 11 next to the earlier 12.
    assert ("9", TOTAL) not in audit_release(table, pop, []).protected.suppressed
    second, result = release_record(
        table=table, population=pop, recipient_role=Role.COORDINATOR,
        partnership=county.a, actor=personas["coordinator"],
    )  # fmt: skip
    assert result.protected.suppressed[("9", TOTAL)] is Reason.LEDGER
    assert second.compared_with == [first.pk]
    assert result.audit[("cohort", "gone", "9", TOTAL)].width >= 1
    assert result.audit[("cohort", "gone", "9", TOTAL)].ok


@pytest.mark.promise("P10")
def test_a_release_is_recorded_with_its_population_recipient_and_audit(county, personas):
    students = [admit(county, personas, n, year=7 + n % 5) for n in range(1, 31)]
    scope = Scope(partnership=county.a)
    release, _result = release_record(
        table=year_table(students), population=population_of(scope=scope, period=YEAR),
        recipient_role=Role.SCHOOL_CONTACT, recipient_organisation=county.school_a.organisation,
        partnership=county.a, actor=personas["coordinator"],
    )  # fmt: skip
    release.refresh_from_db()
    assert release.released_by == personas["coordinator"]
    assert release.recipient_role == Role.SCHOOL_CONTACT
    assert release.population["year"] == "2026-27"
    assert release.population["schools"] == sorted(str(s.pk) for s in county.a.schools.all())
    # Aggregates only: categories and numbers, never a student.
    assert {tuple(sorted(c)) for c in release.cells} == {
        (
            "column",
            "lower",
            "protection",
            "reason",
            "row",
            "sensitive",
            "suppressed",
            "upper",
            "value",
        )
    }
    event = AuditEvent.objects.get(action="report.release")
    assert event.object_id == str(release.pk)
    assert event.detail["cells"] == len(release.cells)
    assert [e.ref for e in ledger_entries(release.measure)] == [release.pk]
    assert Release.objects.count() == 1


def test_a_table_broken_down_by_person_is_refused(county, personas):
    table = count_table([{"upn": "x"}], ("upn", ("x",)))
    with pytest.raises(ValueError, match="never by person"):
        release_record(
            table=table, population=population_of(scope=Scope(partnership=county.a), period=YEAR),
            recipient_role=Role.COORDINATOR, actor=personas["coordinator"],
        )  # fmt: skip
    assert not Release.objects.exists()
