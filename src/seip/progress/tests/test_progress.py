import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from seip.audit.models import AuditEvent
from seip.core.tests.pdfcheck import assert_tagged, pdf_text
from seip.progress.models import PortalRelationship, Review
from seip.progress.report import Audience, build_report
from seip.progress.selectors import portal_students_visible_to, reviews_due
from seip.progress.services import portal_link_grant, portal_link_revoke, review_record
from seip.records.tests.factories import ContactFactory
from seip.referrals.services import consent_withdraw


def review(case, actor, **overrides):
    values = {
        "case": case,
        "held_on": timezone.localdate(),
        "attendance_progress": "Up to 91% this half term.",
        "behaviour_progress": "No incidents since October.",
        "attainment_progress": "On target in English and Maths.",
        "student_view": "Likes the mentoring.",
        "parent_view": "Mornings are easier.",
        "next_steps": "Keep the mentoring going.",
        "facts_confirmed": True,
        "actor": actor,
    }
    values.update(overrides)
    return review_record(**values)


@pytest.mark.promise("P12")
def test_review_is_recorded_and_audited(active_case, personas):
    saved = review(active_case, personas["key_worker"])
    assert saved.facts_confirmed
    assert AuditEvent.objects.filter(action="review.record", object_id=str(saved.pk)).exists()


@pytest.mark.parametrize("held_on", [dt.date(2031, 1, 1), dt.date(2020, 1, 1)])
def test_review_dates_are_checked(active_case, personas, held_on):
    with pytest.raises(ValidationError) as error:
        review(active_case, personas["key_worker"], held_on=held_on)
    assert "held_on" in error.value.message_dict
    assert not Review.objects.exists()


def test_school_contact_cannot_record_a_review(active_case, personas):
    with pytest.raises(PermissionDenied):
        review(active_case, personas["school_contact"])


@pytest.mark.promise("P12")
def test_due_list_for_key_worker_and_coordinator(active_case, personas):
    for persona in ("key_worker", "coordinator"):
        due = reviews_due(personas[persona], today=dt.date(2027, 3, 1))
        assert [d.case for d in due] == [active_case]
        assert due[0].next.state == "overdue"
    assert reviews_due(personas["dpo"]) == []


def test_a_review_moves_the_next_due_date(active_case, personas):
    today = timezone.localdate()
    review(active_case, personas["key_worker"], held_on=today)
    due = reviews_due(personas["key_worker"], today=today)[0]
    assert due.last_review == today
    assert due.next.due_on == today + dt.timedelta(weeks=6)


@pytest.mark.promise("P03")
def test_parent_with_pr_sees_only_their_child(case, personas):
    parent = personas["parent"]
    assert not portal_students_visible_to(parent).exists()
    ContactFactory(student=case.student, email=parent.email)
    portal_link_grant(
        user=parent,
        student=case.student,
        relationship=PortalRelationship.PARENT_CARER,
        parental_responsibility=True,
        actor=personas["coordinator"],
    )
    assert list(portal_students_visible_to(parent)) == [case.student]
    assert not portal_students_visible_to(personas["student"]).exists()


def test_parent_without_pr_is_refused(case, personas):
    with pytest.raises(ValidationError):
        portal_link_grant(
            user=personas["parent"],
            student=case.student,
            relationship=PortalRelationship.PARENT_CARER,
            parental_responsibility=False,
            actor=personas["coordinator"],
        )


def test_revoked_link_ends_portal_access(case, personas):
    link = portal_link_grant(
        user=personas["student"],
        student=case.student,
        relationship=PortalRelationship.STUDENT,
        parental_responsibility=False,
        actor=personas["coordinator"],
    )
    portal_link_revoke(link=link, actor=personas["coordinator"])
    assert not portal_students_visible_to(personas["student"]).exists()


@pytest.fixture
def parent_client(case, personas, login):
    ContactFactory(student=case.student, email=personas["parent"].email)
    portal_link_grant(
        user=personas["parent"],
        student=case.student,
        relationship=PortalRelationship.PARENT_CARER,
        parental_responsibility=True,
        actor=personas["coordinator"],
    )
    return login(personas["parent"])


