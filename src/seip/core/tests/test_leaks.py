"""No list, count or error page gives away a student to someone who may not see them (P08).

In the style of paperless-ngx's ``test_permission_filtering_security.py``: one student
with distinctive names, then every persona who must not see them walks the lists and
counts and we look for the name and UPN anywhere in the body. A hidden record is a 404
that names no one, and a form posted at a hidden record is a 404, never a validation
message that would confirm the record exists.
"""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from seip.moves.services import move_propose
from seip.organisations.models import OrganisationType, School
from seip.progress.models import PortalLink, PortalRelationship
from seip.referrals.models import ConsentGrant
from seip.referrals.services import (
    CarerDetails,
    consent_withdraw,
    referral_draft_create,
    referral_sign,
)
from seip.referrals.tests.factories import PDF, notice_for, pupil
from seip.students.models import Case, Student
from seip.students.services import case_assign_key_worker, case_open

FIRST, LAST, UPN, CARER = "Zephyrine", "Quillfeather", "B801200005001", "Marigold Quillfeather"
SECRETS = (FIRST, LAST, UPN, CARER)
NONCE = re.compile(r'nonce="[^"]*"|name="csrfmiddlewaretoken" value="[^"]*"')

LISTS = (
    "core:home",
    "students:list",
    "students:export",
    "students:archive",
    "referrals:list",
    "consultations:list",
    "moves:list",
    "progress:due",
    "progress:portal",
    "organisations:partnership_list",
)


# Everyone who must not see a student of partnership A on school A's roll.
OUTSIDERS = ("school_b", "provider", "agency", "la_officer", "parent", "student", "admin", "nobody")


@pytest.fixture
def hidden(personas, county) -> Student:
    """An active case in partnership A, on school A's roll, with schools consent live."""
    referral = referral_draft_create(
        school=county.school_a,
        pupil=pupil(first_name=FIRST, last_name=LAST, upn=UPN),
        carers=[CarerDetails(name=CARER, relationship="Mother", parental_responsibility=True)],
        actor=personas["school_contact"],
    )
    referral_sign(
        referral=referral, signed_by_name=CARER, relationship="Mother",
        has_parental_responsibility=True, signed_on=dt.date(2026, 11, 20),
        notice_version=notice_for(county.a),
        categories={OrganisationType.SCHOOL, OrganisationType.ALTERNATIVE_PROVIDER},
        form=PDF, actor=personas["school_contact"],
    )  # fmt: skip
    referral.refresh_from_db()
    case = case_open(
        referral=referral, tier=2, risk_assessment_on=None, risk_assessment_summary="",
        actor=personas["coordinator"],
    )  # fmt: skip
    case_assign_key_worker(
        case=case, key_worker=personas["key_worker"], actor=personas["coordinator"]
    )
    # A managed move proposed to the other school of A: the moves list must not leak it.
    move_propose(
        student=case.student,
        host_school=School.objects.filter(partnership=county.a).exclude(pk=county.school_a.pk).get(),
        trial_starts_on=timezone.localdate(), review_on=None, dual_registration=True,
        actor=personas["coordinator"],
    )  # fmt: skip
    return case.student


def same_page(one, other) -> bool:
    def normal(response) -> str:
        body = NONCE.sub("", response.content.decode())
        return body.replace(response.wsgi_request.path, "PATH")

    return normal(one) == normal(other)


def bodies(client, student: Student):
    for name in LISTS:
        response = client.get(reverse(name))
        assert response.status_code in (200, 403), name
        yield name, response.content.decode()


def assert_nowhere(client, student: Student) -> None:
    leaks = {
        name: [secret for secret in SECRETS if secret in body]
        for name, body in bodies(client, student)
    }
    assert {name: found for name, found in leaks.items() if found} == {}


def test_the_secrets_are_shown_to_those_who_may_see_them(login, personas, hidden):
    """The check below means something: the same pages do name the student for staff."""
    body = login(personas["key_worker"]).get(reverse("students:list")).content.decode()
    assert FIRST in body
    assert LAST in body


@pytest.mark.promise("P08")
@pytest.mark.parametrize("persona", OUTSIDERS)
def test_lists_and_counts_never_name_a_hidden_student(login, personas, hidden, persona):
    assert_nowhere(login(personas[persona]), hidden)


@pytest.mark.promise("P08")
def test_a_revoked_portal_link_shows_nothing(login, personas, hidden):
    PortalLink.objects.create(
        user=personas["parent"], student=hidden, relationship=PortalRelationship.PARENT_CARER,
        parental_responsibility=True, revoked_at=timezone.now(),
    )  # fmt: skip
    client = login(personas["parent"])
    assert_nowhere(client, hidden)
    assert client.get(reverse("progress:portal_progress", args=[hidden.pk])).status_code == 404


