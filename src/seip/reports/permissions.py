"""Who may receive which report (P13: no outsiders).

- The partnership's co-ordinator: its own report, each member school's report, and the
  table builder for its partnership.
- A school contact: only their own school's report, while the school is a member of a
  partnership.
- An LA officer (a contact of the local authority's own organisation): the county report,
  and the report of each partnership of the county that has registered the local
  authority as a partner organisation.
- Nobody else: providers, agencies, families, students, key workers and administrators
  receive no report. Each scope is checked on every request, so ending a membership or a
  registration stops the next report.
"""

from __future__ import annotations

from seip.accounts.models import Role, User
from seip.accounts.selectors import places_of
from seip.organisations.models import PartnerOrganisation, Partnership, School
from seip.reports.outcomes import Recipient
from seip.reports.population import Scope

#: Roles that may receive any report at all.
REPORT_ROLES = frozenset({Role.COORDINATOR, Role.SCHOOL_CONTACT, Role.LA_OFFICER})


def available_scopes(user: User) -> list[tuple[str, Scope, Recipient]]:
    """Every report ``user`` may receive: (key, scope, recipient), county first."""
    found: list[tuple[str, Scope, Recipient]] = []
    la_partnerships: set[int] = set()
    _, la_orgs = places_of(user, [Role.LA_OFFICER])
    for org in PartnerOrganisation.objects.filter(pk__in=la_orgs, local_authority__isnull=False):
        if org.local_authority is None:
            continue
        recipient = Recipient(Role.LA_OFFICER, org)
        found.append(
            (
                f"county:{org.local_authority_id}",
                Scope(local_authority=org.local_authority),
                recipient,
            )
        )
        for partnership in Partnership.objects.filter(
            local_authority=org.local_authority, partner_organisations=org
        ):
            la_partnerships.add(partnership.pk)
            found.append(
                (f"partnership:{partnership.pk}", Scope(partnership=partnership), recipient)
            )
    coordinated, _ = places_of(user, [Role.COORDINATOR])
    for partnership in Partnership.objects.filter(pk__in=coordinated):
        recipient = Recipient(Role.COORDINATOR)
        if partnership.pk not in la_partnerships:
            found.append(
                (f"partnership:{partnership.pk}", Scope(partnership=partnership), recipient)
            )
        for school in School.objects.filter(partnership=partnership):
            found.append((f"school:{school.pk}", Scope(school=school), recipient))
    _, school_orgs = places_of(user, [Role.SCHOOL_CONTACT])
    for school in School.objects.filter(organisation__in=school_orgs).select_related(
        "organisation", "partnership"
    ):
        key = f"school:{school.pk}"
        if all(k != key for k, _, _ in found):
            found.append(
                (key, Scope(school=school), Recipient(Role.SCHOOL_CONTACT, school.organisation))
            )
    return found


def scope_for(user: User, key: str) -> tuple[Scope, Recipient] | None:
    """The scope named by ``key`` if ``user`` may receive its report, else None (404)."""
    for found_key, scope, recipient in available_scopes(user):
        if found_key == key:
            return scope, recipient
    return None


def can_build_tables(user: User) -> bool:
    """The table builder is the co-ordinator's."""
    partnerships, _ = places_of(user, [Role.COORDINATOR])
    return bool(partnerships)


def builder_scopes(user: User) -> list[tuple[str, Scope, Recipient]]:
    return [
        (key, scope, recipient)
        for key, scope, recipient in available_scopes(user)
        if recipient.role == Role.COORDINATOR
    ]
