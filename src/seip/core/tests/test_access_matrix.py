"""Who may open which page: every named URL against every persona (P08).

One realistic data set (an active case in partnership A with its profile, chronology,
provision, reviews and a portal link; a signed referral waiting for a decision; a
published notice; a consultation) fills each URL's arguments with real ids. Each URL is
then fetched (GET only) by every persona and the status checked against ``EXPECTED``.

A new view fails :func:`test_every_named_url_has_an_expectation` until it is added to
the table, so nobody can ship a page without deciding who may open it.

Statuses: 200 the page; 302 a redirect (sign-in steps, sign-out); 403 the persona may
see the record but not use that form; 404 the persona may not see the record at all.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from seip.accounts.tests.test_second_factor import named_urls
from seip.behaviour.models import ExclusionKind
from seip.behaviour.services import exclusion_record
from seip.concerns.services import concern_raise_public
from seip.consultations.tests.factories import ConsultationFactory
from seip.imports.models import ImportRun, MatchCandidate
from seip.moves.services import (
    allocation_record,
    fair_access_case_open,
    move_propose,
    panel_record,
)
from seip.organisations.models import DataSharingAgreement, OrganisationType, School
from seip.organisations.services import agreement_update, partnership_logo_set
from seip.placements.models import PrimaryReason, SettingType
from seip.placements.services import placement_plan_record, timetable_record
from seip.progress.models import PortalLink, PortalRelationship
from seip.provision.models import FundingStream, InterventionType, SafeguardingCheck
from seip.provision.services import PlacementDetails, intervention_record
from seip.records import services as records
from seip.records.models import NoteAttachment
from seip.records.tests.factories import NeedFactory, TargetFactory, code
from seip.referrals.services import referral_draft_create, referral_sign
from seip.referrals.tests.factories import PDF, carers, notice_for, pupil
from seip.reports.document import ReportDocument
from seip.reports.runs import report_run_create
from seip.rights.corrections import correction_propose
from seip.rights.models import ReceivedVia, RequesterKind, RequestType
from seip.rights.services import Requester, rights_request_create
from seip.sharing.services import involvement_create

# --- personas, grouped -------------------------------------------------------------------

STAFF_A = ("coordinator", "key_worker", "safeguarding_lead", "dpo")
PERSONAS = (
    *STAFF_A,
    "school_contact",
    "school_b",
    "provider",
    "agency",
    "la_officer",
    "parent",
    "student",
    "admin",
    "nobody",
)
OUTSIDERS = ("provider", "agency", "la_officer", "admin", "nobody")
FAMILY = ("parent", "student")


def row(default: int, **overrides: int) -> dict[str, int]:
    """One URL's expectation: ``default`` for everyone, ``overrides`` by persona or group.

    Group keywords: ``staff`` (the four partnership-A staff), ``outsiders`` (provider,
    agency, LA officer, admin, nobody), ``family`` (parent and student, on the portal).
    """
    groups = {"staff": STAFF_A, "outsiders": OUTSIDERS, "family": FAMILY}
    expected = dict.fromkeys(PERSONAS, default)
    for key, status in overrides.items():
        for persona in groups.get(key, (key,)):
            assert persona in expected, key
            expected[persona] = status
    return expected


# The student's record: partnership-A staff, the school contact of A (live schools
# consent) and the provider (a live involvement, AP consent, a current agreement) see it;
# nobody else does, and nobody else may learn that it exists. The agency (health: no
# consent) and the LA officer (no agreement) are outsiders to this student.
RECORD = row(404, staff=200, school_contact=200, provider=200)
# Pages and forms for the student's case staff (co-ordinator, their key worker, DSL): the
# DPO, the school contact and the provider see the record but not these.
CASE_STAFF_FORM = row(404, staff=200, dpo=403, school_contact=403, provider=403)
# Case staff only, and the school contact may not even know they exist (chronology,
# safeguarding).
CASE_STAFF_ONLY = row(404, staff=200, dpo=403)
# The co-ordinator's own decisions on a case.
COORDINATOR_FORM = row(404, staff=403, coordinator=200, school_contact=403, provider=403)
# Consent changes: CONSENT_MANAGERS in referrals/services.py.
CONSENT_FORM = row(404, staff=200, safeguarding_lead=403, school_contact=403, provider=403)
# Portal access: the co-ordinator or a key worker (progress/services.py).
PORTAL_FORM = row(404, staff=403, coordinator=200, key_worker=200, school_contact=403, provider=403)
# A rights request and its actions: the co-ordinator and the DPO (rights/selectors.py).
RIGHTS_REQUEST = row(404, coordinator=200, dpo=200)
# A partnership's administration pages: its co-ordinator and the administrator; anyone
# else who can see the partnership is refused, and to the rest it does not exist.
PARTNERSHIP_ADMIN = row(403, coordinator=200, admin=200, school_b=404, nobody=404)
# A managed move's forms: case staff; the home school sees the move but may not change it.
MOVE_FORM = row(404, staff=200, dpo=403, school_contact=403)

EXPECTED: dict[str, dict[str, int]] = {
    # Public, and the sign-in steps. Signing out is POST only.
    "accounts:login": row(302),  # a signed-in user is sent on
    "accounts:verify": row(302),
    "accounts:setup": row(200, family=302),
    "accounts:enrol": row(404),
    "accounts:logout": row(200),
    "organisations:logo": row(200),
    "notices:notice": row(200),
    "notices:version": row(200),
    "notices:version_pdf": row(200),
    # Signed in, anyone.
    "core:home": row(200),
    "core:healthz": row(200),
    "accounts:account": row(200),
    "notifications:preferences": row(200),
    "accounts:backup_codes": row(405),
    # Set-up links: a co-ordinator for their partnership team, an administrator for staff.
    "accounts:people": row(403, coordinator=200, admin=200),
    "accounts:enrolment_link": row(405),
    "accounts:invite": row(403, coordinator=200, admin=200),
    "accounts:invitation_resend": row(405),
    "accounts:invitation_revoke": row(405),
    "accounts:invitation": row(404),
    "accounts:membership_end": row(405),
    "accounts:user_deactivate": row(405),
    # Forgotten password: open to anyone; a bad reset link shows its own page.
    "accounts:password_reset": row(200),
    "accounts:password_reset_done": row(200),
    "accounts:password_reset_confirm": row(200),
    "accounts:password_reset_complete": row(200),
    # Single sign-on with an organisation's provider: a signed-in user is sent on.
    "accounts:sso_start": row(302),
    "accounts:sso_callback": row(302),
    # Partnerships and notices (a partnership you do not belong to is not there).
    "organisations:partnership_list": row(200),
    "organisations:partnership": row(200, school_b=404, nobody=404),
    "notices:edit": row(403, coordinator=200, dpo=200, admin=200, school_b=404, nobody=404),
    "notices:publish": row(405),
    # Administration (ADR 0032, organisations/permissions.py): the administrator manages
    # the county, the co-ordinator their own partnership. The provider works with both
    # partnerships, so the co-ordinator of A sees it but may not change its details.
    "organisations:manage": row(403, coordinator=200, admin=200),
    "organisations:partnership_new": row(403, admin=200),
    "organisations:organisation_list": row(403, admin=200),
    "organisations:partnership_edit": PARTNERSHIP_ADMIN,
    "organisations:partnership_organisations": PARTNERSHIP_ADMIN,
    "organisations:organisation_new": PARTNERSHIP_ADMIN,
    "organisations:organisation_unregister": row(405),
    "organisations:school_new": row(403, admin=200, school_b=404, nobody=404),
    "organisations:agreement_list": PARTNERSHIP_ADMIN,
    "organisations:agreement_new": PARTNERSHIP_ADMIN,
    "organisations:organisation": row(404, coordinator=200, admin=200),
    "organisations:organisation_edit": row(404, coordinator=403, admin=200),
    "organisations:agreement_edit": row(404, coordinator=200, admin=200),
    "organisations:agreement_document": row(404, coordinator=200, admin=200),
    # Consultations (no child named; administrators read all, record none).
    "consultations:list": row(403, staff=200, school_contact=200, school_b=200, admin=200),
    "consultations:create": row(403, staff=200, school_contact=200, school_b=200),
    "consultations:detail": row(404, staff=200, school_contact=200, admin=200),
    # Referrals (a signed referral from school A, waiting for a decision).
    "referrals:list": row(200),
    "referrals:new": row(403, school_contact=200, school_b=200),
    "referrals:detail": row(404, staff=200, school_contact=200),
    "referrals:edit": row(404, staff=403, school_contact=403),
    "referrals:sign": row(404, staff=403, school_contact=200),
    "referrals:accept": row(404, staff=403, coordinator=200, school_contact=403),
    "referrals:decline": row(404, staff=403, coordinator=200, school_contact=403),
    "referrals:signed_form": row(404, staff=403, coordinator=200, dpo=200, school_contact=200),
    # Students.
    "students:list": row(200),
    "students:export": row(200),
    "students:archive": row(200),
    "students:detail": RECORD,
    "students:key_worker": COORDINATOR_FORM,
    "students:close": COORDINATOR_FORM,
    "students:leave": COORDINATOR_FORM,
    "students:withdraw": CONSENT_FORM,
    "students:extend": CONSENT_FORM,
    # The profile and chronology.
    "records:profile": RECORD,
    "records:need_new": CASE_STAFF_FORM,
    "records:need_correct": CASE_STAFF_FORM,
    "records:verify": CASE_STAFF_FORM,
    "records:contact_new": CASE_STAFF_FORM,
    "records:agency_new": CASE_STAFF_FORM,
    "records:target_new": CASE_STAFF_FORM,
    "records:target_status": CASE_STAFF_FORM,
    # The key_worker persona holds the case; a key worker who does not gets a 403
    # (test_a_key_worker_off_the_case_reads_no_chronology).
    "records:chronology": row(404, staff=200),
    "records:note_new": CASE_STAFF_ONLY,
    "records:attachment": row(404, staff=200),
    "records:concerns": row(404, staff=200),
    "records:concern_new": CASE_STAFF_ONLY,
    # Provision.
    "provision:list": RECORD,
    "provision:add": CASE_STAFF_FORM,
    "provision:end": CASE_STAFF_FORM,
    "provision:review": CASE_STAFF_FORM,
    # Placements, part-time timetables and suspensions (issue 20, ADR 0049).
    "placements:list": RECORD,
    "placements:plan_add": CASE_STAFF_FORM,
    "placements:plan_edit": CASE_STAFF_FORM,
    "placements:review": CASE_STAFF_FORM,
    "placements:timetable_add": CASE_STAFF_FORM,
    "placements:timetable_edit": CASE_STAFF_FORM,
    "placements:suspension": CASE_STAFF_FORM,
    # The census return: a school's contact for their school, a co-ordinator for theirs.
    "placements:census": row(403, coordinator=200, school_contact=200, school_b=200),
    # A provider's census identity and QA visits: a co-ordinator it works with.
    "placements:provider": row(403, coordinator=200),
    "placements:provider_visit": row(403, coordinator=200),
    # Attendance and behaviour.
    "attendance:student": RECORD,
    "behaviour:list": CASE_STAFF_FORM,
    "behaviour:incident_new": CASE_STAFF_FORM,
    "behaviour:exclusion_new": CASE_STAFF_FORM,
    "behaviour:attitude_new": CASE_STAFF_FORM,
    "behaviour:result_new": CASE_STAFF_FORM,
    # Reviews and progress.
    "progress:due": row(200),
    # My tasks and the calendar of reviews: everyone's own, empty for roles that hold none.
    "tasks:list": row(200),
    "tasks:calendar": row(200),
    "progress:reviews": RECORD,
    "progress:review_new": CASE_STAFF_FORM,
    "progress:portal_access": PORTAL_FORM,
    "progress:family_invite": PORTAL_FORM,
    "progress:progress": RECORD,
    "progress:progress_pdf": RECORD,
    # The family portal: only the linked parent and the student themself.
    "progress:portal": row(200),
    "progress:portal_progress": row(404, family=200),
    "progress:portal_pdf": row(404, family=200),
    # Sharing: involvements are case staff forms; the disclosure log is the partnership
    # team's, and the family's in the portal.
    "sharing:involvement_new": CASE_STAFF_FORM,
    "sharing:involvement_end": CASE_STAFF_FORM,
    "sharing:disclosures": row(404, staff=200),
    "sharing:portal_disclosures": row(404, family=200),
    # Retention: the co-ordinator and DPO read the schedule and the record of processing;
    # only the DPO changes it; another partnership's is not there.
    "retention:schedule": row(403, coordinator=200, dpo=200, school_b=404, nobody=404),
    "retention:ropa": row(403, coordinator=200, dpo=200, school_b=404, nobody=404),
    "retention:rule_edit": row(403, dpo=200, school_b=404, nobody=404),
    "retention:hold_place": row(403, dpo=200, school_b=404, nobody=404),
    "retention:hold_lift": row(405),
    # Imports: a school's contacts and the partnership's whole-record writers upload; a
    # run is seen by those who may import its school's files (others: 404); the matching
    # queue is the co-ordinator's (403 to anyone else, before any lookup).
    "imports:upload": row(
        403, coordinator=200, safeguarding_lead=200, school_contact=200, school_b=200
    ),
    "imports:run": row(404, coordinator=200, safeguarding_lead=200, school_contact=200),
    "imports:matches": row(403, coordinator=200),
    "imports:match_decide": row(403, coordinator=200),
    # Rights requests: the register is the co-ordinator's and the DPO's (403 to anyone
    # else; a request outside it is 404); families ask in the portal for a linked child.
    "rights:register": row(403, coordinator=200, dpo=200),
    "rights:new": row(403, coordinator=200, dpo=200),
    "rights:detail": RIGHTS_REQUEST,
    "rights:identity": RIGHTS_REQUEST,
    "rights:checks": RIGHTS_REQUEST,
    "rights:pause": RIGHTS_REQUEST,
    "rights:resume": RIGHTS_REQUEST,
    "rights:extend": RIGHTS_REQUEST,
    "rights:close": RIGHTS_REQUEST,
    "rights:link": RIGHTS_REQUEST,
    "rights:portal": row(200),
    "rights:portal_new": row(403, family=200),
    # Access bundles (bundles/views.py): the rights handlers; the world's request has no
    # bundle yet, so there is nothing to download; the actions are POST only.
    "bundles:review": RIGHTS_REQUEST,
    "bundles:prepare": row(405),
    "bundles:decide": row(405),
    "bundles:release": row(405),
    "bundles:staff_pdf": row(404),
    "bundles:staff_zip": row(404),
    "bundles:portal_pdf": row(404),
    "bundles:portal_zip": row(404),
    "rights:corrections": RIGHTS_REQUEST,
    "rights:correction_decide": RIGHTS_REQUEST,
    "rights:correction_notices": RIGHTS_REQUEST,
    # The balancing decision and erasure are the DPO's (rights/objections.py).
    "rights:objection": row(404, coordinator=403, dpo=200),
    "rights:erase": row(404, coordinator=403, dpo=200),
    # Concerns (P23): anyone may raise one, even signed out; only the DPO reads them.
    "concerns:public_new": row(200),
    "concerns:sent": row(200),
    "concerns:portal_new": row(403, family=200),
    "concerns:list": row(403, dpo=200),
    "concerns:detail": row(404, dpo=200),
    "concerns:acknowledge": row(404, dpo=200),
    "concerns:respond": row(404, dpo=200),
    "concerns:link": row(404, dpo=200),
    # Outcome reports (P13): the co-ordinator, school contacts (their own school) and the
    # LA officer receive reports; the table builder is the co-ordinator's; a generated
    # report is seen only by whoever asked for it.
    "reports:index": row(403, coordinator=200, school_contact=200, school_b=200, la_officer=200),
    "reports:impact": row(403, coordinator=200, school_contact=200, school_b=200, la_officer=200),
    "reports:builder": row(403, coordinator=200),
    "reports:run": row(404, coordinator=200),
    "reports:download": row(404, coordinator=200),
    # Managed moves (ADR 0048): read through the student, and only by the partnership's
    # staff and the home or host school (the provider sees the student, not the move);
    # the forms are the case staff's. Fair Access is the co-ordinator's alone.
    "moves:list": row(403, staff=200, school_contact=200, school_b=200),
    "moves:detail": row(404, staff=200, school_contact=200),
    "moves:propose": CASE_STAFF_FORM,
    "moves:agree": MOVE_FORM,
    "moves:review": MOVE_FORM,
    "moves:decide": MOVE_FORM,
    "moves:fair_access": row(403, coordinator=200),
    "moves:fairness": row(403, coordinator=200),
    "moves:case_new": row(403, coordinator=200),
    "moves:panel_new": row(403, coordinator=200),
    "moves:case": row(404, coordinator=200),
    "moves:allocate": row(404, coordinator=200),
    "moves:allocation_dates": row(404, coordinator=200),
    "moves:link": row(404, coordinator=200),
}

# Known wrong statuses: the form is shown (200) to a role the service then refuses (403
# on POST). Not a leak (the persona may see the record), but the page promises an action
# it cannot take. Each is checked: once fixed, the test fails until the entry is removed.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


# --- the data set ------------------------------------------------------------------------


LOGO = b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>'


@dataclass
class World:
    kwargs: dict[str, int | str]


@pytest.fixture
def world(active_case, personas, county) -> World:
    student = active_case.student
    key_worker = personas["key_worker"]
    notice = notice_for(county.a)

    need = NeedFactory(student=student, kind="sen_provision", code=code("sen_provision", "K"))
    target = TargetFactory(plan__student=student)
    note = records.note_add(
        student=student, kind="meeting", happened_on=timezone.localdate(), text="Met Jordan.",
        attachments=[records.Upload("letter.txt", "text/plain", b"a letter")], actor=key_worker,
    )  # fmt: skip
    attachment = NoteAttachment.objects.get(note=note)
    intervention = intervention_record(
        student=student,
        type=InterventionType.AP_PLACEMENT,
        provider=county.provider,
        start_date=timezone.localdate() - dt.timedelta(days=30),
        sessions_planned=24,
        sessions_attended=6,
        unit_cost=Decimal("85.00"),
        quantity=Decimal("24"),
        funding_stream=FundingStream.HIGH_NEEDS,
        placement=PlacementDetails(
            days_per_week=Decimal("2"), site="Farm site", checks=frozenset(SafeguardingCheck.values)
        ),
        actor=key_worker,
    )
    plan = placement_plan_record(
        intervention=intervention, commissioning_school=student.school,
        primary_reason=PrimaryReason.BEHAVIOUR, objectives="Routines.",
        reintegration_criteria="Full weeks.", sessions_per_week=4,
        maximum_end=timezone.localdate() + dt.timedelta(days=120),
        planned_end=timezone.localdate() + dt.timedelta(days=60), setting_type=SettingType.OTH,
        actor=key_worker,
    )  # fmt: skip
    timetable = timetable_record(
        student=student, start_date=timezone.localdate(),
        planned_end=timezone.localdate() + dt.timedelta(weeks=6), sessions_per_week=6,
        actor=key_worker,
    )  # fmt: skip
    suspension = exclusion_record(
        student=student, kind=ExclusionKind.SUSPENSION, start_date=timezone.localdate(),
        sessions=14, reasons=["PA"], actor=key_worker,
    )  # fmt: skip
    PortalLink.objects.create(
        user=personas["parent"], student=student,
        relationship=PortalRelationship.PARENT_CARER, parental_responsibility=True,
    )  # fmt: skip
    PortalLink.objects.create(
        user=personas["student"], student=student, relationship=PortalRelationship.STUDENT
    )
    partnership_logo_set(partnership=county.a, filename="logo.svg", content=LOGO, actor=None)
    consultation = ConsultationFactory(school=county.school_a, staff=[personas["coordinator"]])
    involvement = involvement_create(
        student=student, organisation=county.provider, purpose="Two days a week at the farm",
        starts_on=timezone.localdate(), ends_on=None, actor=personas["coordinator"],
    )  # fmt: skip

    # A second pupil's referral, signed and waiting for the partnership's decision.
    pending = referral_draft_create(
        school=county.school_a,
        pupil=pupil(upn="Q801200005002", first_name="Riley", last_name="Sample"),
        carers=carers(),
        actor=personas["school_contact"],
    )
    consent = referral_sign(
        referral=pending, signed_by_name="Sam Sample", relationship="Father",
        has_parental_responsibility=True, signed_on=dt.date(2026, 11, 21), notice_version=notice,
        categories={OrganisationType.SCHOOL}, form=PDF, actor=personas["school_contact"],
    )  # fmt: skip

    run = ImportRun.objects.create(
        school=county.school_a, kind="ctf", file_name="855-4123.xml",
        created_by=personas["coordinator"],
    )  # fmt: skip
    match = MatchCandidate.objects.create(
        student=student, school=county.school_a, file_name="855-4123.xml", position=2
    )

    rights_request = rights_request_create(
        partnership=county.a, student=student, type=RequestType.ACCESS, details="",
        requester=Requester(RequesterKind.PARENT_CARER, "Sam Example", "sam@example.test"),
        received_via=ReceivedVia.EMAIL, received_on=timezone.localdate(),
        actor=personas["coordinator"],
    )  # fmt: skip

    rectification = rights_request_create(
        partnership=county.a, student=student, type=RequestType.RECTIFICATION, details="",
        requester=Requester(RequesterKind.PARENT_CARER, "Sam Example", "sam@example.test"),
        received_via=ReceivedVia.EMAIL, received_on=timezone.localdate(),
        actor=personas["coordinator"],
    )  # fmt: skip
    correction = correction_propose(
        request=rectification, fact=None, description="The address is out of date.",
        proposed_value="12 New Road", reason="", actor=personas["coordinator"],
    )  # fmt: skip
    concern = concern_raise_public(
        partnership=county.a, name="A Parent", contact="a@example.test",
        what_happened="A letter went to the wrong address.",
    )  # fmt: skip

    report = report_run_create(
        scope=f"partnership:{county.a.pk}",
        document=ReportDocument(
            title="Outcomes report", organisation=county.a.name, scope_label=county.a.name,
            period_label="2026-27", released_at=timezone.now(), released_to="Co-ordinator",
            sections=(),
        ),
        actor=personas["coordinator"],
    )  # fmt: skip

    agreement = DataSharingAgreement.objects.get(organisation=county.provider, partnership=county.a)
    agreement_update(
        agreement=agreement, reference=agreement.reference, signed_on=agreement.signed_on,
        expires_on=agreement.expires_on, document=PDF.content, actor=None,
    )  # fmt: skip

    # A managed move proposed to the other school of A, and a Fair Access case allocated at
    # a panel to which every school of A was invited (ADR 0048).
    move = move_propose(
        student=student, host_school=School.objects.filter(partnership=county.a)
        .exclude(pk=county.school_a.pk).get(), trial_starts_on=timezone.localdate(),
        review_on=None, dual_registration=True, actor=personas["coordinator"],
    )  # fmt: skip
    fair_case = fair_access_case_open(
        partnership=county.a, nc_year=9, excluding_school=county.school_a,
        opened_on=timezone.localdate(), actor=personas["coordinator"],
    )  # fmt: skip
    schools_a = list(School.objects.filter(partnership=county.a))
    panel = panel_record(
        partnership=county.a, held_on=timezone.localdate(), invited=schools_a,
        present=schools_a, actor=personas["coordinator"],
    )  # fmt: skip
    allocation_record(
        case=fair_case, panel=panel, school=schools_a[-1],
        reasons="Its turn in the rota.", actor=personas["coordinator"],
    )  # fmt: skip

    return World(
        kwargs={
            "move": move.pk,
            "fair_access_case": fair_case.pk,
            "organisation": county.provider.pk,
            "agreement": agreement.pk,
            "report_run": report.pk,
            "rights_request": rights_request.pk,
            "rectification": rectification.pk,
            "correction": correction.pk,
            "concern": concern.pk,
            "run_pk": run.pk,
            "match_pk": match.pk,
            "pk": student.pk,
            "slug": county.a.slug,
            "number": notice.number,
            "kind": "eal",
            "need_pk": need.pk,
            "target_pk": target.pk,
            "attachment_pk": attachment.pk,
            "intervention_pk": intervention.pk,
            "placement_pk": plan.pk,
            "timetable_pk": timetable.pk,
            "exclusion_pk": suspension.pk,
            "consent_pk": consent.pk,
            "involvement": involvement.pk,
            "record_type": "pupil_record",
            "student_id": student.pk,
            "fmt": "md",
            "token": "not-a-set-up-link",
            "uidb64": "MQ",
            # Overridden per URL below.
            "consultation": consultation.pk,
            "referral": pending.pk,
        }
    )


def url_for(name: str, pattern, world: World) -> str:
    values = dict(world.kwargs)
    if name.startswith("consultations:"):
        values["pk"] = values["consultation"]
    elif name.startswith("referrals:"):
        values["pk"] = values["referral"]
    elif name == "sharing:involvement_end":
        values["pk"] = values["involvement"]
    elif name.startswith("rights:correction"):
        values["pk"] = values["rectification"]
    elif name.startswith(("rights:", "bundles:")):
        values["pk"] = values["rights_request"]
        values["item"] = 1
    elif name.startswith("concerns:"):
        values["pk"] = values["concern"]
    elif name in ("moves:detail", "moves:agree", "moves:review", "moves:decide"):
        values["pk"] = values["move"]
    elif name.startswith("moves:"):
        values["pk"] = values["fair_access_case"] if name != "moves:propose" else values["pk"]
    elif name.startswith("reports:"):
        values["run_pk"] = values["report_run"]
        values["fmt"] = "csv"
    kwargs = {key: values[key] for key in pattern.pattern.regex.groupindex}
    return reverse(name, kwargs=kwargs)


def test_every_named_url_has_an_expectation():
    names = {name for name, _ in named_urls()}
    assert names - EXPECTED.keys() == set(), "a new view needs a row in EXPECTED"
    assert EXPECTED.keys() - names == set(), "a removed view should leave EXPECTED"


@pytest.mark.promise("P08")
@pytest.mark.parametrize("persona", PERSONAS)
def test_access_matrix(login, personas, world, persona):
    client = login(personas[persona])
    wrong, bugs, fixed = {}, set(), []
    for name, pattern in named_urls():
        url = url_for(name, pattern, world)
        status = client.get(url).status_code
        expected = EXPECTED[name][persona]
        bug = KNOWN_BUGS.get((name, persona))
        if status == expected and bug:
            fixed.append(name)
        elif status != expected and bug:
            bugs.add(bug)
        elif status != expected:
            wrong[name] = f"{url}: got {status}, expected {expected}"
    assert wrong == {}
    assert fixed == [], "fixed: remove these from KNOWN_BUGS"
    if bugs:
        pytest.xfail(" / ".join(sorted(bugs)))


@pytest.mark.promise("P08")
def test_a_key_worker_off_the_case_reads_no_chronology(login, county, world):
    """The chronology is need to know: a key worker of the same partnership who does not
    hold the case sees the record, not its notes or attachments."""
    from seip.accounts.models import Membership, Role
    from seip.accounts.tests.factories import UserFactory

    other = UserFactory(email="other-key-worker@seip.test", full_name="Other Key Worker")
    Membership.objects.create(user=other, role=Role.KEY_WORKER, partnership=county.a)
    client = login(other)
    patterns = dict(named_urls())
    expected = {
        "records:profile": 200,
        "records:chronology": 403,
        "records:note_new": 403,
        "records:attachment": 403,
    }
    got = {name: client.get(url_for(name, patterns[name], world)).status_code for name in expected}
    assert got == expected


# --- the people and administration actions of issue 18, which only POST ------------------
# GET answers 405 on these, so the table above says nothing of who may take them. Each is
# posted by every persona against its own target in partnership A (a pending invitation,
# a key worker's role, an account, an organisation registered with A), so that one
# persona's action cannot spoil the next row's target.

# 302: done (back to the list); 200: done, with a page (the set-up link); 403: refused,
# the persona may see the list; 404: refused, not theirs to know of.
POST_EXPECTED: dict[str, dict[str, int]] = {
    # A co-ordinator manages the people they could have invited (ADR 0031): their
    # partnership's key workers. The administrator gives only county roles, so a key
    # worker's role and invitation are not theirs to change, nor listed for them.
    "accounts:invitation_resend": row(404, coordinator=302),
    "accounts:invitation_revoke": row(404, coordinator=302),
    "accounts:membership_end": row(404, coordinator=302),
    "accounts:enrolment_link": row(404, coordinator=200, admin=200),
    # Closing an account is the administrator's alone.
    "accounts:user_deactivate": row(403, admin=302),
    "organisations:organisation_unregister": row(404, coordinator=302, admin=302),
    "accounts:logout": row(302),
}


@pytest.fixture
def people_world(world, county, personas) -> dict[str, dict[str, int | str]]:
    from seip.accounts.invitations import invitation_send
    from seip.accounts.models import Membership, Role
    from seip.accounts.tests.factories import UserFactory
    from seip.organisations.tests.factories import OrganisationFactory

    def pending(email: str) -> int:
        invitation = invitation_send(
            email=email, full_name="Pending Person", role=Role.KEY_WORKER, partnership=county.a,
            site="http://testserver", actor=personas["coordinator"],
        )  # fmt: skip
        assert invitation is not None
        return invitation.pk

    def key_worker(email: str) -> Membership:
        user = UserFactory(email=email, full_name="Leaving Person")
        return Membership.objects.create(user=user, role=Role.KEY_WORKER, partnership=county.a)

    mentoring = OrganisationFactory(name="Riverside Mentoring", type=OrganisationType.VOLUNTARY)
    mentoring.partnerships.add(county.a)
    return {
        "accounts:invitation_resend": {"pk": pending("resend@seip.test")},
        "accounts:invitation_revoke": {"pk": pending("revoke@seip.test")},
        "accounts:membership_end": {"pk": key_worker("leaver@seip.test").pk},
        "accounts:enrolment_link": {"pk": key_worker("new-phone@seip.test").user_id},
        "accounts:user_deactivate": {"pk": key_worker("closing@seip.test").user_id},
        "organisations:organisation_unregister": {
            "slug": county.a.slug,
            "organisation": mentoring.pk,
        },
        "accounts:logout": {},
    }


def test_every_post_only_people_action_is_in_the_table():
    names = {name for name, _ in named_urls()}
    post_only = {name for name, expected in EXPECTED.items() if set(expected.values()) == {405}}
    people = {n for n in post_only if n.startswith("accounts:") and n != "accounts:backup_codes"}
    assert people | {"organisations:organisation_unregister"} <= POST_EXPECTED.keys() <= names


@pytest.mark.promise("P08")
@pytest.mark.parametrize("persona", PERSONAS)
def test_people_actions_matrix(login, personas, people_world, persona):
    client = login(personas[persona])
    got = {}
    # Sign-out last: it ends the session the other rows need.
    for name, kwargs in people_world.items():
        got[name] = client.post(reverse(name, kwargs=kwargs)).status_code
    assert got == {name: expected[persona] for name, expected in POST_EXPECTED.items()}
