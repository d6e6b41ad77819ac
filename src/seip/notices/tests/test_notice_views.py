import pytest
from django.urls import reverse

from seip.audit.models import AuditEvent
from seip.core.tests.pdfcheck import pdf_text
from seip.notices.models import NoticeConfiguration, NoticeVersion
from seip.notices.services import notice_configuration_for, notice_publish


def public(partnership):
    return reverse("notices:notice", args=[partnership.slug])


def version_url(partnership, number):
    return reverse("notices:version", args=[partnership.slug, number])


def pdf_url(partnership, number):
    return reverse("notices:version_pdf", args=[partnership.slug, number])


def edit_url(partnership):
    return reverse("notices:edit", args=[partnership.slug])


def publish_url(partnership):
    return reverse("notices:publish", args=[partnership.slug])


def form_data(partnership, **changes):
    configuration = notice_configuration_for(partnership)
    data = {
        "wording": configuration.wording,
        "lawful_basis": configuration.lawful_basis,
        "retention": configuration.retention,
        "shares_with": configuration.shares_with,
    }
    return {**data, **changes}


@pytest.mark.promise("P26")
def test_public_page_needs_no_sign_in(client, county):
    notice_publish(partnership=county.a, actor=None)
    response = client.get(public(county.a))
    assert response.status_code == 200
    body = response.content.decode()
    assert "How Alpha Vale SEIP uses information about your child" in body
    assert "Version 1, published" in body
    assert f'href="{pdf_url(county.a, 1)}"' in body
    assert '<h2 class="govuk-heading-m">Your rights</h2>' in body
    assert f'<a class="govuk-link" href="mailto:{county.a.email}">' in body


@pytest.mark.promise("P26")
def test_two_partnerships_show_two_notices_with_their_own_contacts(client, county):
    county.b.phone = "0116 496 7777"
    county.b.coordinator_name = "Bailey Beta"
    county.b.save()
    notice_publish(partnership=county.a, actor=None)
    notice_publish(partnership=county.b, actor=None)
    page_a = client.get(public(county.a)).content.decode()
    page_b = client.get(public(county.b)).content.decode()
    assert "Alpha Vale SEIP is a Secondary" in page_a
    assert "Beta Heath SEIP is a Secondary" in page_b
    assert county.a.coordinator_email in page_a
    assert county.b.coordinator_email in page_b
    assert "0116 496 7777" in page_b
    assert "Bailey Beta" in page_b
    assert "Beta" not in page_a
    assert "Alpha" not in page_b


def test_public_page_shows_the_logo_and_nothing_but_the_notice(client, county, personas):
    from seip.organisations.services import partnership_logo_set

    partnership_logo_set(partnership=county.a, filename="a.svg", content=b"<svg/>", actor=None)
    notice_publish(partnership=county.a, actor=personas["coordinator"])
    body = client.get(public(county.a)).content.decode()
    assert f'src="{reverse("organisations:logo", args=[county.a.slug])}"' in body
    assert personas["coordinator"].full_name not in body  # who published it is not shown
    assert "Alpha Academy" not in body  # nor the partnership's working records
    assert reverse("notices:edit", args=[county.a.slug]) not in body


def test_a_partnership_that_has_not_published_says_so(client, county):
    response = client.get(public(county.b))
    assert response.status_code == 200
    assert "Beta Heath SEIP has not published its privacy notice here yet" in (
        response.content.decode()
    )
    assert client.get(version_url(county.b, 1)).status_code == 404
    assert client.get(pdf_url(county.b, 1)).status_code == 404


def test_unknown_partnership_or_version_is_404(client, county):
    notice_publish(partnership=county.a, actor=None)
    assert client.get("/privacy/no-such-place/").status_code == 404
    assert client.get(version_url(county.a, 2)).status_code == 404
    assert client.get(pdf_url(county.a, 2)).status_code == 404


@pytest.mark.promise("P26")
def test_earlier_versions_stay_readable_and_are_listed(client, county):
    notice_publish(partnership=county.a, actor=None)
    county.a.phone = "0116 496 5555"
    county.a.save()
    notice_publish(partnership=county.a, actor=None)

    current = client.get(public(county.a)).content.decode()
    assert "Version 2, published" in current
    assert "Earlier versions" in current
    assert f'href="{version_url(county.a, 1)}"' in current

    old = client.get(version_url(county.a, 1)).content.decode()
    assert "Version 1, published" in old
    assert "This is an earlier version" in old
    assert "0116 496 5555" not in old
    assert "0116 496 0000" in old


def test_pdf_is_served_inline_without_sign_in(client, county):
    notice_publish(partnership=county.a, actor=None)
    response = client.get(pdf_url(county.a, 1))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="alpha-vale-privacy-notice-v1.pdf"'
    assert response.content.startswith(b"%PDF-")
    assert "Email: office@alpha-vale.example" in pdf_text(response.content)


def test_public_pages_need_no_second_factor_either(login, personas, county):
    notice_publish(partnership=county.a, actor=None)
    client = login(personas["key_worker"], second_factor=False)
    assert client.get(public(county.a)).status_code == 200
    assert client.get(pdf_url(county.a, 1)).status_code == 200


