"""My tasks, the calendar of reviews, the home page's tasks and a 403 that says why."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from seip.accounts.models import Membership, Role
from seip.accounts.tests.factories import UserFactory
from seip.audit.models import AuditEvent
from seip.students.models import Case
from seip.students.services import case_assign_key_worker

TASKS = reverse("tasks:list")
CALENDAR = reverse("tasks:calendar")
HOME = reverse("core:home")
NAME = "Jordan Example"


def _opened_days_ago(case: Case, days: int) -> None:
    # Noon, local time, on a local date: `now() - days` can cross a clock change and land on
    # the next local day late in the evening, which moves the due date by one.
    opened = dt.datetime.combine(timezone.localdate() - dt.timedelta(days=days), dt.time(12))
    Case.objects.filter(pk=case.pk).update(opened_at=timezone.make_aware(opened))


def _overdue(case: Case) -> None:
    _opened_days_ago(case, 45)


def _last_read(part: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=f"read.{part}").order_by("-seq").first()


def test_anonymous_is_sent_to_sign_in(client, db):
    for url in (TASKS, CALENDAR):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.promise("P14")
def test_the_key_workers_tasks_name_her_review_and_record_the_read(login, personas, active_case):
    _overdue(active_case)
    body = login(personas["key_worker"]).get(TASKS).content.decode()
    assert "My tasks" in body
    assert f"Record a review for {NAME}" in body
    assert reverse("progress:review_new", args=[active_case.student_id]) in body
    assert "Overdue by 3 days" in body
    assert _last_read("tasks").detail["students"] == [active_case.student_id]


@pytest.mark.promise("P08")
def test_another_key_worker_sees_no_task_for_the_student(login, personas, county, active_case):
    _overdue(active_case)
    other = UserFactory(email="other-kw@seip.test")
    Membership.objects.create(user=other, role=Role.KEY_WORKER, partnership=county.a)
    for url in (TASKS, CALENDAR, HOME):
        body = login(other).get(url).content.decode()
        assert NAME not in body, url


@pytest.mark.promise("P14")
def test_the_coordinators_tasks_link_the_signed_referral(login, personas, signed):
    body = login(personas["coordinator"]).get(TASKS).content.decode()
    assert f"Decide on the referral of {NAME}" in body
    assert reverse("referrals:detail", args=[signed.pk]) in body
    assert _last_read("tasks").detail["referrals"] == [signed.pk]


def test_a_school_contact_sees_no_other_schools_drafts(login, personas, draft):
    assert f"referral of {NAME}" in login(personas["school_contact"]).get(TASKS).content.decode()
    body = login(personas["school_b"]).get(TASKS).content.decode()
    assert NAME not in body
    assert "You have nothing due" in body


def test_a_role_without_tasks_is_told_so(login, personas, active_case):
    body = login(personas["parent"]).get(TASKS).content.decode()
    assert "Your role holds no tasks" in body
    assert NAME not in body


@pytest.mark.promise("P12")
def test_the_calendar_puts_the_review_in_its_week(login, personas, active_case):
    # Opened four weeks ago: due in two weeks, inside the next half term's horizon.
    _opened_days_ago(active_case, 28)
    due = timezone.localdate() + dt.timedelta(days=14)
    monday = due - dt.timedelta(days=due.weekday())
    body = login(personas["key_worker"]).get(CALENDAR).content.decode()
    week = body.split(f"Week beginning {monday:%-d %B %Y}")[1].split("Week beginning")[0]
    assert NAME in week
    assert _last_read("review_calendar").detail["students"] == [active_case.student_id]


def test_the_calendar_lists_overdue_reviews_first(login, personas, active_case):
    _overdue(active_case)
    body = login(personas["coordinator"]).get(CALENDAR).content.decode()
    assert body.index("Overdue") < body.index(NAME) < body.index("Week beginning")


# The home page leads with the tasks -----------------------------------------------------


def test_home_leads_with_the_tasks(login, personas, active_case):
    _overdue(active_case)
    body = login(personas["key_worker"]).get(HOME).content.decode()
    assert body.index("Your tasks") < body.index("What you can do next")
    assert "You have 1 task, 1 overdue." in body
    assert f"Record a review for {NAME}" in body
    assert TASKS in body
    assert _last_read("home_tasks").detail["students"] == [active_case.student_id]


def test_home_shows_five_tasks_and_links_to_the_rest(login, personas, county):
    from seip.organisations.tests.factories import AgreementFactory, OrganisationFactory

    today = timezone.localdate()
    for days in range(10, 17):
        organisation = OrganisationFactory()
        organisation.partnerships.add(county.a)
        AgreementFactory(
            organisation=organisation,
            partnership=county.a,
            expires_on=today + dt.timedelta(days=days),
        )
    body = login(personas["coordinator"]).get(HOME).content.decode()
    assert "You have 7 tasks." in body
    assert "These are the 5 due soonest." in body
    assert body.count('<li class="govuk-task-list__item') == 5


def test_home_has_no_tasks_section_for_the_family(login, personas):
    assert "Your tasks" not in login(personas["parent"]).get(HOME).content.decode()


# A refusal says why ----------------------------------------------------------------------


@pytest.mark.promise("P08")
@pytest.mark.parametrize("name", ["progress:review_new", "records:note_new"])
def test_a_key_worker_off_the_case_is_told_it_is_not_her_caseload(
    login, personas, county, active_case, name
):
    other = UserFactory(email="other-kw@seip.test")
    Membership.objects.create(user=other, role=Role.KEY_WORKER, partnership=county.a)
    response = login(other).get(reverse(name, args=[active_case.student_id]))
    assert response.status_code == 403
    body = response.content.decode()
    assert "This student is not on your caseload" in body
    assert "Your role does not allow this action" not in body


def test_the_case_key_worker_may_open_the_forms(login, personas, active_case):
    client = login(personas["key_worker"])
    for name in ("progress:review_new", "records:note_new"):
        assert client.get(reverse(name, args=[active_case.student_id])).status_code == 200


def test_reassigning_the_case_moves_the_task(login, personas, county, active_case):
    _overdue(active_case)
    other = UserFactory(email="other-kw@seip.test")
    Membership.objects.create(user=other, role=Role.KEY_WORKER, partnership=county.a)
    case_assign_key_worker(case=active_case, key_worker=other, actor=personas["coordinator"])
    assert NAME not in login(personas["key_worker"]).get(TASKS).content.decode()
    assert NAME in login(other).get(TASKS).content.decode()
