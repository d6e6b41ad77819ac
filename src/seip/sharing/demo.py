"""Demo sharing: the organisations that run a student's provision work with them.

Each running intervention whose provider is a partner organisation becomes an involvement
when the family's consent covers that organisation's type and its agreement is current:
the same test the service applies (``sharing_refusal``), run in bulk. Some providers have
looked at the record since, so families see a disclosure log in the portal. One audit
event stands for the bulk write, as for the other demo histories.
"""

import datetime as dt
import random

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from seip.access.predicates import agreements_in_force, live_grants
from seip.audit.services import audit_record
from seip.provision.models import Intervention
from seip.sharing.models import Disclosure, DisclosureKind, Involvement
from seip.students.models import Student


@transaction.atomic
def sharing_history(students: list[Student], seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - a repeatable demo, not a secret
    today = timezone.localdate()
    ids = [s.pk for s in students if not s.is_archived]
    by_pk = {s.pk: s for s in students}
    running = (
        Intervention.objects.filter(student__in=ids, provider__isnull=False, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("provider")
        .order_by("pk")
    )
    consented = set(
        live_grants().filter(referral__student__in=ids).values_list("referral__student", "category")
    )
    agreed = set(agreements_in_force(today).values_list("organisation", "partnership"))
    involvements: list[Involvement] = []
    seen: set[tuple[int, int]] = set()
    for intervention in running:
        student = by_pk[intervention.student_id]
        provider = intervention.provider
        if provider is None:  # excluded by the query; this tells the type checker
            continue
        key = (student.pk, provider.pk)
        if (
            key in seen
            or (student.pk, provider.type) not in consented
            or (provider.pk, student.partnership_id) not in agreed
        ):
            continue
        seen.add(key)
        involvements.append(
            Involvement(
                student=student,
                organisation=provider,
                purpose=f"{intervention.get_type_display()} with {provider.name}",
                starts_on=intervention.start_date,
                ends_on=intervention.end_date,
            )
        )
    Involvement.objects.bulk_create(involvements, batch_size=1000)
    disclosures = []
    for involvement in involvements:
        for _ in range(rng.randint(0, 4)):
            day = max(involvement.starts_on, today - dt.timedelta(days=rng.randint(1, 60)))
            disclosures.append(
                Disclosure(
                    student=involvement.student,
                    organisation=involvement.organisation,
                    kind=rng.choice([DisclosureKind.VIEW] * 4 + [DisclosureKind.DOWNLOAD]),
                    purpose=involvement.purpose,
                    at=timezone.make_aware(
                        dt.datetime.combine(day, dt.time(9 + rng.randint(0, 7), rng.randint(0, 59)))
                    ),
                )
            )
    Disclosure.objects.bulk_create(disclosures, batch_size=1000)
    audit_record(
        actor=None,
        action="demo.sharing",
        detail={"involvements": len(involvements), "disclosures": len(disclosures)},
    )
