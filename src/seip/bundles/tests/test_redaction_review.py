"""The redaction review reaches every free-text field, and a withheld item can be left out
without a word (neither confirm nor deny), the default for safeguarding (P18, ADR 0028)."""

import io
import json
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from seip.behaviour.tests.factories import IncidentFactory
from seip.bundles import services
from seip.bundles.assemble import assemble
from seip.bundles.models import Decision, Exemption, Flag
from seip.bundles.redaction import TEXT_TABLES, Ruling, apply, flags_for
from seip.bundles.schema import TABLE_BY_KEY
from seip.core.tests.pdfcheck import pdf_text
from seip.records import services as records
from seip.records.tests.factories import TargetFactory
from seip.referrals.models import Referral
from seip.sharing.models import Involvement
from seip.students.models import Case

THIRD = "Priya's uncle was shouting at home"


def _set(model, pk, **values):
    # Loaded and saved, not update(): the text may be a sealed field (P14).
    row = model.objects.get(pk=pk)
    for name, value in values.items():
        setattr(row, name, value)
    row.save(update_fields=list(values))


def _referral(student, column):
    _set(Referral, student.referral_id, **{column: THIRD})
    return ("referral", student.referral_id)


def _incident(student, column):
    incident = IncidentFactory(student=student, **{column: THIRD})
    return ("incidents", incident.pk)


def _target(student, column):
    target = TargetFactory(plan__student=student, **{column: THIRD})
    return ("targets", target.pk)


def _case(student, column):
    case = Case.objects.filter(student=student).first()
    _set(Case, case.pk, **{column: THIRD})
    return ("cases", case.pk)


SOURCES = [
    (_referral, "reasons"),
    (_referral, "support_tried"),
    (_referral, "attendance_summary"),
    (_referral, "behaviour_summary"),
    (_incident, "description"),
    (_target, "description"),
    (_target, "measure"),
    (_case, "risk_assessment_summary"),
]


@pytest.mark.promise("P18")
@pytest.mark.parametrize(("make", "column"), SOURCES)
def test_every_free_text_field_is_scanned_for_other_peoples_names(
    access_request, personas, make, column
):
    key = make(access_request.student, column)
    data = assemble(access_request.student, personas["coordinator"])
    found = flags_for(data, requester_name=access_request.requester_name)
    assert found.get(key) == [Flag.THIRD_PARTY]


@pytest.mark.promise("P18")
def test_an_involvements_purpose_is_scanned(access_request, personas, county):
    involvement = Involvement.objects.create(
        student=access_request.student, organisation=county.provider, purpose=THIRD,
        starts_on=timezone.localdate(), created_by=personas["coordinator"],
    )  # fmt: skip
    data = assemble(access_request.student, personas["coordinator"])
    found = flags_for(data, requester_name=access_request.requester_name)
    assert ("involvements", involvement.pk) in found


def test_a_scanned_table_can_be_redacted_without_touching_its_id(access_request, personas):
    """A redaction needs columns to replace: every scanned table names them."""
    assert all(TABLE_BY_KEY[table].redactable == columns for table, columns in TEXT_TABLES.items())
    key = _referral(access_request.student, "reasons")
    data = assemble(access_request.student, personas["coordinator"])
    released = apply(data, {key: Ruling(Decision.REDACT, replacement="About a relative.")})
    row = released.tables["referral"][0]
    assert row["id"] == access_request.student.referral_id
    assert row["reasons"] == "About a relative."
    assert THIRD not in json.dumps(released.tables)


def _zip(content):
    archive = zipfile.ZipFile(io.BytesIO(content))
    return {name: archive.read(name) for name in archive.namelist()}


def _release_with_concern(access_request, personas, concern_decision):
    coordinator = personas["coordinator"]
    # A designated reader opened the concerns: the access log would say so.
    records.concerns_open(student=access_request.student, actor=coordinator)
    bundle = services.bundle_prepare(request=access_request, actor=coordinator)
    for item in bundle.items.all():
        kwargs = {"decision": Decision.RELEASE, "reason": "Nothing to hold back"}
        if item.item_type in ("safeguarding_concerns", "case_notes"):
            kwargs = {"decision": concern_decision, "exemption": Exemption.SERIOUS_HARM,
                      "reason": "Disclosure would cause serious harm"}  # fmt: skip
        services.flagged_item_decide(item=item, actor=coordinator, **kwargs)
    bundle = services.bundle_release(bundle=bundle, actor=coordinator)
    files = _zip(services.release_download(bundle=bundle, fmt="zip", actor=personas["parent"]))
    pdf = services.release_download(bundle=bundle, fmt="pdf", actor=personas["parent"])
    return files, pdf


