import datetime as dt

import factory
from django.utils import timezone

from seip.keys import crypto
from seip.records.models import (
    CaseNote,
    ConcernCategory,
    Contact,
    Need,
    NeedCode,
    SafeguardingConcern,
    StudentAgency,
    SupportPlan,
    Target,
)
from seip.records.services import CONCERN_ACTIONS, CONCERN_DETAILS, NOTE_TEXT, Source
from seip.students.sources import SourceKind


def school_source(**overrides) -> Source:
    values = {"kind": SourceKind.SCHOOL_ENTRY, "obtained_on": timezone.localdate()}
    values.update(overrides)
    return Source(**values)


def code(scheme: str, value: str) -> NeedCode:
    return NeedCode.objects.get(scheme=scheme, code=value)


class NeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Need

    kind = "sen_provision"
    code = factory.LazyFunction(lambda: code("sen_provision", "K"))
    source_kind = SourceKind.SCHOOL_IMPORT
    obtained_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    verified_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    name = "Sam Example"
    relationship = "Mother"
    parental_responsibility = True
    phone = "07700 900123"
    source_kind = SourceKind.FAMILY
    obtained_on = factory.LazyFunction(timezone.localdate)


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StudentAgency

    organisation_name = "Youth Offending Service"
    worker_name = "Alex Worker"
    role = "Case officer"
    source_kind = SourceKind.PARTNERSHIP
    obtained_on = factory.LazyFunction(timezone.localdate)


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportPlan


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    plan = factory.SubFactory(PlanFactory)
    domain = "attendance"
    description = "Attend every morning session"
    measure = "Attendance above 90% over six weeks"
    due_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=60))


class NoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseNote

    kind = "meeting"
    happened_on = factory.LazyFunction(timezone.localdate)
    text_encrypted = factory.LazyAttribute(
        lambda o: crypto.encrypt_for(o.student.referral_id, b"Met with the student.", aad=NOTE_TEXT)
    )


class ConcernFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SafeguardingConcern

    raised_on = factory.LazyFunction(timezone.localdate)
    category = factory.LazyFunction(lambda: ConcernCategory.objects.get(code="neglect"))
    details_encrypted = factory.LazyAttribute(
        lambda o: crypto.encrypt_for(
            o.student.referral_id, b"Arrived hungry again.", aad=CONCERN_DETAILS
        )
    )
    actions_encrypted = factory.LazyAttribute(
        lambda o: crypto.encrypt_for(
            o.student.referral_id, b"Spoke to the DSL.", aad=CONCERN_ACTIONS
        )
    )
