import pytest
from django.db import transaction

from seip.audit.models import AuditEvent
from seip.audit.services import audit_record
from seip.organisations.services import school_create


def test_audit_refuses_personal_data_in_detail(personas):
    with pytest.raises(ValueError, match="personal data"), transaction.atomic():
        audit_record(actor=personas["admin"], action="x", detail={"full_name": "A Child"})


@pytest.mark.django_db(transaction=True)
def test_audit_must_run_inside_the_services_transaction():
    with pytest.raises(RuntimeError, match="inside the service's transaction"):
        audit_record(actor=None, action="x")
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_failed_write_leaves_neither_change_nor_audit(county):
    from django.core.exceptions import ValidationError

    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        school_create(
            partnership=county.a,
            urn="12",
            establishment_number="4999",
            name="Half School",
            actor=None,
        )
    assert AuditEvent.objects.count() == before
    assert not county.a.schools.filter(name="Half School").exists()
