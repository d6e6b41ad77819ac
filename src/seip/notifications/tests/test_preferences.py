"""Each person chooses which emails they get, on a page in their account area."""

import re

import pytest
from django.urls import reverse

from seip.audit.models import AuditEvent
from seip.notifications.models import Kind, Preferences, SentMessage
from seip.notifications.selectors import preferences_of
from seip.notifications.services import preferences_update
from seip.records.services import concern_break_glass

URL = "/account/notifications/"


def test_the_address_is_the_account_areas():
    assert reverse("notifications:preferences") == URL


def test_everything_is_on_until_switched_off(personas):
    preferences = preferences_of(personas["coordinator"])
    assert preferences.pk is None
    assert preferences.kinds_on() == list(Kind)


def test_the_account_page_links_to_the_choices(personas, login):
    page = login(personas["key_worker"]).get(reverse("accounts:account")).content.decode()
    assert f'href="{URL}"' in page


def test_the_page_offers_the_kinds_that_fit_the_role_as_govuk_checkboxes(personas, login):
    page = login(personas["safeguarding_lead"]).get(URL).content.decode()
    assert 'class="govuk-checkboxes"' in page
    assert 'name="kinds" value="digest"' in page
    assert 'name="kinds" value="break_glass"' in page
    assert 'value="referral_signed"' not in page  # the co-ordinator's
    assert page.count("checked") == 3  # digest, break glass, imports: all on


def test_a_family_is_offered_nothing(personas, login):
    page = login(personas["parent"]).get(URL).content.decode()
    assert 'name="kinds"' not in page
    assert "does not send emails about your work" in page


def test_saving_switches_off_what_is_unticked_and_is_audited(personas, login):
    user = personas["safeguarding_lead"]
    response = login(user).post(URL, {"kinds": ["digest"]})
    assert response.status_code == 302
    assert response.url == URL
    preferences = Preferences.objects.get(user=user)
    assert (preferences.digest, preferences.break_glass, preferences.import_finished) == (
        True, False, False
    )  # fmt: skip
    # Kinds the page did not show keep their setting.
    assert preferences.referral_signed
    event = AuditEvent.objects.get(action="notifications.preferences")
    assert (event.actor, event.detail["on"]) == (
        user, ["digest", "exclusion_imported", "referral_signed"]
    )  # fmt: skip
    page = login(user).get(URL).content.decode()
    assert "Your email choices are saved." in page


def test_an_unknown_kind_is_refused(personas, login):
    response = login(personas["coordinator"]).post(URL, {"kinds": ["everything"]})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert not Preferences.objects.exists()


def test_nobody_changes_anothers_choices(personas):
    with pytest.raises(PermissionError):
        preferences_update(user=personas["coordinator"], kinds=[], actor=personas["dpo"])


def test_a_lead_who_switched_break_glass_off_is_not_emailed(
    zebedee, personas, smtp, django_capture_on_commit_callbacks
):
    lead = personas["safeguarding_lead"]
    preferences_update(user=lead, kinds=[Kind.DIGEST], actor=lead)
    with django_capture_on_commit_callbacks(execute=True):
        concern_break_glass(student=zebedee, reason="a reason", actor=personas["key_worker"])
    assert smtp.messages == []
    assert not SentMessage.objects.exists()
    # Switched back on, the next one arrives.
    preferences_update(user=lead, kinds=[Kind.BREAK_GLASS], actor=lead)
    with django_capture_on_commit_callbacks(execute=True):
        concern_break_glass(student=zebedee, reason="a reason", actor=personas["key_worker"])
    assert [m.to for m in smtp.messages] == [["safeguarding_lead@seip.test"]]


def test_a_key_worker_is_offered_the_digest_and_exclusions_only(personas, login):
    page = login(personas["key_worker"]).get(URL).content.decode()
    offered = set(re.findall(r'name="kinds" value="(\w+)"', page))
    assert offered == {"digest", "exclusion_imported"}  # key workers do not import files
