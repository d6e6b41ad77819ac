"""Writes for reviews and portal links, each audited in its own transaction."""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from seip.accounts.invitations import invitation_issue
from seip.accounts.models import FAMILY_ROLES, Role, User
from seip.accounts.selectors import has_role
from seip.accounts.services import membership_grant, user_create
from seip.audit.services import audit_record
from seip.behaviour.services import attitude_record
from seip.progress.models import PortalLink, PortalRelationship, Review
from seip.records.models import Contact
from seip.records.selectors import profile_context
from seip.records.services import verify_facts
from seip.students.models import Case, CaseStatus, Student
from seip.students.permissions import can_write, ensure_can_write


@dataclass(frozen=True)
class AttitudeScores:
    """The four attitude ratings, each 1 (serious concern) to 5 (strong)."""

    engagement: int
    relationships: int
    self_regulation: int
    attitude_to_learning: int


#: Who may let a family member follow a student in the portal.
PORTAL_GRANTERS = (Role.COORDINATOR, Role.KEY_WORKER)
#: One answer for every refused account, so the form never tells whether an email
#: address has a SEIP account, or whose it is.
PORTAL_REFUSAL = (
    "Portal access can only be given to a family account: a parent or carer whose email "
    "address is on this student's contact list with parental responsibility, or the "
    "student's own account"
)


def may_grant_portal(actor: User, student: Student) -> bool:
    """The co-ordinator, or the key worker who holds this student's case (P03)."""
    return has_role(actor, PORTAL_GRANTERS, partnership=student.partnership) and can_write(
        actor, student
    )


@transaction.atomic
def portal_link_grant(
    *,
    user: User,
    student: Student,
    relationship: PortalRelationship,
    parental_responsibility: bool,
    actor: User,
) -> PortalLink:
    """Let a parent or carer with parental responsibility, or the student, see this
    student's progress in the portal (P03). Nothing else about the record is shown there.

    Only the co-ordinator or the student's own key worker may, only for an account that
    holds no staff or partner role, and a parent or carer only when their email address
    is on the student's contact list with parental responsibility."""
    if student.is_archived:
        raise ValidationError("This record is archived and cannot be changed.")
    if not may_grant_portal(actor, student):
        raise PermissionDenied(
            "Only the co-ordinator or the student's key worker can give portal access."
        )
    if relationship == PortalRelationship.PARENT_CARER and not parental_responsibility:
        raise ValidationError(
            {"parental_responsibility": "A parent or carer needs parental responsibility"}
        )
    on_contact_list = user.email.lower() in _holders(student)
    if (user.roles - FAMILY_ROLES) or (
        relationship == PortalRelationship.PARENT_CARER and not on_contact_list
    ):
        raise ValidationError({"email": PORTAL_REFUSAL})
    link = PortalLink.objects.filter(user=user, student=student, revoked_at__isnull=True).first()
    if link is None:
        link = PortalLink(
            user=user,
            student=student,
            relationship=relationship,
            parental_responsibility=parental_responsibility,
        )
        link.full_clean()
        link.save()
        audit_record(actor=actor, action="portal.grant", obj=student)
    role = Role.PARENT_CARER if relationship == PortalRelationship.PARENT_CARER else Role.STUDENT
    membership_grant(user=user, role=role, partnership=student.partnership, actor=actor)
    return link


#: The youngest student who may be invited to their own portal account (ADR 0031): 13,
#: the UK GDPR age at which a child can consent to an online service themselves.
STUDENT_PORTAL_MIN_AGE = 13


