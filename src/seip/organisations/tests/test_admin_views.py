"""The administration pages: who may use each (allowed, forbidden, invisible), clear
errors naming the field, uploads checked and stored encrypted, and an agreement's dates
deciding access at once (P09)."""

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from seip.audit.models import AuditEvent
from seip.notices.services import notice_publish
from seip.organisations.models import DataSharingAgreement, OrganisationType, PartnerOrganisation
from seip.organisations.services import agreement_document
from seip.sharing.services import involvement_create
from seip.students.selectors import students_visible_to

TODAY = timezone.localdate
PDF = b"%PDF-1.4 a signed data-sharing agreement"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def url(name, *args):
    return reverse(f"organisations:{name}", args=args)


def details(partnership, **overrides):
    data = {
        "name": partnership.name,
        "address": "2 Market Place\nMelton",
        "phone": "0116 496 0100",
        "email": "office@alpha.example",
        "coordinator_name": "Casey New",
        "coordinator_email": "casey@alpha.example",
        "coordinator_phone": "0116 496 0101",
        "dpo_name": "Dana New",
        "dpo_email": "dpo@alpha.example",
        "dpo_route": "Write to the DPO at County Hall.",
    }
    return {**data, **overrides}


def agreement_post(**overrides):
    data = {
        "reference": "DSA-NEW-1",
        "signed_on": TODAY().isoformat(),
        "expires_on": (TODAY() + dt.timedelta(days=365)).isoformat(),
    }
    return {**data, **overrides}


# --- partnerships --------------------------------------------------------------------------


@pytest.mark.promise("P26")
def test_the_coordinator_changes_the_details_families_see(login, personas, county):
    client = login(personas["coordinator"])
    response = client.post(
        url("partnership_edit", county.a.slug),
        {**details(county.a), "logo": SimpleUploadedFile("logo.png", PNG)},
    )
    assert response.status_code == 302
    county.a.refresh_from_db()
    assert county.a.dpo_route == "Write to the DPO at County Hall."
    assert county.a.logo.name.endswith(".png")
    event = AuditEvent.objects.get(action="partnership.update")
    assert "dpo_route" in event.detail["fields"]
    assert "Write to the DPO" not in str(event.detail)
    # The live details flow into the page families are pointed to.
    page = login(personas["parent"]).get(url("partnership", county.a.slug))
    assert b"Write to the DPO at County Hall." in page.content
    # ... and into the next privacy notice published (P26).
    notice_publish(partnership=county.a, actor=personas["coordinator"])
    notice = client.get(reverse("notices:notice", args=[county.a.slug]))
    assert b"Write to the DPO at County Hall." in notice.content
    assert b"Casey New" in notice.content


@pytest.mark.promise("P08")
def test_the_coordinator_may_not_change_another_partnership(login, personas, county):
    client = login(personas["coordinator"])
    response = client.post(url("partnership_edit", county.b.slug), details(county.b))
    assert response.status_code == 404
    county.b.refresh_from_db()
    assert county.b.dpo_route != "Write to the DPO at County Hall."


