import pytest
from django.urls import reverse

from seip.bundles.models import AccessBundle
from seip.bundles.tests.conftest import WITHHELD_WORDS
from seip.core.tests.pdfcheck import pdf_text


def _review(pk):
    return reverse("bundles:review", args=[pk])


@pytest.mark.parametrize(("persona", "status"), [
    ("coordinator", 200), ("dpo", 200), ("key_worker", 404), ("parent", 404), ("nobody", 404),
])  # fmt: skip
def test_the_review_page_is_for_the_rights_handlers(
    login, personas, access_request, persona, status
):
    assert login(personas[persona]).get(_review(access_request.pk)).status_code == status


def test_prepare_is_refused_to_others(login, personas, access_request):
    client = login(personas["key_worker"])
    response = client.post(reverse("bundles:prepare", args=[access_request.pk]))
    assert response.status_code == 404
    assert not AccessBundle.objects.exists()


@pytest.mark.promise("P18")
def test_prepare_review_decide_release_download(login, personas, access_request, history, client):
    coordinator = login(personas["coordinator"])
    detail = coordinator.get(reverse("rights:detail", args=[access_request.pk]))
    assert _review(access_request.pk).encode() in detail.content
    coordinator.post(reverse("bundles:prepare", args=[access_request.pk]))
    page = coordinator.get(_review(access_request.pk))
    assert WITHHELD_WORDS in page.content.decode()  # the reviewer reads what they decide
    bundle = AccessBundle.objects.get()
    # A decision without a reason is shown back with its error.
    item = bundle.items.first()
    url = reverse("bundles:decide", args=[access_request.pk, item.pk])
    page = coordinator.post(url, {f"item-{item.pk}-decision": "release"})
    assert "Give the reason for the decision" in page.content.decode()
    for item in bundle.items.all():
        url = reverse("bundles:decide", args=[access_request.pk, item.pk])
        data = {"decision": "withhold", "exemption": "third_party", "reason": "Another person"}
        coordinator.post(url, {f"item-{item.pk}-{k}": v for k, v in data.items()})
    assert not bundle.items.filter(decision="").exists()
    coordinator.post(reverse("bundles:release", args=[access_request.pk]))
    bundle.refresh_from_db()
    assert bundle.is_released

    parent = login(personas["parent"])
    listing = parent.get(reverse("rights:portal")).content.decode()
    assert reverse("bundles:portal_pdf", args=[access_request.pk]) in listing
    pdf = parent.get(reverse("bundles:portal_pdf", args=[access_request.pk]))
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert pdf["Content-Type"] == "application/pdf"
    archive = parent.get(reverse("bundles:portal_zip", args=[access_request.pk]))
    assert archive.content.startswith(b"PK")
    assert WITHHELD_WORDS.encode() not in archive.content
    assert WITHHELD_WORDS not in pdf_text(pdf.content)


def test_another_family_member_cannot_download(login, personas, access_request, history):
    coordinator = personas["coordinator"]
    from seip.bundles import services

    bundle = services.bundle_prepare(request=access_request, actor=coordinator)
    for item in bundle.items.all():
        services.flagged_item_decide(
            item=item, decision="release", reason="Fine", actor=coordinator
        )
    services.bundle_release(bundle=bundle, actor=coordinator)
    url = reverse("bundles:portal_pdf", args=[access_request.pk])
    assert login(personas["student"]).get(url).status_code == 404
    assert login(personas["coordinator"]).get(url).status_code == 404
    staff = reverse("bundles:staff_zip", args=[access_request.pk])
    assert login(personas["coordinator"]).get(staff).status_code == 200


# The worker closes its database connection after each task, as a long-lived process
# should; on PostgreSQL that would end a test's wrapping transaction, so this one commits.
@pytest.mark.django_db(transaction=True)
def test_a_bundle_is_prepared_in_the_background(database_tasks, login, personas, linked):
    """Issue 10: the page waits for the worker, refreshing itself; nothing is read or
    flagged until the worker prepares the bundle; a failed preparation may be retried.

    The request is made here, not through ``access_request``: its ``history`` needs the
    seeded concern categories, which an earlier committing test may have flushed."""
    import io

    from django.core.management import call_command

    from seip.bundles.models import BundleStatus
    from seip.bundles.services import bundle_prepare_failed
    from seip.rights.models import RequestType
    from seip.rights.services import rights_request_portal

    access_request = rights_request_portal(
        student=linked, type=RequestType.ACCESS, details="", actor=personas["parent"]
    )
    coordinator = login(personas["coordinator"])
    coordinator.post(reverse("bundles:prepare", args=[access_request.pk]))
    bundle = AccessBundle.objects.get()
    assert bundle.status == BundleStatus.PREPARING
    assert not bundle.items.exists()
    waiting = coordinator.get(_review(access_request.pk))
    assert waiting["Refresh"] == "2"
    assert "Preparing the bundle: gathering" in waiting.content.decode()
    # Interrupted (a worker killed): it says so, and may be prepared again.
    bundle_prepare_failed(bundle.pk)
    assert "could not be prepared" in coordinator.get(_review(access_request.pk)).content.decode()
    coordinator.post(reverse("bundles:prepare", args=[access_request.pk]))
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=io.StringIO())
    bundle = AccessBundle.objects.get()
    assert bundle.status == BundleStatus.REVIEW
    page = coordinator.get(_review(access_request.pk))
    assert "Refresh" not in page
    assert "Release the bundle and complete the request" in page.content.decode()