@pytest.mark.promise("P03")
def test_parent_portal_shows_progress_and_not_the_record(parent_client, case):
    pk = case.student.pk
    home = parent_client.get(reverse("progress:portal")).content.decode()
    assert "Jordan Example" in home
    page = parent_client.get(reverse("progress:portal_progress", args=[pk]))
    assert page.status_code == 200
    assert "Jordan Example: progress" in page.content.decode()
    assert parent_client.get(reverse("students:detail", args=[pk])).status_code == 404
    pdf = parent_client.get(reverse("progress:portal_pdf", args=[pk]))
    assert pdf.content.startswith(b"%PDF")


def test_other_families_get_404_in_the_portal(case, personas, login):
    client = login(personas["student"])
    assert (
        client.get(reverse("progress:portal_progress", args=[case.student.pk])).status_code == 404
    )


@pytest.mark.promise("P03")
def test_staff_and_school_see_the_progress_page(case, personas, login):
    url = reverse("progress:progress", args=[case.student.pk])
    assert login(personas["key_worker"]).get(url).status_code == 200
    assert login(personas["school_contact"]).get(url).status_code == 200


@pytest.mark.promise("P03")
def test_school_without_schools_consent_gets_404(case, signed, personas, login):
    consent_withdraw(referral=signed, categories={"school"}, actor=personas["coordinator"])
    url = reverse("progress:progress", args=[case.student.pk])
    assert login(personas["school_contact"]).get(url).status_code == 404


def test_review_pages(active_case, personas, login):
    client = login(personas["key_worker"])
    pk = active_case.student.pk
    response = client.post(
        reverse("progress:review_new", args=[pk]),
        {
            "held_on": timezone.localdate().isoformat(),
            "attendance_progress": "Better",
            "behaviour_progress": "Calmer",
            "attainment_progress": "On track",
            "next_steps": "Continue",
            "facts_confirmed": "on",
        },
    )
    assert response.url == reverse("progress:reviews", args=[pk])
    assert "Calmer" in client.get(reverse("progress:reviews", args=[pk])).content.decode()
    assert "Jordan" in client.get(reverse("progress:due")).content.decode()


def test_school_cannot_open_the_review_form(active_case, personas, login):
    url = reverse("progress:review_new", args=[active_case.student.pk])
    assert login(personas["school_contact"]).get(url).status_code == 403


@pytest.mark.promise("P12")
def test_ap_placement_makes_reviews_half_termly(active_case, personas, county):
    from decimal import Decimal

    from seip.provision.models import Intervention

    Intervention.objects.create(
        student=active_case.student,
        type="ap_placement",
        provider=county.provider,
        start_date=timezone.localdate() - dt.timedelta(days=3),
        sessions_planned=20,
        unit_cost=Decimal(80),
        quantity=Decimal(20),
        funding_stream="partnership",
        total_cost=Decimal(1600),
        source_kind="partnership",
        obtained_on=timezone.localdate(),
    )
    due = reviews_due(personas["key_worker"])[0]
    from seip.core.calendar import half_term_of

    opened = timezone.localtime(active_case.opened_at).date()
    assert due.next.due_on == half_term_of(opened).end


@pytest.fixture
def history(active_case):
    from seip.attendance.demo import build_history as attendance
    from seip.behaviour.demo import build_history as behaviour
    from seip.students.models import Student

    student = Student.objects.select_related("school", "referral").get(pk=active_case.student.pk)
    attendance([student], 1)
    behaviour([student], 1)
    return student


@pytest.mark.promise("P03")
def test_progress_page_draws_every_measure_with_a_table(history, personas, login):
    body = (
        login(personas["key_worker"])
        .get(reverse("progress:progress", args=[history.pk]))
        .content.decode()
    )
    for title in ("Attendance by half term", "Behaviour incidents", "Attitude ratings"):
        assert title in body
    assert body.count('role="img"') == 3
    assert body.count("Show the numbers as a table") == 3
    assert "School subjects" in body


