import pytest
from django.urls import reverse

from seip.students.models import CaseStatus, PaperFile


def detail(case):
    return reverse("students:detail", args=[case.student.pk])


@pytest.mark.parametrize(
    "persona", ["coordinator", "key_worker", "dpo", "safeguarding_lead", "school_contact"]
)
def test_allowed_roles_see_the_record(login, personas, case, persona):
    assert login(personas[persona]).get(detail(case)).status_code == 200


@pytest.mark.parametrize(
    "persona",
    ["school_b", "provider", "agency", "la_officer", "parent", "student", "admin", "nobody"],
)
def test_everyone_else_gets_404(login, personas, case, persona):
    assert login(personas[persona]).get(detail(case)).status_code == 404


def test_working_list(login, personas, case):
    body = login(personas["key_worker"]).get(reverse("students:list")).content.decode()
    assert "Example, Jordan" in body


def test_coordinator_walks_the_case_through_to_archive(login, personas, case, county):
    client = login(personas["coordinator"])
    pk = case.student.pk
    client.post(
        reverse("students:key_worker", args=[pk]), {"key_worker": personas["key_worker"].pk}
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE
    client.post(reverse("students:close", args=[pk]), {"outcome": "met", "destination": "stayed"})
    response = client.post(
        reverse("students:leave", args=[pk]),
        {
            "paper_files": "Referral file\nNotes",
            "returned_on": "2026-11-27",
            "received_by": "Mrs Head",
            "receipt_confirmed": "on",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.LEFT
    assert PaperFile.objects.count() == 2
    assert "Example, Jordan" not in client.get(reverse("students:list")).content.decode()
    assert "Example, Jordan" in client.get(reverse("students:archive")).content.decode()
    assert "read-only" in client.get(detail(case)).content.decode()


@pytest.mark.promise("P17")
def test_archived_record_refuses_changes_through_the_pages(login, personas, case):
    client = login(personas["coordinator"])
    pk = case.student.pk
    client.post(reverse("students:close", args=[pk]), {"outcome": "met", "destination": "stayed"})
    client.post(
        reverse("students:leave", args=[pk]),
        {
            "paper_files": "Referral file",
            "returned_on": "2026-11-27",
            "received_by": "Mrs Head",
            "receipt_confirmed": "on",
        },
    )
    response = client.post(
        reverse("students:key_worker", args=[pk]), {"key_worker": personas["key_worker"].pk}
    )
    assert "archived and cannot be changed" in response.content.decode()
    assert login(personas["key_worker"]).get(detail(case)).status_code == 404


@pytest.mark.parametrize("persona", ["key_worker", "dpo", "school_contact"])
def test_only_the_coordinator_changes_the_case(login, personas, case, persona):
    url = reverse("students:close", args=[case.student.pk])
    assert (
        login(personas[persona]).post(url, {"outcome": "met", "destination": "stayed"}).status_code
        == 403
    )


@pytest.mark.promise("P07")
def test_withdrawal_recorded_on_the_page_cuts_off_the_school_at_once(client, login, personas, case):
    school_client = login(personas["school_contact"])
    assert school_client.get(detail(case)).status_code == 200
    client.logout()
    staff = login(personas["coordinator"])
    staff.post(reverse("students:withdraw", args=[case.student.pk]), {"categories": ["school"]})
    client.logout()
    assert login(personas["school_contact"]).get(detail(case)).status_code == 404


def test_withdrawal_form_needs_a_choice(login, personas, case):
    body = (
        login(personas["coordinator"])
        .post(reverse("students:withdraw", args=[case.student.pk]), {})
        .content.decode()
    )
    assert "Choose the categories the family withdrew" in body


def test_profile_queries_are_the_same_in_every_state_of_the_case(login, personas, case):
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from seip.students.services import case_assign_key_worker, case_close, student_leave

    client = login(personas["coordinator"])
    url = detail(case)

    def count():
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    accepted = count()
    case_assign_key_worker(
        case=case, key_worker=personas["key_worker"], actor=personas["coordinator"]
    )
    active = count()
    case_close(case=case, outcome="met", destination="stayed", actor=personas["coordinator"])
    student_leave(
        case=case,
        paper_files=["File"],
        returned_to=None,
        returned_on=dt.date(2026, 11, 27),
        received_by="Office",
        receipt_confirmed=True,
        actor=personas["coordinator"],
    )
    archived = count()
    assert accepted == active == archived


def test_the_working_list_is_paged(login, personas, county, monkeypatch):
    """A whole partnership is paged; the pager says which page and how many records."""
    from seip.reports.tests.test_population import admit
    from seip.students import views

    for n in range(1, 4):
        admit(county, personas, n)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client = login(personas["coordinator"])
    first = client.get(reverse("students:list")).content.decode()
    second = client.get(reverse("students:list") + "?page=2").content.decode()
    assert "Page 1 of 2 (3 records)" in first
    assert "Page 2 of 2 (3 records)" in second
    row = '<tr class="govuk-table__row">'
    assert (first.count(row), second.count(row)) == (3, 2)  # the header row, then students


def _second_student(county, personas, **names):
    import datetime as dt

    from seip.organisations.models import OrganisationType
    from seip.referrals.services import referral_draft_create, referral_sign
    from seip.referrals.tests.factories import PDF, carers, notice_for, pupil
    from seip.students.services import case_open

    referral = referral_draft_create(
        school=county.school_a,
        pupil=pupil(upn="Q801200005002", **names),
        carers=carers(),
        actor=personas["school_contact"],
    )
    referral_sign(
        referral=referral, signed_by_name="Alex Other", relationship="Father",
        has_parental_responsibility=True, signed_on=dt.date(2026, 11, 21),
        notice_version=notice_for(county.a), categories={OrganisationType.SCHOOL},
        form=PDF, actor=personas["school_contact"],
    )  # fmt: skip
    return case_open(
        referral=referral, tier=2, risk_assessment_on=None, risk_assessment_summary="",
        actor=personas["coordinator"],
    ).student  # fmt: skip


@pytest.mark.promise("P14")
def test_the_list_searches_sealed_names_and_upns(login, personas, county, case):
    """Names and UPNs are ciphertext in the database; the list still finds and sorts them."""
    riley = _second_student(county, personas, first_name="Riley", last_name="Zoë-Ashworth")
    client = login(personas["coordinator"])
    url = reverse("students:list")
    page = client.get(url, {"q": "zoe ash"}).content.decode()
    assert "Zoë-Ashworth, Riley" in page
    assert "Example, Jordan" not in page
    page = client.get(url, {"q": f" {riley.upn.lower()} "}).content.decode()
    assert "Zoë-Ashworth, Riley" in page
    assert "Example, Jordan" not in page
    page = client.get(url, {"q": "nobody"}).content.decode()
    assert "No record matches your search." in page
    listed = client.get(url).content.decode()
    assert listed.index("Example, Jordan") < listed.index("Zoë-Ashworth, Riley")  # by name