@pytest.mark.promise("P07")
def test_withdrawn_schools_consent_hides_the_student_from_the_school(login, personas, hidden):
    consent_withdraw(
        referral=hidden.referral,
        categories={OrganisationType.SCHOOL},
        actor=personas["coordinator"],
    )
    client = login(personas["school_contact"])
    # The school wrote the referral, but it leaves the school's list too (issue 15).
    leaks = {name: [s for s in SECRETS if s in body] for name, body in bodies(client, hidden)}
    assert {name: found for name, found in leaks.items() if found} == {}
    assert client.get(reverse("students:detail", args=[hidden.pk])).status_code == 404


@pytest.mark.promise("P17")
@pytest.mark.parametrize("persona", ["key_worker", "safeguarding_lead", "school_contact"])
def test_archived_student_is_named_only_to_coordinator_and_dpo(login, personas, hidden, persona):
    Student.objects.filter(pk=hidden.pk).update(archived_at=timezone.now())
    archive = reverse("students:archive")
    for allowed in ("coordinator", "dpo"):
        assert LAST in login(personas[allowed]).get(archive).content.decode()
    client = login(personas[persona])
    leaks = {name: [s for s in SECRETS if s in body] for name, body in bodies(client, hidden)}
    assert client.get(reverse("students:detail", args=[hidden.pk])).status_code == 404
    assert {name: found for name, found in leaks.items() if found} == {}


# --- the 404 page ---------------------------------------------------------------------

STUDENT_PAGES = (
    "students:detail",
    "records:profile",
    "records:chronology",
    "provision:list",
    "progress:progress",
    "progress:progress_pdf",
    "progress:portal_progress",
)


@pytest.mark.promise("P08")
@pytest.mark.parametrize("persona", OUTSIDERS)
def test_the_404_for_a_hidden_student_names_no_one(login, personas, county, hidden, persona):
    client = login(personas[persona])
    missing = Student.objects.order_by("-pk").first().pk + 1000
    for name in STUDENT_PAGES:
        response = client.get(reverse(name, args=[hidden.pk]))
        absent = client.get(reverse(name, args=[missing]))
        assert (response.status_code, absent.status_code) == (404, 404), name
        body = response.content.decode()
        found = [s for s in (*SECRETS, county.school_a.name) if s in body]
        assert found == [], name
        # A hidden record and a record that does not exist look the same.
        assert same_page(response, absent), name


# --- forms posted at a hidden student ---------------------------------------------------

POSTS = {
    "moves:propose": {},
    "students:withdraw": {"everything": "on"},
    "students:extend": {},
    "students:key_worker": {"key_worker": "999999"},
    "students:close": {},
    "students:leave": {},
    "records:note_new": {},
    "records:contact_new": {},
    "records:concern_new": {},
    "progress:review_new": {},
    "progress:portal_access": {"email": "nobody@seip.test", "relationship": "student"},
    "provision:add": {},
    "behaviour:incident_new": {},
}


@pytest.mark.promise("P08")
@pytest.mark.parametrize("persona", OUTSIDERS)
def test_a_form_posted_at_a_hidden_student_is_404(login, personas, hidden, persona):
    client = login(personas[persona])
    grants = set(ConsentGrant.objects.filter(withdrawn_at__isnull=True).values_list("pk"))
    case = Case.objects.get(student=hidden)
    before = (case.status, case.key_worker_id)
    for name, data in POSTS.items():
        response = client.post(reverse(name, args=[hidden.pk]), data)
        assert response.status_code == 404, name
        body = response.content.decode()
        assert [s for s in SECRETS if s in body] == [], name
        assert "error-summary" not in body, name
    assert set(ConsentGrant.objects.filter(withdrawn_at__isnull=True).values_list("pk")) == grants
    case.refresh_from_db()
    assert (case.status, case.key_worker_id) == before
    assert not PortalLink.objects.filter(student=hidden).exists()


@pytest.mark.promise("P17")
def test_a_form_posted_at_an_archived_student_by_a_key_worker_is_404(login, personas, hidden):
    Student.objects.filter(pk=hidden.pk).update(archived_at=timezone.now())
    client = login(personas["key_worker"])
    for name, data in POSTS.items():
        response = client.post(reverse(name, args=[hidden.pk]), data)
        assert response.status_code == 404, name
        assert "error-summary" not in response.content.decode(), name


@pytest.mark.promise("P09")
def test_a_lapsed_agreement_hides_the_student_from_the_provider_everywhere(
    login, personas, county, hidden
):
    from seip.organisations.models import DataSharingAgreement
    from seip.sharing.services import involvement_create

    involvement_create(
        student=hidden, organisation=county.provider, purpose="Farm placement",
        starts_on=timezone.localdate(), ends_on=None, actor=personas["coordinator"],
    )  # fmt: skip
    client = login(personas["provider"])
    assert FIRST in client.get(reverse("students:list")).content.decode()
    DataSharingAgreement.objects.filter(organisation=county.provider).update(
        expires_on=timezone.localdate() - dt.timedelta(days=1)
    )
    assert_nowhere(client, hidden)
    assert client.get(reverse("students:detail", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("progress:progress_pdf", args=[hidden.pk])).status_code == 404
