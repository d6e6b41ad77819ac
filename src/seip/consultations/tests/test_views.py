import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from seip.audit.models import AuditEvent
from seip.consultations.models import Consultation
from seip.consultations.tests.factories import ConsultationFactory

LIST = reverse("consultations:list")
CREATE = reverse("consultations:create")

MAY_SEE = ["coordinator", "key_worker", "safeguarding_lead", "dpo", "school_contact", "admin"]
MAY_NOT_SEE = ["provider", "agency", "la_officer", "parent", "student", "nobody"]


def detail(consultation):
    return reverse("consultations:detail", args=[consultation.pk])


def form_data(school, *, advice="Agreed a short-term mentoring offer.", day=None, staff=()):
    day = day or timezone.localdate()
    return {
        "school": school.pk,
        "forum": "inclusion_forum",
        "held_on": day.isoformat(),
        "year_group": "10",
        "concern": "behaviour",
        "advice": advice,
        "staff": [person.pk for person in staff],
    }


# The list -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", MAY_SEE)
def test_list_is_open_to_staff_school_contacts_and_admins(login, personas, persona):
    assert login(personas[persona]).get(LIST).status_code == 200


@pytest.mark.parametrize("persona", MAY_NOT_SEE)
def test_list_is_forbidden_to_everyone_else(login, personas, persona):
    assert login(personas[persona]).get(LIST).status_code == 403


def test_list_shows_only_what_the_user_may_see(login, personas, county):
    ConsultationFactory(school=county.school_a)
    ConsultationFactory(school=county.school_b)
    body = login(personas["school_b"]).get(LIST).content.decode()
    assert "Beta High School" in body
    assert "Alpha Academy" not in body


def test_list_shows_this_years_anonymous_counts_of_what_the_user_may_see(login, personas, county):
    other_a = county.a.schools.exclude(pk=county.school_a.pk).get()
    ConsultationFactory(school=county.school_a, held_on=timezone.localdate())
    ConsultationFactory(school=other_a, held_on=timezone.localdate())
    staff_page = login(personas["coordinator"]).get(LIST)
    assert staff_page.context["activities"][0][1]["total"] == 2
    assert "2 consultations this school year" in staff_page.content.decode()
    school_page = login(personas["school_contact"]).get(LIST)
    assert school_page.context["activities"][0][1]["total"] == 1


def test_list_offers_recording_only_to_those_who_may(login, personas, county):
    record = f'href="{CREATE}"'
    assert record in login(personas["school_contact"]).get(LIST).content.decode()
    assert record not in login(personas["admin"]).get(LIST).content.decode()


def test_anonymous_is_sent_to_sign_in(client, county):
    for url in (LIST, CREATE, detail(ConsultationFactory(school=county.school_a))):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


# Recording ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["coordinator", "key_worker", "school_contact"])
def test_staff_and_school_contacts_may_open_the_form(login, personas, persona):
    response = login(personas[persona]).get(CREATE)
    assert response.status_code == 200
    assert "Record a consultation" in response.content.decode()


@pytest.mark.parametrize("persona", [*MAY_NOT_SEE, "admin"])
def test_recording_is_forbidden_without_the_role(login, personas, county, persona):
    client = login(personas[persona])
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, form_data(county.school_a)).status_code == 403
    assert not Consultation.objects.exists()


def test_a_school_contact_records_a_consultation(login, personas, county):
    response = login(personas["school_contact"]).post(
        CREATE, form_data(county.school_a, staff=[personas["key_worker"]])
    )
    consultation = Consultation.objects.get()
    assert response.status_code == 302
    assert response.url == detail(consultation)
    assert consultation.school == county.school_a
    assert consultation.partnership == county.a
    assert consultation.year_group == 10
    assert list(consultation.staff.all()) == [personas["key_worker"]]
    assert AuditEvent.objects.filter(action="consultation.record").count() == 1


def test_the_form_offers_only_the_users_schools_and_partnership_staff(login, personas, county):
    body = login(personas["school_contact"]).get(CREATE).content.decode()
    assert "Alpha Academy" in body
    assert "Alpha Community College" not in body
    assert "Beta High School" not in body
    assert "Key Worker Person" in body
    assert "School Contact Person" not in body


def test_another_schools_consultation_cannot_be_recorded(login, personas, county):
    response = login(personas["school_contact"]).post(CREATE, form_data(county.school_b))
    assert response.status_code == 200
    assert "Select one of the schools you record consultations for" in response.content.decode()
    assert not Consultation.objects.exists()


