"""Fair Access: an identifier-free case until the family signs (P25), enforceable panels,
the on-roll check, and the fairness table through disclosure control (P10)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from seip.disclosure.tables import Symbol
from seip.moves.models import FairAccessCase
from seip.moves.selectors import fairness_table
from seip.moves.services import (
    allocation_record,
    allocation_update,
    fair_access_case_open,
    fair_access_link,
    panel_record,
)
from seip.organisations.models import School
from seip.tasks.selectors import Kind, tasks_for

TODAY = timezone.localdate()


@pytest.fixture
def fa_case(county, personas) -> FairAccessCase:
    return fair_access_case_open(
        partnership=county.a, nc_year=9, excluding_school=county.school_a, opened_on=TODAY,
        actor=personas["coordinator"],
    )  # fmt: skip


def schools_of(partnership) -> list[School]:
    return list(School.objects.filter(partnership=partnership).order_by("name"))


@pytest.mark.promise("P25")
def test_a_case_holds_nothing_that_identifies_the_child(fa_case):
    fields = {f.name for f in FairAccessCase._meta.get_fields()}
    assert fields == {
        "id", "partnership", "reference", "nc_year", "excluding_school", "opened_on",
        "referral", "created_by", "allocation",
    }  # fmt: skip
    assert fa_case.referral is None


def test_only_the_coordinator_opens_a_case(county, personas):
    with pytest.raises(PermissionDenied):
        fair_access_case_open(
            partnership=county.a, nc_year=9, excluding_school=None, opened_on=TODAY,
            actor=personas["key_worker"],
        )  # fmt: skip


def test_a_panel_that_did_not_invite_every_school_cannot_allocate(fa_case, county, personas):
    schools = schools_of(county.a)
    panel = panel_record(
        partnership=county.a, held_on=TODAY, invited=schools[:1], present=schools[:1],
        actor=personas["coordinator"],
    )  # fmt: skip
    with pytest.raises(ValidationError, match="would not be enforceable") as error:
        allocation_record(
            case=fa_case, panel=panel, school=schools[0], reasons="Its turn.",
            actor=personas["coordinator"],
        )  # fmt: skip
    assert schools[1].name in str(error.value)


@pytest.mark.promise("P25")
def test_the_reasons_may_not_name_the_child(fa_case, county, personas):
    schools = schools_of(county.a)
    panel = panel_record(
        partnership=county.a, held_on=TODAY, invited=schools, present=schools,
        actor=personas["coordinator"],
    )  # fmt: skip
    with pytest.raises(ValidationError, match="name"):
        allocation_record(
            case=fa_case, panel=panel, school=schools[0],
            reasons="Jordan Smith, born 04/05/2012, should go here.",
            actor=personas["coordinator"],
        )  # fmt: skip


@pytest.mark.promise("P25")
def test_a_case_links_only_to_a_signed_referral(fa_case, draft, signed, personas):
    draft.status = "draft"
    with pytest.raises(ValidationError, match="signed"):
        fair_access_link(case=fa_case, referral=draft, actor=personas["coordinator"])
    signed.refresh_from_db()
    fair_access_link(case=fa_case, referral=signed, actor=personas["coordinator"])
    assert fa_case.referral == signed


@pytest.mark.promise("P10")
def test_the_on_roll_check_is_a_task_and_the_fairness_table_hides_a_single_child(
    fa_case, county, personas
):
    schools = schools_of(county.a)
    panel = panel_record(
        partnership=county.a, held_on=TODAY, invited=schools, present=schools[:1],
        actor=personas["coordinator"],
    )  # fmt: skip
    allocation = allocation_record(
        case=fa_case, panel=panel, school=schools[0], reasons="Fewest admissions in Year 9.",
        actor=personas["coordinator"],
    )  # fmt: skip
    tasks = [t for t in tasks_for(personas["coordinator"]) if t.kind == Kind.ON_ROLL_CHECK]
    assert [t.due_on for t in tasks] == [allocation.check_on_roll_by]
    assert fa_case.reference in tasks[0].title

    table = fairness_table(personas["coordinator"], county.a.pk, TODAY)
    assert table.protected.published()[(schools[0].name, "Year 9")] == Symbol.SUPPRESSED

    allocation_update(
        allocation=allocation, school_told_on=TODAY, admissions_told_on=TODAY, on_roll_on=TODAY,
        actor=personas["coordinator"],
    )  # fmt: skip
    assert Kind.ON_ROLL_CHECK not in [t.kind for t in tasks_for(personas["coordinator"])]
