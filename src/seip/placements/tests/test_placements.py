"""Issue 20, part 2: the census return, part-time timetables and the sixth day of a
suspension (ADR 0049)."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from seip.audit.models import AuditEvent
from seip.behaviour.models import ExclusionKind
from seip.behaviour.services import exclusion_record
from seip.core.calendar import Term
from seip.disclosure.tables import TOTAL
from seip.placements.census import FIELDS, CensusRefused, census_return
from seip.placements.models import PrimaryReason, Registration, SettingType
from seip.placements.schooldays import nth_school_day
from seip.placements.services import (
    placement_check_record,
    placement_plan_record,
    provider_record,
    suspension_follow_up,
    timetable_record,
)
from seip.provision.models import FundingStream, InterventionType, SafeguardingCheck
from seip.provision.services import PlacementDetails, intervention_record
from seip.reports.tests.test_outcomes import coordinator_report, figure
from seip.reports.tests.test_population import admit
from seip.tasks.selectors import Kind, tasks_for

pytestmark = pytest.mark.django_db

AUTUMN = Term(2026, "autumn")
#: A Monday in the autumn term, after the referrals (signed 20 September 2026).
MONDAY = dt.date(2026, 11, 16)


def placement(county, personas, student, *, setting_type="", start=dt.date(2026, 10, 5)):
    intervention = intervention_record(
        student=student, type=InterventionType.AP_PLACEMENT, provider=county.provider,
        start_date=start, sessions_planned=40, unit_cost=Decimal("80"), quantity=Decimal("40"),
        funding_stream=FundingStream.SCHOOL,
        placement=PlacementDetails(
            days_per_week=Decimal("2"), site="Farm", checks=frozenset(SafeguardingCheck.values)
        ),
        actor=personas["coordinator"],
    )  # fmt: skip
    return placement_plan_record(
        intervention=intervention, commissioning_school=student.school,
        primary_reason=PrimaryReason.BEHAVIOUR, objectives="Settle into routines.",
        reintegration_criteria="Attends 90% for a half term.", sessions_per_week=4,
        maximum_end=dt.date(2027, 3, 31), planned_end=dt.date(2027, 2, 12),
        setting_type=setting_type, actor=personas["coordinator"],
    )  # fmt: skip


def test_a_terms_placements_make_the_census_return(county, personas):
    provider_record(
        organisation=county.provider, urn="", ukprn="10012345",
        registration=Registration.REGISTERED_FE, actor=None,
    )  # fmt: skip
    students = [admit(county, personas, n) for n in (1, 2, 3)]
    plans = [placement(county, personas, s) for s in students]
    placement_check_record(
        placement=plans[0], reviewed_on=dt.date(2026, 11, 20), sessions_attended=18,
        sessions_possible=20, progress="Good", pupil_view="I like the farm.",
        actor=personas["coordinator"],
    )  # fmt: skip
    made = census_return(user=personas["coordinator"], school=county.school_a, term=AUTUMN)
    rows = list(csv.reader(io.StringIO(made.content)))
    assert tuple(rows[0]) == FIELDS
    assert len(rows) == 4
    first = dict(zip(FIELDS, rows[1], strict=True))
    assert first["AP UKPRN"] == "10012345"
    assert first["AP URN"] == first["AP setting type"] == ""
    assert first["Entry date"] == "2026-10-05"
    assert (first["Sessions attended"], first["Sessions possible"]) == ("18", "20")
    # Another term's return has none of them; another school's none either.
    assert len(census_return(user=personas["coordinator"], school=county.school_a,
                             term=Term(2025, "summer")).placements) == 0  # fmt: skip


def test_a_placement_with_a_urn_and_a_setting_type_is_refused_by_name(county, personas):
    """The provider had no URN when the placement was planned as one-to-one tuition; it
    registered later. The return is refused, naming the placement; no file is made."""
    good = placement(county, personas, admit(county, personas, 1), setting_type=SettingType.OOT)
    bad_student = admit(county, personas, 2)
    bad = placement(county, personas, bad_student, setting_type=SettingType.OOT)
    assert census_return(user=personas["coordinator"], school=county.school_a, term=AUTUMN)
    provider_record(organisation=county.provider, urn="149999", actor=None)
    with pytest.raises(CensusRefused) as refused:
        census_return(user=personas["coordinator"], school=county.school_a, term=AUTUMN)
    assert len(refused.value.problems) == 2  # both now break the rule: both are named
    message = " ".join(refused.value.problems)
    assert f"Placement {bad.pk} (" in message
    assert f"Placement {good.pk} (" in message
    assert "has URN and setting type" in message
    assert bad_student.last_name in message


def test_a_new_plan_must_keep_the_census_rule(county, personas):
    provider_record(organisation=county.provider, urn="149999", actor=None)
    with pytest.raises(ValidationError) as error:
        placement(county, personas, admit(county, personas, 1), setting_type=SettingType.WBP)
    assert "setting_type" in error.value.message_dict


def test_the_census_download_is_audited_and_formula_safe(county, personas, login):
    provider_record(organisation=county.provider, ukprn="10012345", actor=None)
    student = admit(county, personas, 1)
    placement(county, personas, student)
    client = login(personas["school_contact"])
    url = reverse("placements:census")
    response = client.get(url, {"school": county.school_a.pk, "year": 2026, "term": "autumn"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    event = AuditEvent.objects.filter(action="read.placement_census").get()
    assert event.detail["students"] == [student.pk]
    # Another school's contact cannot make school A's return.
    other = login(personas["school_b"])
    bad = other.get(url, {"school": county.school_a.pk, "year": 2026, "term": "autumn"})
    assert bad.status_code == 200
    assert b"Select a valid choice" in bad.content


def test_a_part_time_timetable_longer_than_six_weeks_needs_a_reason_and_becomes_a_task(
    county, personas
):
    student = admit(county, personas, 1)
    coordinator = personas["coordinator"]
    with pytest.raises(ValidationError) as error:
        timetable_record(
            student=student, start_date=MONDAY, planned_end=MONDAY + dt.timedelta(weeks=8),
            sessions_per_week=6, actor=coordinator,
        )  # fmt: skip
    assert "extension_reason" in error.value.message_dict
    timetable = timetable_record(
        student=student, start_date=MONDAY, planned_end=MONDAY + dt.timedelta(weeks=6),
        sessions_per_week=6, parents_agreed_on=MONDAY, actor=coordinator,
    )  # fmt: skip
    end = timetable.planned_end
    kinds = [t.kind for t in tasks_for(coordinator, today=end)]
    assert Kind.PART_TIME_TIMETABLE not in kinds
    late = [t for t in tasks_for(coordinator, today=end + dt.timedelta(days=1))
            if t.kind == Kind.PART_TIME_TIMETABLE]  # fmt: skip
    assert [t.student for t in late] == [student]


@pytest.mark.promise("P04")
def test_a_seven_day_suspension_with_no_provision_is_a_task_from_day_six_and_counted(
    county, personas
):
    coordinator = personas["coordinator"]
    students = [admit(county, personas, n) for n in range(1, 14)]
    exclusions = [
        exclusion_record(
            student=s,
            kind=ExclusionKind.SUSPENSION,
            start_date=MONDAY,
            sessions=14,
            reasons=["PA"],
            actor=coordinator,
        )
        for s in students
    ]
    # One of them had education arranged from day 6: no task, not counted.
    day_six = nth_school_day(MONDAY, 6)
    assert day_six == MONDAY + dt.timedelta(days=7)
    suspension_follow_up(
        exclusion=exclusions[-1], council_told_on=MONDAY, provision_from=day_six,
        provision="Tuition at the provider", actor=coordinator,
    )  # fmt: skip
    # A five-day suspension never needs a task.
    exclusion_record(
        student=students[0], kind=ExclusionKind.SUSPENSION, start_date=MONDAY, sessions=10,
        reasons=["DB"], actor=coordinator,
    )  # fmt: skip

    def due(day):
        return [t for t in tasks_for(coordinator, today=day) if t.kind == Kind.SUSPENSION_PROVISION]

    assert due(day_six - dt.timedelta(days=3)) == []  # day 5, a Friday
    on_day_six = due(day_six)
    assert len(on_day_six) == 12
    assert {t.student for t in on_day_six} == set(students[:12])
    assert all(t.due_on == day_six for t in on_day_six)

    document = coordinator_report(county, personas)
    assert figure(document, "suspensions_without_provision").cell(TOTAL, TOTAL).value == 12


def test_the_suspension_page_says_how_long_and_when_day_six_is(county, personas, login):
    coordinator = personas["coordinator"]
    [student] = [admit(county, personas, 1)]
    exclusion = exclusion_record(
        student=student, kind=ExclusionKind.SUSPENSION, start_date=MONDAY, sessions=14,
        reasons=["PA"], actor=coordinator,
    )  # fmt: skip
    url = reverse("placements:suspension", args=[student.pk, exclusion.pk])
    page = login(coordinator).get(url).content.decode()
    day_six = nth_school_day(MONDAY, 6)
    assert "A suspension of 7 school days" in page
    assert f"{day_six:%A %-d %B %Y}" in page


def test_a_coordinator_keeps_a_providers_census_details_and_visits(county, personas, login):
    client = login(personas["coordinator"])
    url = reverse("placements:provider", args=[county.provider.pk])
    response = client.post(url, {"urn": "149999", "ukprn": "", "registration": "registered_school"})
    assert response.status_code == 302
    assert county.provider.ap_provider.urn == "149999"
    assert AuditEvent.objects.filter(action="placements.provider").count() == 1
    visit = reverse("placements:provider_visit", args=[county.provider.pk])
    response = client.post(
        visit,
        {
            "visited_on_day": "2", "visited_on_month": "11", "visited_on_year": "2026",
            "next_due_on_day": "2", "next_due_on_month": "5", "next_due_on_year": "2027",
            "satisfactory": "on",
        },
    )  # fmt: skip
    assert response.status_code == 302
    assert county.provider.ap_provider.visits.get().next_due_on == dt.date(2027, 5, 2)
    # An organisation that is not an AP provider is not there; a key worker may not.
    other = reverse("placements:provider", args=[county.agency.pk])
    assert client.get(other).status_code == 404
    assert login(personas["key_worker"]).get(url).status_code == 403
