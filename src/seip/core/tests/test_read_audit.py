"""Every page that shows a student leaves a trace: every named URL, every persona (P14).

The same world and URLs as the access matrix. Each page a persona can open (200) is
checked after the request:

- a page about the student (its URL carries the student's id) or whose body names them
  (first and last name, or the UPN) must have recorded a ``read.*`` audit event naming
  the student: as the event's object, or among the ids in its ``detail``;
- a page about the waiting referral, or naming its pupil, must have recorded a ``read.*``
  event naming the referral;
- when the reader is outside the partnership team (a school, a provider, an agency, the
  LA), the read must also have left a ``Disclosure`` for the student, which the family
  sees in the portal;
- a page that answers with anything but 200 leaves nothing in the family's log.

Pages that show no student are listed in ``NO_STUDENT`` with the reason, and the test
checks that they really name no one; a new page must be put in one place or the other.
"""

import pytest
from django.utils import timezone

from seip.accounts.tests.test_second_factor import named_urls
from seip.audit.models import AuditEvent
from seip.core.tests.test_access_matrix import EXPECTED, PERSONAS, url_for, world  # noqa: F401
from seip.imports.models import ImportRun, RunStatus
from seip.referrals.models import Referral
from seip.sharing.models import Disclosure
from seip.students.models import Student

#: Personas who read from outside the partnership team: their reads are disclosures.
OUTSIDE = ("school_contact", "school_b", "provider", "agency", "la_officer")

#: Pages that answer 200 to someone but show no student and no referral, and why.
NO_STUDENT: dict[str, str] = {
    "accounts:login": "the sign-in form",
    "accounts:verify": "a sign-in step",
    "accounts:setup": "a sign-in step",
    "accounts:logout": "the sign-out button",
    "accounts:account": "the user's own account",
    "notifications:preferences": "the user's own email choices",
    "accounts:enrol": "a sign-in step (a second-factor set-up link)",
    "accounts:backup_codes": "the user's own backup codes",
    "accounts:people": "the partnership team's staff accounts, not students",
    "accounts:enrolment_link": "a set-up link for a member of staff",
    "accounts:invite": "the invitation form: staff roles and places, no student",
    "accounts:invitation_resend": "POST only: a staff or family account's invitation",
    "accounts:invitation_revoke": "POST only: a staff or family account's invitation",
    "accounts:invitation": "a sign-in step (an invitation link)",
    "accounts:membership_end": "POST only: a member of staff's role",
    "accounts:user_deactivate": "POST only: a member of staff's account",
    "accounts:password_reset": "a sign-in step (forgotten password)",
    "accounts:password_reset_done": "a sign-in step (forgotten password)",
    "accounts:password_reset_confirm": "a sign-in step (a reset link)",
    "accounts:password_reset_complete": "a sign-in step (forgotten password)",
    "accounts:sso_start": "a sign-in step (the organisation's provider, by email domain)",
    "accounts:sso_callback": "a sign-in step (back from the organisation's provider)",
    "organisations:logo": "a partnership's logo",
    "organisations:partnership_list": "partnerships, not students",
    "organisations:partnership": "a partnership's page: counts, no names",
    "organisations:manage": "administration: partnerships and agreements",
    "organisations:partnership_new": "a form for a partnership's details",
    "organisations:organisation_list": "the county's organisations",
    "organisations:partnership_edit": "a partnership's contact details",
    "organisations:partnership_organisations": "schools and organisations, not students",
    "organisations:organisation_new": "a form for an organisation",
    "organisations:school_new": "a form for a school",
    "organisations:agreement_list": "agreements between organisations",
    "organisations:agreement_new": "a form for an agreement",
    "organisations:organisation": "an organisation and its agreements",
    "organisations:organisation_edit": "an organisation's details",
    "organisations:agreement_edit": "an agreement's dates and reference",
    "organisations:agreement_document": "an agreement between organisations (a PDF)",
    "notices:notice": "the published privacy notice",
    "notices:version": "a notice version",
    "notices:version_pdf": "a notice version",
    "notices:edit": "the notice's text",
    "core:healthz": "a health check",
    "consultations:list": "consultations hold no identifiers (ADR 0008)",
    "moves:fair_access": "a Fair Access case names no child (ADR 0048)",
    "moves:fairness": "counts per school and year group, through disclosure control",
    "moves:case_new": "a Fair Access case names no child (ADR 0048)",
    "moves:panel_new": "a panel names schools, not children",
    "moves:case": "a Fair Access case names no child (ADR 0048)",
    "moves:allocate": "a Fair Access case names no child (ADR 0048)",
    "moves:allocation_dates": "a Fair Access case names no child (ADR 0048)",
    "moves:link": "signed referrals by number, year group and school, never by name",
    "consultations:create": "consultations hold no identifiers (ADR 0008)",
    "consultations:detail": "consultations hold no identifiers (ADR 0008)",
    "referrals:new": "an empty referral form",
    "imports:upload": "the upload form and recent runs by file name; UPNs are never shown",
    "rights:portal": "the family's own requests: no record content",
    "rights:portal_new": "a form for the family's own request",
    "retention:schedule": "retention periods and due counts",
    "retention:ropa": "the record of processing: categories, not people",
    "retention:rule_edit": "a retention rule",
    "concerns:public_new": "a form anyone may use",
    "concerns:sent": "a confirmation",
    "concerns:portal_new": "a form for the family",
    "concerns:list": "complaints about the partnership, not student records",
    "concerns:detail": "a complaint, not a student record",
    "concerns:acknowledge": "a complaint, not a student record",
    "concerns:respond": "a complaint, not a student record",
    "placements:census": "the census return's form; the file records an export of each pupil",
    "placements:provider": "an alternative provider's URN, UKPRN and visits",
    "placements:provider_visit": "a quality-assurance visit to a provider",
    "reports:index": "report forms: aggregates only",
    "reports:impact": "report forms: aggregates only",
    "reports:builder": "report forms: aggregates only",
}

