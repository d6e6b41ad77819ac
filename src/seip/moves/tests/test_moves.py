"""Managed moves: who sees the move and the record when, the transfer, and the reports."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from seip.accounts.models import Membership, Role
from seip.accounts.tests.factories import UserFactory
from seip.audit.models import AuditEvent
from seip.disclosure.tables import TOTAL
from seip.moves.models import ManagedMove, MoveDecision, RollChange
from seip.moves.selectors import moves_visible_to
from seip.moves.services import move_agree, move_decide, move_propose, move_review
from seip.organisations.models import School
from seip.organisations.tests.factories import AgreementFactory
from seip.reports.facts import gather
from seip.reports.measures import MEASURES, cut
from seip.reports.outcomes import breakdown
from seip.reports.population import Period, Scope, countable_students
from seip.sharing.models import Involvement
from seip.students.selectors import students_visible_to
from seip.tasks.selectors import Kind, tasks_for

TODAY = timezone.localdate()


@pytest.fixture
def host(county) -> School:
    school = School.objects.filter(partnership=county.a).exclude(pk=county.school_a.pk).get()
    AgreementFactory(organisation=school.organisation, partnership=county.a)
    return school


@pytest.fixture
def host_contact(host):
    user = UserFactory(email="host@seip.test", full_name="Host Contact")
    Membership.objects.create(user=user, role=Role.SCHOOL_CONTACT, organisation=host.organisation)
    return user


@pytest.fixture
def move(active_case, host, personas) -> ManagedMove:
    return move_propose(
        student=active_case.student, host_school=host, trial_starts_on=TODAY - dt.timedelta(days=3),
        review_on=None, dual_registration=True, actor=personas["coordinator"],
    )  # fmt: skip


def transfer(move, personas):
    move_decide(
        move=move, decision=MoveDecision.TRANSFERRED, decided_on=TODAY,
        actor=personas["coordinator"],
    )  # fmt: skip


def test_the_review_defaults_to_six_weeks_and_may_not_pass_twelve(move, active_case, personas):
    assert move.review_on == move.trial_starts_on + dt.timedelta(weeks=6)
    move.decision, move.decided_on = MoveDecision.OTHER, TODAY
    move.save()
    with pytest.raises(ValidationError, match="within 12 weeks"):
        move_propose(
            student=active_case.student, host_school=move.host_school, trial_starts_on=TODAY,
            review_on=TODAY + dt.timedelta(weeks=13), dual_registration=False,
            actor=personas["coordinator"],
        )  # fmt: skip


def test_only_case_staff_propose(active_case, host, personas):
    with pytest.raises(PermissionDenied):
        move_propose(
            student=active_case.student, host_school=host, trial_starts_on=TODAY, review_on=None,
            dual_registration=True, actor=personas["school_contact"],
        )  # fmt: skip


@pytest.mark.promise("P07")
@pytest.mark.promise("P08")
def test_the_host_school_sees_the_record_only_from_the_day_the_family_agreed(
    move, host_contact, personas
):
    student = move.student
    assert not students_visible_to(host_contact).filter(pk=student.pk).exists()
    assert not moves_visible_to(host_contact).exists()
    with pytest.raises(ValidationError, match="today or in the past"):
        move_agree(
            move=move, agreed_on=TODAY + dt.timedelta(days=1), agreed_by_name="Sam Example",
            actor=personas["coordinator"],
        )  # fmt: skip

    move_agree(move=move, agreed_on=TODAY, agreed_by_name="Sam", actor=personas["key_worker"])

    move.refresh_from_db()
    assert move.notice_version is not None  # the version the family was shown (P26)
    involvement = Involvement.objects.get(pk=move.host_involvement_id)
    assert involvement.starts_on == TODAY
    assert involvement.organisation == move.host_school.organisation
    assert students_visible_to(host_contact).filter(pk=student.pk).exists()
    assert list(moves_visible_to(host_contact)) == [move]
    # Agreed, involvement and audit in one transaction (P14).
    actions = list(AuditEvent.objects.values_list("action", flat=True).order_by("seq"))
    assert actions[-2:] == ["involvement.create", "managed_move.agree"]


@pytest.mark.promise("P09")
def test_a_host_without_a_data_sharing_agreement_is_refused_with_the_reason(
    active_case, county, personas
):
    school = School.objects.filter(partnership=county.a).exclude(pk=county.school_a.pk).get()
    move = move_propose(
        student=active_case.student, host_school=school, trial_starts_on=TODAY, review_on=None,
        dual_registration=True, actor=personas["coordinator"],
    )  # fmt: skip
    with pytest.raises(ValidationError, match="data-sharing agreement"):
        move_agree(move=move, agreed_on=TODAY, agreed_by_name="Sam", actor=personas["coordinator"])
    move.refresh_from_db()
    assert move.agreed_on is None


@pytest.mark.promise("P04")
def test_a_transfer_moves_the_roll_and_leaves_the_history_with_the_home_school(
    move, host, host_contact, county, personas
):
    student = move.student
    move_agree(move=move, agreed_on=TODAY, agreed_by_name="Sam", actor=personas["coordinator"])
    move_review(move=move, reviewed_on=TODAY, next_review_on=None, actor=personas["coordinator"])
    transfer(move, personas)

    student.refresh_from_db()
    assert student.school == host
    change = RollChange.objects.get(student=student)
    assert (change.from_school, change.to_school) == (county.school_a, host)
    # The host sees the record as the school on roll; the home school no longer does.
    assert students_visible_to(host_contact).filter(pk=student.pk).exists()
    assert not students_visible_to(personas["school_contact"]).filter(pk=student.pk).exists()
    # Reports keep the student with the school they were referred from.
    period = Period(TODAY.year if TODAY.month >= 9 else TODAY.year - 1)
    home = countable_students(scope=Scope(school=county.school_a), period=period)
    assert home.filter(pk=student.pk).exists()
    assert not countable_students(scope=Scope(school=host), period=period).exists()
    facts = gather(scope=Scope(partnership=county.a), period=period)
    assert [(f.school, f.managed_moves) for f in facts] == [
        (str(county.school_a.pk), ["Transferred"])
    ]


def test_the_outcome_measures_count_moves_and_the_success_rate(move, county, personas):
    move_agree(move=move, agreed_on=TODAY, agreed_by_name="Sam", actor=personas["coordinator"])
    transfer(move, personas)
    scope = Scope(partnership=county.a)
    facts = gather(scope=scope, period=Period(TODAY.year if TODAY.month >= 9 else TODAY.year - 1))
    moves = cut(MEASURES["managed_moves"], facts, breakdown("move_outcome", scope))
    assert moves.cell(("Transferred", TOTAL)).value == 1
    assert moves.cell(("Returned", TOTAL)).value == 0
    success = cut(MEASURES["managed_move_success"], facts, breakdown("place", scope))
    total = success.cell((TOTAL, TOTAL))
    assert (total.value, total.denominator) == (1, 1)


def test_a_review_due_is_a_task_for_the_coordinator(move, personas):
    move_agree(move=move, agreed_on=TODAY, agreed_by_name="Sam", actor=personas["coordinator"])
    move.review_on = TODAY + dt.timedelta(days=3)
    move.save()
    kinds = [t.kind for t in tasks_for(personas["coordinator"])]
    assert Kind.MOVE_REVIEW in kinds
    move_decide(move=move, decision=MoveDecision.RETURNED, decided_on=TODAY,
                actor=personas["coordinator"])  # fmt: skip
    assert Kind.MOVE_REVIEW not in [t.kind for t in tasks_for(personas["coordinator"])]


def test_a_return_ends_the_host_schools_access(move, host_contact, personas):
    move_agree(move=move, agreed_on=TODAY, agreed_by_name="Sam", actor=personas["coordinator"])
    yesterday = TODAY - dt.timedelta(days=1)
    move.agreed_on = yesterday
    move.save()
    move_decide(move=move, decision=MoveDecision.RETURNED, decided_on=TODAY,
                actor=personas["coordinator"])  # fmt: skip
    involvement = Involvement.objects.get(pk=move.host_involvement_id)
    assert involvement.ends_on == TODAY
    assert not RollChange.objects.exists()


def test_the_pages_take_a_move_from_proposal_to_transfer(login, move, host, host_contact, personas):
    """The forms call the same services: the host sees the page only after agreement."""
    host_client = login(host_contact)
    assert host_client.get(reverse("moves:detail", args=[move.pk])).status_code == 404
    client = login(personas["coordinator"])
    response = client.post(
        reverse("moves:agree", args=[move.pk]),
        {"agreed_by_name": "Sam Example", "agreed_on": TODAY.isoformat()},
    )  # fmt: skip
    assert response.status_code == 302
    host_client = login(host_contact)
    assert host_client.get(reverse("moves:detail", args=[move.pk])).status_code == 200
    client = login(personas["coordinator"])  # one test client: sign the co-ordinator back in
    response = client.post(
        reverse("moves:decide", args=[move.pk]),
        {"decision": "transferred", "decided_on": TODAY.isoformat()},
    )  # fmt: skip
    assert response.status_code == 302
    move.refresh_from_db()
    assert move.decision == MoveDecision.TRANSFERRED
