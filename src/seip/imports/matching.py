"""The co-ordinator's decision on a name-and-birthday match from an import (issue 7).

A pupil whose UPN matched no referred student, but whose names and date of birth matched
one, was not imported (names are not identifiers). The co-ordinator checks with the
school and records one of two answers:

- **the same child**: the student's UPN on our record is wrong or out of date. Confirming
  links nothing and imports nothing: the file is gone (it is never kept), and a link made
  on a name would be the very match the import refuses. The co-ordinator corrects the UPN
  on the student's record and the school imports its file again, which then matches by
  UPN with every check the import makes;
- **a different child**: nothing is done, and the question is closed.

Either way the candidate row is closed, not deleted, so the audit trail keeps the
decision. It never held anything read from the file (P25).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from seip.accounts.models import Role, User
from seip.accounts.selectors import has_role
from seip.audit.services import audit_record
from seip.imports.models import MatchCandidate, MatchResolution


@transaction.atomic
def match_resolve(*, candidate: MatchCandidate, resolution: str, actor: User) -> MatchCandidate:
    """Close a match candidate with the co-ordinator's answer (see the module docstring)."""
    if not has_role(actor, [Role.COORDINATOR], partnership=candidate.student.partnership):
        raise PermissionDenied("Only the partnership's co-ordinator can decide a match.")
    if resolution not in MatchResolution.values:
        raise ValidationError({"resolution": "Choose whether this is the same child"})
    candidate = MatchCandidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.resolved_at is not None:
        raise ValidationError("This match has already been decided.")
    candidate.resolution = resolution
    candidate.resolved_at = timezone.now()
    candidate.resolved_by = actor
    candidate.full_clean(exclude=["student", "school", "created_by", "resolved_by"])
    candidate.save(update_fields=["resolution", "resolved_at", "resolved_by"])
    audit_record(
        actor=actor,
        action="imports.match.resolve",
        obj=candidate,
        detail={"student_id": candidate.student_id, "resolution": resolution},
    )
    return candidate