def test_public_pages_write_nothing(client, county):
    notice_publish(partnership=county.a, actor=None)
    before = (AuditEvent.objects.count(), NoticeConfiguration.objects.count())
    client.get(public(county.a))
    client.get(public(county.b))
    client.get(pdf_url(county.a, 1))
    assert (AuditEvent.objects.count(), NoticeConfiguration.objects.count()) == before


# Staff pages: allowed, forbidden (403) and invisible (404).


@pytest.mark.parametrize("persona", ["coordinator", "dpo", "admin"])
def test_managers_can_open_the_edit_page(login, personas, county, persona):
    response = login(personas[persona]).get(edit_url(county.a))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Change the privacy notice" in body
    assert 'class="govuk-checkboxes"' in body
    assert '<legend class="govuk-fieldset__legend' in body
    assert "Preview of the saved notice" in body
    assert "Alpha Vale SEIP is a Secondary Education" in body
    assert "Publish a new version" in body


@pytest.mark.parametrize(
    "persona", ["key_worker", "safeguarding_lead", "school_contact", "la_officer", "parent"]
)
def test_other_roles_who_can_see_the_partnership_get_403(login, personas, county, persona):
    client = login(personas[persona])
    assert client.get(edit_url(county.a)).status_code == 403
    assert client.post(edit_url(county.a), form_data(county.a)).status_code == 403
    assert client.post(publish_url(county.a)).status_code == 403
    assert not NoticeVersion.objects.exists()


@pytest.mark.parametrize("persona", ["coordinator", "dpo", "school_contact", "nobody"])
def test_another_partnerships_edit_page_is_404(login, personas, county, persona):
    client = login(personas[persona])
    assert client.get(edit_url(county.b)).status_code == 404
    assert client.post(publish_url(county.b)).status_code == 404
    assert client.get("/privacy/no-such-place/edit/").status_code == 404
    assert not NoticeVersion.objects.exists()


def test_anonymous_is_sent_to_sign_in_from_the_edit_page(client, county):
    response = client.get(edit_url(county.a))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert client.post(publish_url(county.a)).status_code == 302
    assert not NoticeVersion.objects.exists()


def test_saving_changes_the_configuration_but_not_the_published_notice(login, personas, county):
    client = login(personas["coordinator"])
    notice_publish(partnership=county.a, actor=None)
    data = form_data(county.a, shares_with=["school", "health"])
    response = client.post(edit_url(county.a), data)
    assert response.status_code == 302
    assert notice_configuration_for(county.a).shares_with == ["school", "health"]
    assert "schools and the health service." not in NoticeVersion.objects.get().body


def test_preview_shows_unsaved_changes_without_saving(login, personas, county):
    client = login(personas["dpo"])
    data = form_data(county.a, shares_with=["voluntary"], preview="1")
    body = client.post(edit_url(county.a), data).content.decode()
    assert "Preview of your changes (not saved)" in body
    assert "we may share information with voluntary organisations who work with us." in body
    assert notice_configuration_for(county.a).shares_with != ["voluntary"]
    assert not AuditEvent.objects.filter(action="notice_configuration.update").exists()


@pytest.mark.promise("P26")
def test_a_bad_placeholder_shows_a_clear_error_and_changes_nothing(login, personas, county):
    client = login(personas["coordinator"])
    before = notice_configuration_for(county.a).wording
    data = form_data(county.a, wording=before + "\n\nPhone {cordinator_phone}.")
    response = client.post(edit_url(county.a), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert "{cordinator_phone} is not a placeholder we know." in body
    assert 'href="#id_wording"' in body
    assert notice_configuration_for(county.a).wording == before


def test_no_category_ticked_is_an_error_on_the_checkboxes(login, personas, county):
    client = login(personas["coordinator"])
    data = form_data(county.a)
    del data["shares_with"]
    body = client.post(edit_url(county.a), data).content.decode()
    assert "Select at least one kind of organisation you may share with" in body
    assert 'id="id_shares_with_error"' in body
    assert "govuk-form-group--error" in body


def test_ticked_categories_stay_ticked(login, personas, county):
    client = login(personas["coordinator"])
    client.post(edit_url(county.a), form_data(county.a, shares_with=["health"]))
    body = client.get(edit_url(county.a)).content.decode()
    assert 'value="health" checked' in body
    assert 'value="school" checked' not in body


def test_publish_button_publishes_and_shows_the_new_version(login, personas, county):
    client = login(personas["coordinator"])
    response = client.post(publish_url(county.a))
    assert response.status_code == 302
    assert response.url == version_url(county.a, 1)
    version = NoticeVersion.objects.get()
    assert version.published_by == personas["coordinator"]
    assert "Version 1 is published." in client.get(response.url).content.decode()


def test_publishing_twice_without_changes_explains_why_not(login, personas, county):
    client = login(personas["coordinator"])
    client.post(publish_url(county.a))
    response = client.post(publish_url(county.a), follow=True)
    assert "Nothing has changed since version 1" in response.content.decode()
    assert NoticeVersion.objects.count() == 1


def test_publish_is_post_only(login, personas, county):
    assert login(personas["coordinator"]).get(publish_url(county.a)).status_code == 405
