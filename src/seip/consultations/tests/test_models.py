import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models

from seip.consultations.models import Consultation
from seip.consultations.tests.factories import ConsultationFactory

IDENTIFYING = re.compile(
    r"name|dob|birth|born|upn|uln|pupil|child|student|surname|forename|initial|nhs"
    r"|address|postcode|gender|sex|ethnic|photo",
    re.IGNORECASE,
)


def every_field_name():
    for field in Consultation._meta.get_fields(include_hidden=True):
        yield field.name
        if getattr(field, "attname", None):
            yield field.attname
        if getattr(field, "db_column", None):
            yield field.db_column


@pytest.mark.promise("P25")
def test_the_model_has_no_field_that_suggests_identity():
    suspicious = [name for name in every_field_name() if IDENTIFYING.search(name)]
    assert suspicious == []


@pytest.mark.promise("P25")
def test_the_only_free_text_is_the_advice_and_it_is_checked():
    free_text = [
        field.name
        for field in Consultation._meta.get_fields()
        if isinstance(field, (models.CharField, models.TextField)) and not field.choices
    ]
    assert free_text == ["advice"]
    validators = Consultation._meta.get_field("advice").validators
    assert any(v.__name__ == "no_identifiers" for v in validators)


def test_the_detector_would_catch_an_identifying_field():
    assert IDENTIFYING.search("pupil_name")
    assert IDENTIFYING.search("date_of_birth")
    assert IDENTIFYING.search("UPN")


def test_a_consultation_belongs_to_its_schools_partnership(county):
    consultation = ConsultationFactory.build(school=county.school_a, partnership=county.b)
    with pytest.raises(ValidationError) as error:
        consultation.full_clean()
    assert "partnership" in error.value.message_dict


def test_the_database_refuses_a_primary_year_group(county):
    with pytest.raises(IntegrityError):
        ConsultationFactory(school=county.school_a, year_group=6)


def test_str_names_the_forum_and_date(county):
    consultation = ConsultationFactory.build(school=county.school_a)
    assert str(consultation).startswith("Inclusion Forum, ")
