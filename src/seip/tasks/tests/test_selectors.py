"""Each kind of task, read from the records, for the people whose work it is (issue 19)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from seip.accounts.models import Membership, Role
from seip.accounts.tests.factories import UserFactory
from seip.concerns.services import concern_raise_public
from seip.imports.models import MatchCandidate
from seip.organisations.tests.factories import AgreementFactory
from seip.progress.services import review_record
from seip.provision.models import FundingStream, InterventionType, SafeguardingCheck
from seip.provision.services import PlacementDetails, intervention_record
from seip.referrals.services import referral_draft_create
from seip.referrals.tests.factories import carers, pupil
from seip.rights.models import ReceivedVia, RequesterKind, RequestType
from seip.rights.services import Requester, rights_request_create
from seip.students.models import Case, Destination, Outcome
from seip.students.services import case_assign_key_worker, case_close
from seip.tasks.selectors import (
    DECIDE_REFERRAL_WITHIN,
    Kind,
    agreement_tasks,
    concern_tasks,
    due_in_words,
    match_tasks,
    paper_file_tasks,
    placement_review_tasks,
    referral_decision_tasks,
    referral_signature_tasks,
    review_schedule,
    review_tasks,
    rights_request_tasks,
    tasks_for,
)

TODAY = dt.date(2026, 12, 7)


def _opened_days_ago(case: Case, days: int) -> None:
    """The case was opened ``days`` ago: its first review is due six weeks after that."""
    # Noon on a local date: `now() - days` can cross a clock change into the next local day.
    opened = dt.datetime.combine(timezone.localdate() - dt.timedelta(days=days), dt.time(12))
    Case.objects.filter(pk=case.pk).update(opened_at=timezone.make_aware(opened))


def _kinds(tasks):
    return {task.kind for task in tasks}


@pytest.mark.parametrize(
    ("due_on", "words"),
    [
        (TODAY - dt.timedelta(days=3), "overdue by 3 days"),
        (TODAY - dt.timedelta(days=1), "overdue by 1 day"),
        (TODAY, "due today"),
        (TODAY + dt.timedelta(days=1), "due tomorrow"),
        (TODAY + dt.timedelta(days=5), "due in 5 days"),
    ],
)
def test_due_dates_in_words(due_on, words):
    assert due_in_words(due_on, TODAY) == words


# Reviews ----------------------------------------------------------------------------------


@pytest.mark.promise("P12")
def test_a_key_worker_sees_her_overdue_review(personas, active_case):
    _opened_days_ago(active_case, 45)
    today = timezone.localdate()
    [task] = review_tasks(personas["key_worker"], today)
    assert task.kind == Kind.REVIEW
    assert task.overdue
    assert task.when == "overdue by 3 days"
    assert task.student == active_case.student
    assert task.href == reverse("progress:review_new", args=[active_case.student_id])
    assert task.title == "Record a review for Jordan Example"


@pytest.mark.promise("P12")
def test_recording_the_review_removes_the_task(personas, active_case):
    _opened_days_ago(active_case, 45)
    today = timezone.localdate()
    assert review_tasks(personas["key_worker"], today)
    review_record(
        case=active_case,
        actor=personas["key_worker"],
        held_on=today,
        attendance_progress="Better.",
        behaviour_progress="Calm.",
        attainment_progress="On track.",
        student_view="",
        parent_view="",
        next_steps="Keep going.",
        facts_confirmed=False,
    )
    assert review_tasks(personas["key_worker"], today) == []


@pytest.mark.promise("P08")
def test_a_key_worker_never_sees_another_key_workers_review(personas, county, case):
    other = UserFactory(email="other-kw@seip.test")
    Membership.objects.create(user=other, role=Role.KEY_WORKER, partnership=county.a)
    case_assign_key_worker(case=case, key_worker=other, actor=personas["coordinator"])
    _opened_days_ago(case, 45)
    today = timezone.localdate()
    # Both may open the record; only the case's own key worker holds its review.
    assert review_tasks(personas["key_worker"], today) == []
    assert review_schedule(personas["key_worker"], today=today) == []
    assert [t.student for t in review_tasks(other, today)] == [case.student]
    # The co-ordinator holds every review of the partnership.
    assert [t.student for t in review_tasks(personas["coordinator"], today)] == [case.student]


def test_a_review_weeks_away_is_on_the_calendar_not_a_task(personas, active_case):
    today = timezone.localdate()
    assert review_tasks(personas["key_worker"], today) == []
    [item] = review_schedule(personas["key_worker"], today=today)
    assert item.case == active_case


def test_another_partnerships_coordinator_sees_no_reviews(personas, county, active_case):
    _opened_days_ago(active_case, 45)
    other = UserFactory(email="coordinator-b@seip.test")
    Membership.objects.create(user=other, role=Role.COORDINATOR, partnership=county.b)
    assert tasks_for(other) == []


@pytest.mark.promise("P12")
def test_placement_review_is_the_key_workers_task(personas, county, active_case):
    start = timezone.localdate() - dt.timedelta(days=200)
    intervention_record(
        student=active_case.student,
        type=InterventionType.AP_PLACEMENT,
        provider=county.provider,
        start_date=start,
        sessions_planned=24,
        sessions_attended=6,
        unit_cost=Decimal("85.00"),
        quantity=Decimal("24"),
        funding_stream=FundingStream.HIGH_NEEDS,
        placement=PlacementDetails(
            days_per_week=Decimal("2"), site="Farm site", checks=frozenset(SafeguardingCheck.values)
        ),
        actor=personas["key_worker"],
    )
    today = timezone.localdate()
    [task] = placement_review_tasks(personas["key_worker"], today)
    assert task.kind == Kind.PLACEMENT_REVIEW
    assert task.overdue
    assert task.student == active_case.student
    assert [t.kind for t in placement_review_tasks(personas["coordinator"], today)] == [
        Kind.PLACEMENT_REVIEW
    ]
    other = UserFactory(email="other-kw@seip.test")
    Membership.objects.create(user=other, role=Role.KEY_WORKER, partnership=county.a)
    assert placement_review_tasks(other, today) == []


# Referrals --------------------------------------------------------------------------------


def test_a_signed_referral_waits_for_the_coordinators_decision(personas, signed):
    today = timezone.localdate()
    [task] = referral_decision_tasks(personas["coordinator"], today)
    assert task.referral_id == signed.pk
    assert task.student is None
    assert task.href == reverse("referrals:detail", args=[signed.pk])
    assert task.due_on == timezone.localtime(signed.signed_at).date() + DECIDE_REFERRAL_WITHIN
    for persona in ("key_worker", "dpo", "school_contact", "admin"):
        assert Kind.REFERRAL_DECISION not in _kinds(tasks_for(personas[persona])), persona


@pytest.mark.promise("P25")
def test_a_school_contact_sees_only_her_own_schools_drafts(personas, county, draft):
    other_school = UserFactory(email="other-school@seip.test")
    Membership.objects.create(
        user=other_school, role=Role.SCHOOL_CONTACT, organisation=county.school_b.organisation
    )
    referral_draft_create(
        school=county.school_b, pupil=pupil(first_name="Alex"), carers=carers(),
        actor=other_school,
    )  # fmt: skip
    today = timezone.localdate()
    [task] = referral_signature_tasks(personas["school_contact"], today)
    assert task.referral_id == draft.pk
    assert task.href == reverse("referrals:sign", args=[draft.pk])
    [theirs] = tasks_for(personas["school_b"])
    assert theirs.referral_id != draft.pk
    # Drafts are the school's alone (P25): the partnership gets no task for them.
    assert referral_decision_tasks(personas["coordinator"], today) == []


# Imports ----------------------------------------------------------------------------------


def test_the_matching_queue_is_the_coordinators(personas, county, active_case):
    match = MatchCandidate.objects.create(
        student=active_case.student, school=county.school_a, file_name="x.xml", position=2
    )
    today = timezone.localdate()
    [task] = match_tasks(personas["coordinator"], today)
    assert task.href == reverse("imports:match_decide", args=[match.pk])
    assert task.student == active_case.student
    assert match_tasks(personas["key_worker"], today) == []
    MatchCandidate.objects.filter(pk=match.pk).update(resolved_at=timezone.now())
    assert match_tasks(personas["coordinator"], today) == []


# Rights and concerns ----------------------------------------------------------------------


@pytest.mark.promise("P18")
@pytest.mark.parametrize("persona", ["coordinator", "dpo"])
def test_rights_requests_by_legal_deadline(personas, county, active_case, persona):
    request = rights_request_create(
        partnership=county.a, student=active_case.student, type=RequestType.ACCESS, details="",
        requester=Requester(RequesterKind.PARENT_CARER, "Sam Example", "sam@example.test"),
        received_via=ReceivedVia.EMAIL,
        received_on=timezone.localdate() - dt.timedelta(days=40),
        actor=personas["coordinator"],
    )  # fmt: skip
    [task] = rights_request_tasks(personas[persona], timezone.localdate())
    assert task.overdue
    assert task.href == reverse("rights:detail", args=[request.pk])
    # The task names the request, never the child or the requester.
    assert "Sam" not in task.title
    assert "Example" not in task.title
    assert rights_request_tasks(personas["key_worker"], timezone.localdate()) == []


@pytest.mark.promise("P23")
def test_concerns_to_acknowledge_are_the_dpos(personas, county):
    concern = concern_raise_public(
        partnership=county.a, name="A Parent", contact="a@example.test",
        what_happened="A letter went to the wrong address.",
    )  # fmt: skip
    [task] = concern_tasks(personas["dpo"], timezone.localdate())
    assert task.due_on == concern.acknowledge_by
    assert task.href == reverse("concerns:acknowledge", args=[concern.pk])
    assert "A Parent" not in task.title
    assert concern_tasks(personas["coordinator"], timezone.localdate()) == []


# Agreements and paper files ---------------------------------------------------------------


@pytest.mark.promise("P09")
def test_agreements_expiring_within_60_days(personas, county):
    today = timezone.localdate()
    soon = AgreementFactory(
        organisation=county.council, partnership=county.a, expires_on=today + dt.timedelta(days=20)
    )
    for persona in ("coordinator", "admin"):
        [task] = agreement_tasks(personas[persona], today)
        assert task.href == reverse("organisations:agreement_edit", args=[soon.pk])
        assert task.when == "due in 20 days"
    assert agreement_tasks(personas["key_worker"], today) == []
    assert agreement_tasks(personas["dpo"], today) == []
    # Once a new agreement takes over, there is nothing to renew.
    AgreementFactory(
        organisation=county.council, partnership=county.a, expires_on=today + dt.timedelta(days=700)
    )
    assert agreement_tasks(personas["coordinator"], today) == []


@pytest.mark.promise("P16")
def test_paper_files_to_return_after_a_case_closes(personas, active_case):
    today = timezone.localdate()
    assert paper_file_tasks(personas["coordinator"], today) == []
    case_close(
        case=active_case, outcome=Outcome.MET, destination=Destination.STAYED,
        actor=personas["coordinator"],
    )  # fmt: skip
    [task] = paper_file_tasks(personas["coordinator"], today)
    assert task.href == reverse("students:leave", args=[active_case.student_id])
    assert task.when == "due in 14 days"
    assert paper_file_tasks(personas["key_worker"], today) == []


# Composed by role -------------------------------------------------------------------------


def test_tasks_are_sorted_overdue_first(personas, county, active_case):
    _opened_days_ago(active_case, 45)
    today = timezone.localdate()
    AgreementFactory(
        organisation=county.council, partnership=county.a, expires_on=today + dt.timedelta(days=9)
    )
    tasks = tasks_for(personas["coordinator"])
    assert [t.kind for t in tasks] == [Kind.REVIEW, Kind.AGREEMENT]
    assert [t.due_on for t in tasks] == sorted(t.due_on for t in tasks)


@pytest.mark.parametrize(
    "persona", ["safeguarding_lead", "provider", "agency", "la_officer", "parent", "student"]
)
def test_roles_without_tasks_get_none(personas, active_case, signed, persona):
    _opened_days_ago(active_case, 45)
    assert tasks_for(personas[persona]) == []
