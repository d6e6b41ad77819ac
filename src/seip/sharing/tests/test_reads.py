"""Reads that used to leave no trace (issue 15, finding 2): each page of the record, and
the lists, record a read; an outside organisation's read reaches the family's log."""

import pytest
from django.urls import reverse

from seip.audit.models import AuditEvent
from seip.progress.models import PortalLink, PortalRelationship
from seip.sharing.models import Disclosure, DisclosureKind
from seip.sharing.selectors import disclosure_days
from seip.sharing.tests.test_involvements import involve

#: Pages an outside reader (the provider, through its involvement) could open without
#: leaving a trace before: the profile, attendance, reviews and provision.
RECORD_PAGES = ["records:profile", "attendance:student", "progress:reviews", "provision:list"]


@pytest.fixture
def student(active_case):
    return active_case.student


@pytest.mark.promise("P14")
@pytest.mark.parametrize("name", RECORD_PAGES)
@pytest.mark.parametrize("persona", ["provider", "school_contact"])
def test_an_outside_read_of_any_page_is_a_disclosure(
    login, personas, county, student, name, persona
):
    involve(student, county.provider, personas["coordinator"])
    response = login(personas[persona]).get(reverse(name, args=[student.pk]))
    assert response.status_code == 200
    assert AuditEvent.objects.filter(
        action__startswith="read.", object_id=str(student.pk), actor=personas[persona]
    ).exists()
    disclosure = Disclosure.objects.get()
    assert (disclosure.student, disclosure.kind) == (student, DisclosureKind.VIEW)


@pytest.mark.promise("P14")
def test_a_page_the_reader_may_not_use_leaves_no_disclosure(login, personas, student):
    page = login(personas["school_contact"]).get(
        reverse("records:need_new", args=[student.pk, "eal"])
    )
    assert page.status_code == 403
    assert not Disclosure.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="read.").exists()


@pytest.mark.promise("P14")
def test_an_outside_reader_s_list_is_a_list_disclosure_per_student(
    login, personas, county, student
):
    login(personas["school_contact"]).get(reverse("students:list"))
    event = AuditEvent.objects.get(action="read.student_list")
    assert event.detail["students"] == [student.pk]
    assert event.detail["disclosed"] == [student.pk]
    disclosure = Disclosure.objects.get()
    school = county.school_a.organisation
    assert (disclosure.kind, disclosure.organisation) == (DisclosureKind.LIST, school)
    login(personas["school_contact"]).get(reverse("students:list"))
    (day,) = disclosure_days(student)
    assert (day.kind, day.times) == ("Saw the name in a list", 2)


def test_the_team_s_list_is_audited_but_discloses_nothing(login, personas, student):
    login(personas["coordinator"]).get(reverse("students:list"))
    login(personas["key_worker"]).get(reverse("progress:due"))
    actions = sorted(
        AuditEvent.objects.filter(action__startswith="read.").values_list("action", flat=True)
    )
    assert actions == ["read.reviews_due", "read.student_list"]
    assert not Disclosure.objects.exists()


def test_the_family_s_own_reads_are_audited_never_disclosed(login, personas, student):
    PortalLink.objects.create(
        user=personas["parent"], student=student,
        relationship=PortalRelationship.PARENT_CARER, parental_responsibility=True,
    )  # fmt: skip
    client = login(personas["parent"])
    client.get(reverse("progress:portal"))
    client.get(reverse("sharing:portal_disclosures", args=[student.pk]))
    actions = sorted(
        AuditEvent.objects.filter(action__startswith="read.").values_list("action", flat=True)
    )
    assert actions == ["read.portal_disclosures", "read.portal_home"]
    assert not Disclosure.objects.exists()
