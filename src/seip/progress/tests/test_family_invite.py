"""Families invited from the record (issue 18, ADR 0031): a parent or carer picked from
the contacts with parental responsibility, or the student from 13; the link gives that
child only, and access ends with the parental responsibility (P03)."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from seip.accounts.models import Membership, Role, User
from seip.accounts.tests.factories import UserFactory
from seip.audit.models import AuditEvent
from seip.progress.models import PortalLink, PortalRelationship
from seip.progress.selectors import portal_students_visible_to
from seip.progress.services import family_invite
from seip.records.services import Source, contact_update
from seip.records.tests.factories import ContactFactory
from seip.students.models import Student
from seip.students.sources import SourceKind

SITE = "https://seip.test"
PASSWORD = "plum kettle orbit 42 lantern"


def _link() -> str:
    [url] = re.findall(r"https?://[^/]+(/sign-in/invitation/\S+)", mail.outbox[-1].body)
    return url


@pytest.mark.promise("P03")
def test_a_parent_invited_from_the_contacts_sees_only_their_child(
    client, active_case, personas, login, county
):
    student = active_case.student
    carer = ContactFactory(student=student, email="Carer@Family.test", name="Pat Carer")
    login(personas["key_worker"])
    url = reverse("progress:family_invite", args=[student.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert AuditEvent.objects.filter(action__startswith="read.", object_id=str(student.pk)).exists()
    response = client.post(url, {"who": f"contact:{carer.pk}"})
    assert response.status_code == 302
    invited = User.objects.get(email="carer@family.test")
    assert not invited.is_active
    body = mail.outbox[-1].body
    assert student.first_name not in body
    assert student.last_name not in body
    client.logout()
    assert client.post(_link(), {"password1": PASSWORD, "password2": PASSWORD}).status_code == 302
    invited.refresh_from_db()
    assert invited.is_active
    assert invited.roles == {Role.PARENT_CARER}
    other = Student.objects.exclude(pk=student.pk).first()
    assert list(portal_students_visible_to(invited)) == [student]
    if other is not None:
        assert other not in portal_students_visible_to(invited)


@pytest.mark.promise("P03")
def test_only_a_contact_with_parental_responsibility_of_this_child(active_case, personas, county):
    student = active_case.student
    no_pr = ContactFactory(student=student, email="gran@family.test", parental_responsibility=False)
    with pytest.raises(ValidationError):
        family_invite(student=student, contact=no_pr, site=SITE, actor=personas["key_worker"])
    other_child = Student.objects.exclude(pk=student.pk).first()
    if other_child is not None:
        stranger = ContactFactory(student=other_child, email="stranger@family.test")
        with pytest.raises(ValidationError):
            family_invite(
                student=student, contact=stranger, site=SITE, actor=personas["key_worker"]
            )
    assert not PortalLink.objects.exists()


@pytest.mark.promise("P03")
def test_a_key_worker_without_the_case_cannot_invite(active_case, county):
    other = UserFactory(email="other.kw@seip.test")
    Membership.objects.create(user=other, role=Role.KEY_WORKER, partnership=county.a)
    contact = ContactFactory(student=active_case.student, email="carer@family.test")
    with pytest.raises(PermissionDenied):
        family_invite(student=active_case.student, contact=contact, site=SITE, actor=other)


def test_the_student_only_from_thirteen(active_case, personas):
    student = active_case.student
    today = timezone.localdate()
    student.date_of_birth = today.replace(year=today.year - 12)
    student.save()
    with pytest.raises(ValidationError, match="13"):
        family_invite(
            student=student, student_email="kid@family.test", site=SITE,
            actor=personas["key_worker"],
        )  # fmt: skip
    student.date_of_birth = today.replace(year=today.year - 13) - dt.timedelta(days=1)
    student.save()
    link = family_invite(
        student=student, student_email="kid@family.test", site=SITE, actor=personas["key_worker"]
    )
    assert link.relationship == PortalRelationship.STUDENT


@pytest.mark.promise("P03")
def test_a_carer_whose_parental_responsibility_ends_loses_access_at_once(active_case, personas):
    student = active_case.student
    parent = personas["parent"]
    contact = ContactFactory(student=student, email=parent.email)
    family_invite(student=student, contact=contact, site=SITE, actor=personas["key_worker"])
    assert student in portal_students_visible_to(parent)
    contact_update(
        contact=contact,
        changes={"parental_responsibility": False},
        source=Source(kind=SourceKind.SCHOOL_IMPORT, obtained_on=timezone.localdate()),
        actor=personas["key_worker"],
    )
    assert student not in portal_students_visible_to(parent)
    assert AuditEvent.objects.filter(action="portal.revoke").exists()