#: Pages that show a student to the partnership's rights handlers (co-ordinator, DPO) and
#: record their reads through the rights request's own audit trail, not ``read.*`` yet.
#: Never a disclosure (partnership staff only). Each is checked: once it records a read,
#: the test fails until the entry is removed.
NOT_YET_RECORDED: dict[str, str] = {}

#: Pages that record a read of their own object rather than the student: a report names
#: no one; an import run lists rows by UPN, audited with the run's id.
OWN_OBJECT = {
    "reports:run": "reports.reportrun",
    "reports:download": "reports.reportrun",
    "imports:run": "imports.importrun",
}


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _names(body: str, first: str, last: str, upn: str) -> bool:
    return (first in body and last in body) or upn in body


def _named_in(event: AuditEvent, model: str, pk: int) -> bool:
    if event.object_type == model and event.object_id == str(pk):
        return True
    detail = event.detail or {}
    key = {"students.student": "students", "referrals.referral": "referrals"}[model]
    single = {"students.student": "student", "referrals.referral": "referral"}[model]
    return pk in detail.get(key, []) or detail.get(single) == pk


def test_every_page_is_classified():
    names = {name for name, _ in named_urls()}
    listed = NO_STUDENT.keys() | NOT_YET_RECORDED.keys() | OWN_OBJECT.keys()
    assert listed - names == set(), "a removed page should leave these lists"
    assert not NO_STUDENT.keys() & NOT_YET_RECORDED.keys()


@pytest.mark.promise("P14")
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_read_is_recorded(login, personas, world, persona):  # noqa: F811
    client = login(personas[persona])
    student = Student.objects.get(pk=world.kwargs["pk"])
    referral = Referral.objects.get(pk=world.kwargs["referral"])
    # A finished run's report lists pupils by UPN; a running one shows only progress.
    ImportRun.objects.filter(pk=world.kwargs["run_pk"]).update(
        status=RunStatus.DONE, finished_at=timezone.now()
    )
    missing: dict[str, str] = {}
    for name, pattern in named_urls():
        url = url_for(name, pattern, world)
        last_seq = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        last_disclosure = Disclosure.objects.order_by("-pk").values_list("pk", flat=True).first()
        response = client.get(url)
        body = _body(response)
        reads = list(AuditEvent.objects.filter(seq__gt=last_seq, action__startswith="read."))
        disclosed = Disclosure.objects.filter(pk__gt=last_disclosure or 0, student=student)
        if response.status_code != 200:
            if disclosed.exists():
                missing[name] = f"{response.status_code} but a disclosure was recorded"
            continue
        about = url_for(name, pattern, world)
        shows_student = _names(body, student.first_name, student.last_name, student.upn) or (
            f"/{student.pk}/" in about and not name.startswith(tuple(OWN_OBJECT))
            and name not in NO_STUDENT and not name.startswith("referrals:")
        )  # fmt: skip
        shows_referral = (name.startswith("referrals:") and f"/{referral.pk}/" in about) or _names(
            body, referral.first_name, referral.last_name, referral.upn
        )
        if name in NO_STUDENT:
            if shows_student or shows_referral:
                missing[name] = f"listed as showing no student, but names one: {url}"
            continue
        if name in NOT_YET_RECORDED:
            if shows_student and persona in OUTSIDE:
                missing[name] = f"{url}: an outside reader sees a page whose reads are not recorded"
            continue
        if name in OWN_OBJECT:
            if not any(e.object_type == OWN_OBJECT[name] for e in reads):
                missing[name] = f"{url}: no read.* event for its {OWN_OBJECT[name]}"
            continue
        if shows_student and not any(_named_in(e, "students.student", student.pk) for e in reads):
            missing[name] = f"{url}: shows the student, no read.* event names them"
        elif shows_referral and not any(
            _named_in(e, "referrals.referral", referral.pk) for e in reads
        ):
            missing[name] = f"{url}: shows the referral, no read.* event names it"
        elif not (shows_student or shows_referral) and not reads:
            missing[name] = f"{url}: not in NO_STUDENT, but recorded no read"
        elif shows_student and persona in OUTSIDE and not disclosed.exists():
            missing[name] = f"{url}: an outside read of the student left no disclosure"
    assert missing == {}


def test_expected_and_classification_cover_the_same_pages():
    assert NO_STUDENT.keys() <= EXPECTED.keys()