@pytest.mark.promise("P18")
def test_neither_confirm_nor_deny_leaves_no_trace_of_the_item(access_request, personas, history):
    files, pdf = _release_with_concern(access_request, personas, Decision.NEITHER_CONFIRM_NOR_DENY)
    document = json.loads(files["record.json"])
    assert document["metadata"]["withheld"] == []
    assert "withheld" not in files["README.txt"].decode()
    assert "withheld" not in pdf_text(pdf)
    assert document["safeguarding_concerns"] == []
    assert b"Came to school hungry" not in b"".join(files.values())
    # Nor does the access log give it away.
    assert all("safeguarding" not in row["what"] for row in document["access_log"])


@pytest.mark.promise("P18")
def test_withhold_and_say_so_still_says_so(access_request, personas, history):
    files, _ = _release_with_concern(access_request, personas, Decision.WITHHOLD)
    document = json.loads(files["record.json"])
    assert any("Safeguarding" in line for line in document["metadata"]["withheld"])
    assert b"Came to school hungry" not in b"".join(files.values())


def test_ncnd_needs_an_exemption_too(access_request, personas, history):
    from django.core.exceptions import ValidationError

    bundle = services.bundle_prepare(request=access_request, actor=personas["coordinator"])
    with pytest.raises(ValidationError) as error:
        services.flagged_item_decide(
            item=bundle.items.first(), decision=Decision.NEITHER_CONFIRM_NOR_DENY, reason="x",
            actor=personas["coordinator"],
        )  # fmt: skip
    assert "exemption" in error.value.message_dict


def test_the_review_offers_ncnd_by_default_for_safeguarding(
    access_request, personas, history, login
):
    coordinator = personas["coordinator"]
    bundle = services.bundle_prepare(request=access_request, actor=coordinator)
    page = login(coordinator).get(reverse("bundles:review", args=[access_request.pk]))
    body = page.content.decode()
    concern = bundle.items.get(item_type="safeguarding_concerns")
    note = bundle.items.filter(item_type="case_notes").first()
    ncnd = f'name="item-{concern.pk}-decision" value="ncnd"'
    assert ncnd in body
    assert _checked(body, f"item-{concern.pk}-decision", "ncnd")
    assert _checked(body, f"item-{concern.pk}-exemption", "serious_harm", select=True)
    assert not _checked(body, f"item-{note.pk}-decision", "ncnd")


def _checked(body: str, name: str, value: str, *, select: bool = False) -> bool:
    import re

    if select:
        block = re.search(rf'<select[^>]*name="{name}".*?</select>', body, re.S)
        return block is not None and f'value="{value}" selected' in block.group(0)
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*value="{value}"[^>]*>', body)
    return tag is not None and "checked" in tag.group(0)


def test_a_replacement_is_bound_to_its_item_and_old_ones_are_resealed(
    access_request, personas, history
):
    from django.core.management import call_command

    from seip.bundles.models import FlaggedItem
    from seip.keys import crypto

    coordinator = personas["coordinator"]
    bundle = services.bundle_prepare(request=access_request, actor=coordinator)
    first, second = bundle.items.filter(item_type="case_notes").order_by("pk")[:2]
    for item in bundle.items.exclude(pk__in=[first.pk, second.pk]):
        services.flagged_item_decide(
            item=item, decision=Decision.RELEASE, reason="Nothing to hold back", actor=coordinator
        )
    for item, text in ((first, "About a relative."), (second, "About a neighbour.")):
        services.flagged_item_decide(
            item=item, decision=Decision.REDACT, replacement=text, reason="Names someone",
            actor=coordinator,
        )  # fmt: skip
    # Swapping the replacements between items fails the integrity check.
    blob = FlaggedItem.objects.get(pk=first.pk).replacement_encrypted
    FlaggedItem.objects.filter(pk=second.pk).update(replacement_encrypted=blob)
    with pytest.raises(crypto.DecryptionFailed):
        services.rulings_of(bundle)
    # A replacement sealed before rows were bound (v1) is read, then re-sealed.
    old = crypto.encrypt_for(
        access_request.student.referral_id, b"About a neighbour.", aad=services.REPLACEMENT
    )
    FlaggedItem.objects.filter(pk=second.pk).update(replacement_encrypted=old)
    assert services.rulings_of(bundle)[second.key].replacement == "About a neighbour."
    call_command("keys", "rebind", stdout=io.StringIO())
    resealed = bytes(FlaggedItem.objects.get(pk=second.pk).replacement_encrypted)
    assert resealed.startswith(crypto.FORMAT_ROW)
    assert services.rulings_of(bundle)[second.key].replacement == "About a neighbour."
