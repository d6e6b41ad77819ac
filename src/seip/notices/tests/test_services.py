import hashlib
import inspect

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from seip.audit.models import AuditEvent
from seip.notices import services
from seip.notices.models import NoticeConfiguration, NoticeVersion
from seip.notices.selectors import current_notice, notice_versions
from seip.notices.services import (
    notice_configuration_for,
    notice_configuration_update,
    notice_publish,
)
from seip.notices.wording import DEFAULT_WORDING


def update(partnership, actor, **changes):
    configuration = notice_configuration_for(partnership)
    fields = {
        "wording": configuration.wording,
        "lawful_basis": configuration.lawful_basis,
        "retention": configuration.retention,
        "shares_with": configuration.shares_with,
    }
    return notice_configuration_update(
        partnership=partnership, actor=actor, **{**fields, **changes}
    )


def test_configuration_starts_with_the_defaults_once(county):
    first = notice_configuration_for(county.a)
    assert first.wording == DEFAULT_WORDING
    assert first.shares_with == [
        "school",
        "local_authority",
        "health",
        "alternative_provider",
        "voluntary",
    ]
    assert notice_configuration_for(county.a).pk == first.pk
    assert AuditEvent.objects.filter(action="notice_configuration.create").count() == 1


@pytest.mark.promise("P26")
def test_publish_fills_in_the_partnerships_own_details(county, personas):
    version = notice_publish(partnership=county.a, actor=personas["coordinator"])
    assert version.number == 1
    assert version.title == "How Alpha Vale SEIP uses information about your child"
    assert "Alpha Vale SEIP is a Secondary Education and Inclusion Partnership" in version.body
    assert county.a.coordinator_email in version.body
    assert county.a.phone in version.body
    assert "{" not in version.body
    assert version.sha256 == hashlib.sha256(version.body.encode()).hexdigest()
    assert version.published_by == personas["coordinator"]
    event = AuditEvent.objects.get(action="notice.publish")
    assert event.actor == personas["coordinator"]
    assert event.detail == {"number": 1, "sha256": version.sha256}


@pytest.mark.promise("P24")
def test_notice_names_public_task_and_the_configured_retention(county, personas):
    update(
        county.a,
        personas["dpo"],
        retention="- Attendance records: until your child is 21.\n- Everything else: 6 years.",
    )
    body = notice_publish(partnership=county.a, actor=personas["dpo"]).body
    assert '"public task" (UK GDPR Article 6(1)(e))' in body
    assert "providing a service for Leicestershire County Council" in body
    assert "- Attendance records: until your child is 21." in body
    assert "- Everything else: 6 years." in body


@pytest.mark.promise("P23")
def test_notice_gives_the_concerns_routes_and_the_icos_details(county):
    body = notice_publish(partnership=county.a, actor=None).body
    assert "Data Protection Officer, Dana Officer." in body
    assert "Every school has its own Data Protection Officer" in body
    assert "Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF" in body
    assert "0303 123 1113" in body
    assert "casework@ico.org.uk" in body


@pytest.mark.promise("P25")
def test_notice_says_nothing_is_kept_before_the_form_is_signed(county):
    body = notice_publish(partnership=county.a, actor=None).body
    assert "Until you have signed a Referral Form, we keep no records of our own" in body


def test_shares_with_lists_only_the_configured_categories(county, personas):
    update(county.a, personas["coordinator"], shares_with=["health", "school"])
    body = notice_publish(partnership=county.a, actor=None).body
    assert "we may share information with schools and the health service." in body
    assert "voluntary organisations" not in body


@pytest.mark.promise("P26")
def test_published_versions_are_never_edited(county, personas):
    coordinator = personas["coordinator"]
    first = notice_publish(partnership=county.a, actor=coordinator)
    county.a.phone = "0116 496 9999"
    county.a.save()
    second = notice_publish(partnership=county.a, actor=coordinator)

    first.refresh_from_db()
    assert second.number == 2
    assert "0116 496 9999" in second.body
    assert "0116 496 9999" not in first.body
    assert "0116 496 0000" in first.body
    assert first.sha256 == hashlib.sha256(first.body.encode()).hexdigest()
    assert list(notice_versions(county.a)) == [second, first]
    assert current_notice(county.a) == second