@pytest.mark.promise("P25")
@pytest.mark.parametrize(
    ("advice", "problem", "position"),
    [
        ("Agreed support. UPN A123456789012.", "a unique pupil number (UPN)", 21),
        ("Agreed support, born 12/03/2011.", "a date of birth", 22),
        ("Agreed support for Jordan Smith.", "a child's name", 20),
    ],
)
def test_the_page_names_the_problem_and_where_and_nothing_is_written(
    login, personas, county, advice, problem, position
):
    response = login(personas["coordinator"]).post(
        CREATE, form_data(county.school_a, advice=advice)
    )
    body = response.content.decode()
    assert response.status_code == 200
    message = f"The advice looks like it contains {problem} (at character {position})."
    assert escape(message) in body
    assert '<a href="#id_advice">' in body  # the error summary links to the field
    assert 'id="id_advice_error"' in body
    assert "<title>Error: Record a consultation" in body
    assert not Consultation.objects.exists()
    assert not AuditEvent.objects.filter(action="consultation.record").exists()


def test_positions_count_a_line_break_as_one_character(login, personas, county):
    advice = "Line one.\r\nBorn 12/03/2011."
    body = (
        login(personas["coordinator"])
        .post(CREATE, form_data(county.school_a, advice=advice))
        .content.decode()
    )
    assert "a date of birth (at character 16)" in body


def test_a_future_date_is_shown_on_the_date_field(login, personas, county):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    body = (
        login(personas["coordinator"])
        .post(CREATE, form_data(county.school_a, day=tomorrow))
        .content.decode()
    )
    assert "must be today or in the past" in body
    assert '<a href="#id_held_on_0">' in body
    assert 'id="id_held_on_0"' in body
    assert not Consultation.objects.exists()


def test_an_identifier_is_shown_beside_the_other_problems(login, personas, county):
    data = form_data(county.school_a, advice="Jordan Smith") | {"forum": ""}
    body = login(personas["coordinator"]).post(CREATE, data).content.decode()
    assert "Select where the consultation was held" in body
    assert escape("contains a child's name (at character 1)") in body


def test_an_impossible_date_is_explained(login, personas, county):
    data = form_data(county.school_a) | {"held_on": "2025-02-31"}
    body = login(personas["coordinator"]).post(CREATE, data).content.decode()
    assert "Date held must be a real date" in body


def test_an_empty_form_lists_every_missing_answer(login, personas):
    body = login(personas["coordinator"]).post(CREATE, {}).content.decode()
    for message in (
        "Select the school that asked for the consultation",
        "Select where the consultation was held",
        "Enter the date the consultation was held",
        escape("Select the child's year group"),
        "Select the main concern",
        "Enter the advice given",
    ):
        assert message in body


# The detail page ----------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["coordinator", "dpo", "school_contact", "admin"])
def test_detail_is_open_to_those_who_may_see_it(login, personas, county, persona):
    consultation = ConsultationFactory(school=county.school_a, staff=[personas["key_worker"]])
    response = login(personas[persona]).get(detail(consultation))
    body = response.content.decode()
    assert response.status_code == 200
    assert consultation.advice in body
    assert "Key Worker Person" in body


@pytest.mark.parametrize("persona", ["school_b", *MAY_NOT_SEE])
def test_detail_of_a_consultation_you_may_not_see_is_404_not_403(login, personas, county, persona):
    consultation = ConsultationFactory(school=county.school_a)
    response = login(personas[persona]).get(detail(consultation))
    assert response.status_code == 404
    assert "Alpha Academy" not in response.content.decode()


def test_another_school_in_the_partnership_is_invisible_to_a_school_contact(
    login, personas, county
):
    other_a = county.a.schools.exclude(pk=county.school_a.pk).get()
    consultation = ConsultationFactory(school=other_a)
    assert login(personas["school_contact"]).get(detail(consultation)).status_code == 404


def test_an_unknown_consultation_is_the_same_404(login, personas):
    response = login(personas["coordinator"]).get(reverse("consultations:detail", args=[999]))
    assert response.status_code == 404


def test_reading_writes_nothing(login, personas, county):
    consultation = ConsultationFactory(school=county.school_a)
    before = AuditEvent.objects.count()
    client = login(personas["coordinator"])
    client.get(LIST)
    client.get(detail(consultation))
    assert AuditEvent.objects.count() == before