@pytest.mark.promise("P08")
@pytest.mark.parametrize(
    ("persona", "status"), [("dpo", 403), ("la_officer", 403), ("nobody", 404)]
)
def test_nobody_else_changes_a_partnership(login, personas, county, persona, status):
    response = login(personas[persona]).post(
        url("partnership_edit", county.a.slug), details(county.a)
    )
    assert response.status_code == status
    assert not AuditEvent.objects.filter(action="partnership.update").exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", b"Enter a valid email address"),
        ({"dpo_name": ""}, "dpo_name", b"Enter Data Protection Officer"),
    ],
)
def test_bad_details_name_the_field(login, personas, county, overrides, field, message):
    client = login(personas["coordinator"])
    response = client.post(url("partnership_edit", county.a.slug), details(county.a, **overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in response.content


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("logo.gif", b"GIF89a", b"File extension"),
        ("logo.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"is not a PNG image"),
        ("logo.svg", PNG, b"is not an SVG image"),
        ("logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 600_000, b"smaller than 512 KB"),
    ],
)
def test_a_bad_logo_is_refused_naming_the_field(login, personas, county, name, content, message):
    client = login(personas["coordinator"])
    response = client.post(
        url("partnership_edit", county.a.slug),
        {**details(county.a), "logo": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 200
    assert "logo" in response.context["form"].errors
    assert message in response.content
    county.a.refresh_from_db()
    assert not county.a.logo


def test_the_administrator_adds_a_partnership(login, personas, county):
    client = login(personas["admin"])
    data = {
        **details(county.a, name="Gamma Fields SEIP"),
        "slug": "gamma-fields",
        "local_authority": county.a.local_authority.pk,
    }
    response = client.post(url("partnership_new"), data)
    assert response.status_code == 302
    assert county.council.partnerships.filter(slug="gamma-fields").exists()
    assert login(personas["coordinator"]).post(url("partnership_new"), data).status_code == 403


# --- schools and organisations -------------------------------------------------------------


def test_the_administrator_adds_a_school_with_its_identifiers(login, personas, county):
    client = login(personas["admin"])
    data = {
        "name": "Gamma Academy",
        "urn": "139999",
        "establishment_number": "4999",
        "ukprn": "10012345",
        "partnership": county.a.pk,
    }
    response = client.post(url("school_new", county.a.slug), data)
    assert response.status_code == 302
    org = PartnerOrganisation.objects.get(name="Gamma Academy")
    assert org.school.urn == "139999"
    assert org.ukprn == "10012345"
    assert (
        login(personas["coordinator"]).post(url("school_new", county.a.slug), data).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"urn": "12345"}, "urn", b"six-digit URN"),
        ({"urn": "12345a"}, "urn", b"six-digit URN"),
        ({"ukprn": "20012345"}, "ukprn", b"starting with 1"),
        ({"ukprn": "1001234"}, "ukprn", b"eight-digit UKPRN"),
        ({"establishment_number": "40"}, "establishment_number", b"four-digit"),
    ],
)
def test_bad_school_identifiers_name_the_field(login, personas, county, overrides, field, message):
    client = login(personas["admin"])
    data = {
        "name": "Gamma Academy",
        "urn": "139999",
        "establishment_number": "4999",
        "ukprn": "",
        "partnership": county.a.pk,
        **overrides,
    }
    response = client.post(url("school_new", county.a.slug), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in response.content
    assert not PartnerOrganisation.objects.filter(name="Gamma Academy").exists()


def test_the_coordinator_adds_and_registers_organisations(login, personas, county):
    client = login(personas["coordinator"])
    response = client.post(
        url("organisation_new", county.a.slug),
        {"name": "Riverside Mentoring", "type": OrganisationType.VOLUNTARY, "ukprn": "10054321"},
    )
    assert response.status_code == 302
    mentoring = PartnerOrganisation.objects.get(name="Riverside Mentoring")
    assert list(mentoring.partnerships.all()) == [county.a]
    # An organisation of partnership B only is registered with A from the list.
    other = PartnerOrganisation.objects.create(name="Beta Youth", type=OrganisationType.VOLUNTARY)
    other.partnerships.add(county.b)
    response = client.post(
        url("partnership_organisations", county.a.slug), {"organisation": other.pk}
    )
    assert response.status_code == 302
    assert set(other.partnerships.all()) == {county.a, county.b}
    # ... and unregistered again; a school cannot be unregistered from its partnership.
    client.post(url("organisation_unregister", county.a.slug, other.pk))
    assert set(other.partnerships.all()) == {county.b}
    client.post(url("organisation_unregister", county.a.slug, county.school_a.organisation.pk))
    assert county.school_a.organisation.partnerships.filter(pk=county.a.pk).exists()


def test_a_bad_ukprn_on_a_new_organisation_names_the_field(login, personas, county):
    client = login(personas["coordinator"])
    response = client.post(
        url("organisation_new", county.a.slug),
        {"name": "Riverside Mentoring", "type": OrganisationType.VOLUNTARY, "ukprn": "99"},
    )
    assert response.status_code == 200
    assert "ukprn" in response.context["form"].errors


@pytest.mark.promise("P08")
def test_a_coordinator_edits_only_organisations_their_partnership_alone_works_with(
    login, personas, county
):
    client = login(personas["coordinator"])
    data = {"name": "County CAMHS North", "type": OrganisationType.HEALTH}
    assert client.post(url("organisation_edit", county.agency.pk), data).status_code == 302
    county.agency.refresh_from_db()
    assert county.agency.name == "County CAMHS North"
    # The provider works with B too: seen, not changed.
    assert client.get(url("organisation", county.provider.pk)).status_code == 200
    assert client.post(url("organisation_edit", county.provider.pk), data).status_code == 403
    # B's school is not A's to see at all.
    school_b = county.school_b.organisation.pk
    assert client.get(url("organisation", school_b)).status_code == 404


# --- agreements ----------------------------------------------------------------------------


def test_an_agreement_is_recorded_with_its_pdf_stored_encrypted(login, personas, county):
    client = login(personas["coordinator"])
    response = client.post(
        url("agreement_new", county.a.slug),
        {
            **agreement_post(),
            "organisation": county.agency.pk,
            "document": SimpleUploadedFile("signed.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    agreement = DataSharingAgreement.objects.get(reference="DSA-NEW-1")
    with default_storage.open(agreement.document_file, "rb") as stored:
        assert PDF not in stored.read()
    assert agreement_document(agreement) == PDF
    download = client.get(url("agreement_document", agreement.pk))
    assert download.content == PDF
    assert download["Content-Type"] == "application/pdf"
    # Another partnership's co-ordinator, or a DPO, cannot fetch it.
    assert login(personas["dpo"]).get(url("agreement_document", agreement.pk)).status_code == 404


@pytest.mark.parametrize(
    ("overrides", "upload", "field", "message"),
    [
        ({}, ("signed.docx", b"PK\x03\x04"), "document", b"must be a PDF"),
        ({}, None, "document", b"Choose a file: "),
        (
            {"expires_on": (TODAY() - dt.timedelta(days=1)).isoformat()},
            ("signed.pdf", PDF),
            "expires_on",
            b"must be after the date it was signed",
        ),
        (
            {"signed_on": "31/02/2026"},
            ("signed.pdf", PDF),
            "signed_on",
            b"Signed on must be a real date",
        ),
    ],
)
def test_a_bad_agreement_names_the_field(
    login, personas, county, overrides, upload, field, message
):
    client = login(personas["coordinator"])
    data = {**agreement_post(**overrides), "organisation": county.agency.pk}
    if upload:
        data["document"] = SimpleUploadedFile(*upload)
    response = client.post(url("agreement_new", county.a.slug), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in response.content
    assert not DataSharingAgreement.objects.filter(reference="DSA-NEW-1").exists()


def test_an_agreement_is_only_with_an_organisation_of_the_partnership(login, personas, county):
    beta_only = PartnerOrganisation.objects.create(
        name="Beta Youth", type=OrganisationType.VOLUNTARY
    )
    beta_only.partnerships.add(county.b)
    response = login(personas["coordinator"]).post(
        url("agreement_new", county.a.slug),
        {
            **agreement_post(),
            "organisation": beta_only.pk,
            "document": SimpleUploadedFile("s.pdf", PDF),
        },
    )
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors


@pytest.mark.promise("P09")
def test_ending_an_agreement_through_the_page_ends_access_at_once(
    login, personas, county, active_case
):
    student = active_case.student
    involvement_create(
        student=student, organisation=county.provider, purpose="Two days a week at the farm",
        starts_on=TODAY(), ends_on=None, actor=personas["coordinator"],
    )  # fmt: skip
    provider = personas["provider"]
    assert students_visible_to(provider).filter(pk=student.pk).exists()
    agreement = DataSharingAgreement.objects.get(organisation=county.provider, partnership=county.a)
    coordinator = login(personas["coordinator"])
    form = coordinator.get(url("agreement_edit", agreement.pk))
    assert b"decide access at once" in form.content
    response = coordinator.post(
        url("agreement_edit", agreement.pk),
        {
            "reference": agreement.reference,
            "signed_on": agreement.signed_on.isoformat(),
            "expires_on": (TODAY() - dt.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 302
    assert not students_visible_to(provider).filter(pk=student.pk).exists()
    detail = reverse("students:detail", args=[student.pk])
    assert login(provider).get(detail).status_code == 404
    listing = login(personas["coordinator"]).get(url("agreement_list", county.a.slug))
    assert b"Expired" in listing.content


def test_expiring_agreements_are_flagged_on_the_home_page_and_in_the_list(login, personas, county):
    DataSharingAgreement.objects.filter(organisation=county.agency).update(
        expires_on=TODAY() + dt.timedelta(days=30)
    )
    for persona in ("coordinator", "admin"):
        client = login(personas[persona])
        home = client.get(reverse("core:home"))
        assert b"1 data-sharing agreement expires within 60 days" in home.content
        assert url("manage").encode() in home.content
        listing = client.get(url("agreement_list", county.a.slug))
        assert b"Expires within 60 days" in listing.content
    home = login(personas["key_worker"]).get(reverse("core:home"))
    assert b"expires within 60 days" not in home.content


def test_the_administrator_edits_the_council_without_changing_its_type(login, personas, county):
    client = login(personas["admin"])
    data = {
        "name": county.council.name,
        "type": OrganisationType.LOCAL_AUTHORITY,
        "phone": "0116 1",
    }
    assert client.post(url("organisation_edit", county.council.pk), data).status_code == 302
    county.council.refresh_from_db()
    assert (county.council.type, county.council.phone) == (
        OrganisationType.LOCAL_AUTHORITY,
        "0116 1",
    )
    data["type"] = OrganisationType.HEALTH
    response = client.post(url("organisation_edit", county.council.pk), data)
    assert "type" in response.context["form"].errors


@pytest.mark.promise("P13")
def test_unregistering_an_organisation_through_the_page_ends_access_at_once(
    login, personas, county, active_case
):
    student = active_case.student
    involvement_create(
        student=student, organisation=county.provider, purpose="Two days a week at the farm",
        starts_on=TODAY(), ends_on=None, actor=personas["coordinator"],
    )  # fmt: skip
    provider = personas["provider"]
    assert students_visible_to(provider).filter(pk=student.pk).exists()
    response = login(personas["coordinator"]).post(
        url("organisation_unregister", county.a.slug, county.provider.pk)
    )
    assert response.status_code == 302
    assert not students_visible_to(provider).filter(pk=student.pk).exists()
    assert login(provider).get(reverse("students:detail", args=[student.pk])).status_code == 404