def student_age(student: Student, today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    born: dt.date = student.date_of_birth
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@transaction.atomic
def family_invite(
    *,
    student: Student,
    contact: Contact | None = None,
    student_email: str = "",
    site: str,
    actor: User,
) -> PortalLink:
    """Invite a parent or carer with parental responsibility, picked from the student's
    contacts (the email comes from the contact), or the student themself from 13, to
    follow this child only in the portal (P03, ADR 0031).

    A new person gets an account (inactive until they accept) and an emailed one-time
    link; someone who already has a family account gets the link to this child at once.
    The portal link is made now, so what the invitee will see is decided by whoever
    holds the case, not by the link."""
    if not may_grant_portal(actor, student):
        raise PermissionDenied(
            "Only the co-ordinator or the student's key worker can invite the family."
        )
    if contact is not None:
        if contact.student_id != student.pk or not contact.parental_responsibility:
            raise ValidationError({"who": "Choose a contact with parental responsibility"})
        if not contact.email:
            raise ValidationError(
                {"who": "This contact has no email address: add one to their contact details"}
            )
        email, name, relationship = contact.email, contact.name, PortalRelationship.PARENT_CARER
    else:
        if student_age(student) < STUDENT_PORTAL_MIN_AGE:
            raise ValidationError(
                {"who": f"A student can have their own account from age {STUDENT_PORTAL_MIN_AGE}"}
            )
        if not student_email.strip():
            raise ValidationError({"student_email": "Enter the student's email address"})
        email, relationship = student_email, PortalRelationship.STUDENT
        name = f"{student.first_name} {student.last_name}"
    email = User.objects.normalize_email(email.strip()).lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = user_create(email=email, full_name=name, password=None, actor=actor)
        user.is_active = False
        user.save(update_fields=["is_active"])
    elif not user.is_active and user.last_login is not None:
        raise ValidationError({"who": PORTAL_REFUSAL})
    link = portal_link_grant(
        user=user,
        student=student,
        relationship=relationship,
        parental_responsibility=relationship == PortalRelationship.PARENT_CARER,
        actor=actor,
    )
    if not user.is_active:
        invitation_issue(user=user, site=site, actor=actor)
    return link


def _holders(student: Student) -> set[str]:
    """The email addresses, in lower case, of the student's contacts with parental
    responsibility. Compared here, not in the database: a contact's email is sealed under
    the child's key (P14), and a child has a handful of contacts."""
    contacts = student.contacts.filter(parental_responsibility=True).exclude(email="")
    return {contact.email.lower() for contact in contacts}


@transaction.atomic
def portal_links_recheck(*, student: Student, actor: User | None) -> list[PortalLink]:
    """End the portal access of every parent or carer of ``student`` whose email address
    is no longer on a contact with parental responsibility (P03). Called in the same
    transaction as any change to the student's contacts, so access ends with the
    parental responsibility."""
    holders = _holders(student)
    ended = [
        link
        for link in PortalLink.objects.filter(
            student=student,
            relationship=PortalRelationship.PARENT_CARER,
            revoked_at__isnull=True,
        ).select_related("user")
        if link.user.email.lower() not in holders
    ]
    for link in ended:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="portal.revoke",
            obj=student,
            detail={"portal_link": link.pk, "reason": "parental_responsibility_ended"},
        )
    return ended


@transaction.atomic
def portal_link_revoke(*, link: PortalLink, actor: User) -> PortalLink:
    if not has_role(
        actor, [Role.COORDINATOR, Role.KEY_WORKER], partnership=link.student.partnership
    ):
        raise PermissionDenied("Only the co-ordinator or a key worker can remove portal access.")
    link.revoked_at = timezone.now()
    link.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="portal.revoke", obj=link.student)
    return link


@transaction.atomic
def review_record(
    *,
    case: Case,
    held_on: dt.date,
    attendance_progress: str,
    behaviour_progress: str,
    attainment_progress: str,
    student_view: str,
    parent_view: str,
    next_steps: str,
    facts_confirmed: bool,
    attitude: AttitudeScores | None = None,
    actor: User,
) -> Review:
    """Record a review of an open case (P12), in one transaction with what it decides:
    the attitude ratings taken at the review (linked to it), and, when the key facts were
    checked, every current fact on the profile marked as verified today."""
    ensure_can_write(actor, case.student)
    errors: dict[str, str] = {}
    if case.status not in (CaseStatus.ACCEPTED, CaseStatus.ACTIVE):
        raise ValidationError("Only an open case can be reviewed.")
    if held_on > timezone.localdate():
        errors["held_on"] = "The review date must be today or in the past"
    elif held_on < timezone.localtime(case.opened_at).date():
        errors["held_on"] = "The review date must be on or after the case was opened"
    if errors:
        raise ValidationError(errors)
    review = Review(
        case=case,
        held_on=held_on,
        attendance_progress=attendance_progress.strip(),
        behaviour_progress=behaviour_progress.strip(),
        attainment_progress=attainment_progress.strip(),
        student_view=student_view.strip(),
        parent_view=parent_view.strip(),
        next_steps=next_steps.strip(),
        facts_confirmed=facts_confirmed,
        recorded_by=actor,
    )
    review.full_clean()
    review.save()
    audit_record(actor=actor, action="review.record", obj=review)
    student = case.student
    if attitude is not None:
        attitude_record(
            student=student, rated_on=held_on, review_id=review.pk, actor=actor, **attitude.__dict__
        )
    if facts_confirmed:
        keys = [fact.key for fact in profile_context(student, actor)["facts"]]
        if keys:
            verify_facts(student=student, fact_ids=keys, actor=actor)
    return review
