"""Demo rights requests and a concern, so the co-ordinator's and DPO's registers show the
legal clock at work: one overdue, one due within the week, one waiting for proof of
identity, one just received. Made through the services, as a person would; skipped when
the partnership already has requests (a second demo run adds nothing)."""

import datetime as dt

from django.utils import timezone

from seip.accounts.models import Role, User
from seip.concerns.services import concern_raise_public
from seip.organisations.models import Partnership
from seip.rights.models import PauseReason, ReceivedVia, RequesterKind, RequestType, RightsRequest
from seip.rights.services import IdentityCheck, Requester, rights_pause, rights_request_create
from seip.students.models import Student


def build_rights(partnership: Partnership) -> None:
    coordinator = User.objects.filter(
        memberships__partnership=partnership, memberships__role=Role.COORDINATOR
    ).first()
    if coordinator is None or RightsRequest.objects.filter(partnership=partnership).exists():
        return
    students = list(
        Student.objects.filter(partnership=partnership, archived_at__isnull=True).order_by("pk")[:4]
    )
    if len(students) < 4:
        return
    today = timezone.localdate()
    plan = [
        # (type, received days ago, via, identity checked?)
        (RequestType.ACCESS, 40, ReceivedVia.EMAIL, True),  # overdue
        (RequestType.RECTIFICATION, 26, ReceivedVia.LETTER, True),  # due within the week
        (RequestType.ACCESS, 10, ReceivedVia.PHONE, False),  # waiting for identity
        (RequestType.PORTABILITY, 1, ReceivedVia.IN_PERSON, True),
    ]
    for student, (kind, days, via, checked) in zip(students, plan, strict=True):
        received = today - dt.timedelta(days=days)
        request = rights_request_create(
            partnership=partnership,
            student=student,
            type=kind,
            details="A copy of everything held" if kind == RequestType.ACCESS else "",
            requester=Requester(
                RequesterKind.PARENT_CARER, f"Parent of {student.first_name}", "by email"
            ),
            received_via=via,
            received_on=received,
            identity=IdentityCheck(received, "Seen with photo ID") if checked else None,
            parental_responsibility_how="Named on the signed referral form" if checked else "",
            actor=coordinator,
        )
        if not checked:
            rights_pause(
                request=request,
                reason=PauseReason.IDENTITY,
                asked_on=received,
                note="Asked for photo ID by email",
                actor=coordinator,
            )
    concern_raise_public(
        partnership=partnership,
        name="A member of the public",
        contact="by email",
        what_happened="A letter about my son was sent to our old address.",
    )