@pytest.mark.promise("P26")
def test_the_service_layer_offers_no_way_to_change_a_version():
    public = {
        name
        for name, member in inspect.getmembers(services, inspect.isfunction)
        if member.__module__ == services.__name__ and not name.startswith("_")
    }
    assert public == {
        "notice_configuration_for",
        "notice_configuration_update",
        "notice_publish",
        "notice_title",
    }


@pytest.mark.promise("P26")
def test_a_stray_save_of_a_published_version_is_refused(county):
    version = notice_publish(partnership=county.a, actor=None)
    version.body = "Something else"
    with pytest.raises(ValueError, match="never changed"):
        version.save()
    assert NoticeVersion.objects.get(pk=version.pk).body != "Something else"


def test_publishing_nothing_new_is_refused(county):
    notice_publish(partnership=county.a, actor=None)
    with pytest.raises(ValidationError, match="Nothing has changed since version 1"):
        notice_publish(partnership=county.a, actor=None)
    assert NoticeVersion.objects.count() == 1


def test_publish_uses_live_details_even_from_a_stale_object(county):
    from seip.organisations.models import Partnership

    Partnership.objects.filter(pk=county.a.pk).update(coordinator_name="Robin New")
    version = notice_publish(partnership=county.a, actor=None)
    assert "Robin New" in version.body


def test_each_partnership_counts_its_own_versions(county):
    notice_publish(partnership=county.a, actor=None)
    assert notice_publish(partnership=county.b, actor=None).number == 1


@pytest.mark.parametrize("persona", ["coordinator", "dpo", "admin"])
def test_coordinator_dpo_and_admin_may_update_and_publish(county, personas, persona):
    update(county.a, personas[persona], shares_with=["school"])
    assert notice_publish(partnership=county.a, actor=personas[persona]).number == 1


@pytest.mark.parametrize(
    "persona",
    ["key_worker", "safeguarding_lead", "school_contact", "la_officer", "parent", "nobody"],
)
def test_other_roles_may_not_update_or_publish(county, personas, persona):
    with pytest.raises(PermissionDenied):
        update(county.a, personas[persona], shares_with=["school"])
    with pytest.raises(PermissionDenied):
        notice_publish(partnership=county.a, actor=personas[persona])
    assert not NoticeVersion.objects.exists()


def test_coordinator_of_another_partnership_may_not(county, personas):
    with pytest.raises(PermissionDenied):
        notice_publish(partnership=county.b, actor=personas["coordinator"])


@pytest.mark.promise("P26")
def test_a_bad_placeholder_is_refused_and_changes_nothing(county, personas):
    before = notice_configuration_for(county.a).wording
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as raised:
        update(county.a, personas["coordinator"], wording=before + "\n\nRing {cordinator_phone}.")
    assert raised.value.message_dict["wording"][0].startswith(
        "{cordinator_phone} is not a placeholder we know."
    )
    assert NoticeConfiguration.objects.get(partnership=county.a).wording == before
    assert AuditEvent.objects.count() == events


def test_every_problem_is_reported_at_once(county, personas):
    with pytest.raises(ValidationError) as raised:
        update(
            county.a,
            personas["coordinator"],
            wording="No placeholders {",
            retention="{nope}",
            shares_with=[],
        )
    errors = raised.value.message_dict
    assert set(errors) == {"wording", "retention", "shares_with"}
    assert any("{lawful_basis}" in m for m in errors["wording"])
    assert any('"{" with no matching "}"' in m for m in errors["wording"])


def test_unknown_category_is_refused(county, personas):
    with pytest.raises(ValidationError, match="Unknown kind of organisation: police"):
        update(county.a, personas["coordinator"], shares_with=["school", "police"])


def test_update_normalises_line_endings_and_audits_the_changed_fields(county, personas):
    configuration = update(county.a, personas["dpo"], retention="- One year.\r\n- Two years.  \r\n")
    assert configuration.retention == "- One year.\n- Two years."
    event = AuditEvent.objects.get(action="notice_configuration.update")
    assert event.detail == {"changed": ["retention"]}
    assert event.actor == personas["dpo"]