def test_progress_queries_do_not_grow_with_history(history, personas, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from seip.behaviour.models import Incident
    from seip.keys.fields import seal_bulk_create

    client = login(personas["key_worker"])
    url = reverse("progress:progress", args=[history.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    day = timezone.localdate() - dt.timedelta(days=20)
    seal_bulk_create(
        Incident,
        [
            Incident(
                student=history,
                occurred_on=day,
                category="disruption",
                severity=1,
                description="x",
                source_kind="school_entry",
                obtained_on=day,
            )
            for _ in range(50)
        ],
    )
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)


def test_progress_pdf_has_the_charts(history, personas, login):
    response = login(personas["key_worker"]).get(
        reverse("progress:progress_pdf", args=[history.pk])
    )
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    assert "Attendance by half term" in pdf_text(pdf)


def test_progress_pdf_is_tagged(history, personas, login):
    """ADR 0043: headings, each chart a figure with its alternative text, each chart's
    numbers a table with header cells."""
    response = login(personas["key_worker"]).get(
        reverse("progress:progress_pdf", args=[history.pk])
    )
    roles = assert_tagged(
        response.content, title=f"Progress report: {history.first_name} {history.last_name}"
    )
    charts = build_report(history, Audience.KEY_WORKER).charts
    assert roles["/H1"] == 1
    assert roles["/H2"] >= len(charts) >= 2
    assert roles["/Figure"] == len(charts)
    assert roles["/Table"] >= roles["/H2"]  # a table split across pages counts twice
    assert roles["/TH"] > roles["/Table"]


@pytest.mark.promise("P12")
def test_a_review_takes_attitude_ratings_and_confirms_the_facts(active_case, personas):
    from seip.behaviour.models import AttitudeRating
    from seip.progress.services import AttitudeScores
    from seip.records.models import Need
    from seip.records.tests.factories import NeedFactory

    need = NeedFactory(student=active_case.student, verified_on=None)
    saved = review(
        active_case,
        personas["key_worker"],
        attitude=AttitudeScores(
            engagement=3, relationships=4, self_regulation=2, attitude_to_learning=3
        ),
    )
    rating = AttitudeRating.objects.get(student=active_case.student)
    assert rating.review_id == saved.pk
    assert rating.relationships == 4
    assert Need.objects.get(pk=need.pk).verified_on == timezone.localdate()


def test_review_form_wants_all_four_ratings_or_none(active_case, personas, login):
    response = login(personas["key_worker"]).post(
        reverse("progress:review_new", args=[active_case.student.pk]),
        {
            "held_on": timezone.localdate().isoformat(),
            "attendance_progress": "a",
            "behaviour_progress": "b",
            "attainment_progress": "c",
            "next_steps": "d",
            "engagement": "3",
        },
    )
    assert "Rate all four areas, or none" in response.content.decode()
    assert not Review.objects.exists()


@pytest.fixture
def family_plan_case(active_case, personas):
    from seip.provision.tests.factories import InterventionFactory
    from seip.records.services import plan_create, target_add

    plan = plan_create(student=active_case.student, actor=personas["key_worker"])
    target_add(
        plan=plan,
        domain="attendance",
        description="Be in school every morning by 8.45",
        measure="Attendance above 92% for the half term",
        due_on=timezone.localdate() + dt.timedelta(days=40),
        actor=personas["key_worker"],
    )
    InterventionFactory(student=active_case.student, start_date=timezone.localdate())
    return active_case


@pytest.mark.promise("P03")
def test_the_family_sees_the_plan_key_worker_and_next_review(family_plan_case, personas, login):
    student = family_plan_case.student
    ContactFactory(student=student, email=personas["parent"].email)
    portal_link_grant(
        user=personas["parent"],
        student=student,
        relationship=PortalRelationship.PARENT_CARER,
        parental_responsibility=True,
        actor=personas["coordinator"],
    )
    page = login(personas["parent"]).get(reverse("progress:portal_progress", args=[student.pk]))
    html = page.content.decode()
    due = reviews_due(personas["key_worker"])[0].next.due_on
    assert personas["key_worker"].get_full_name().strip()
    assert personas["key_worker"].get_full_name() in html
    assert f"{due:%-d %B %Y}" in html
    assert "Be in school every morning by 8.45" in html
    assert "Attendance above 92% for the half term" in html
    assert "Key work" in html
    assert reverse("concerns:portal_new") in html
    # Costs and notes stay on the staff side.
    assert "£" not in html


def test_staff_progress_page_does_not_repeat_the_plan(family_plan_case, personas, login):
    page = login(personas["key_worker"]).get(
        reverse("progress:progress", args=[family_plan_case.student.pk])
    )
    assert "Targets in the support plan" not in page.content.decode()
