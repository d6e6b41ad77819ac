import datetime as dt

import factory
from django.utils import timezone

from seip.consultations.models import Concern, Consultation, Forum, YearGroup
from seip.organisations.tests.factories import SchoolFactory


class ConsultationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consultation
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    partnership = factory.SelfAttribute("school.partnership")
    forum = Forum.INCLUSION_FORUM
    held_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=1))
    year_group = YearGroup.YEAR_9
    concern = Concern.ATTENDANCE
    advice = "Try a reduced timetable for two weeks, then review at the next surgery."

    @factory.post_generation
    def staff(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create and extracted:
            self.staff.set(extracted)
