"""The record of processing activities (UK GDPR Article 30), built from the live
configuration (P24).

Nothing here is typed in twice: the controller and contacts come from the partnership,
the recipients from its partner organisations and agreements, the retention periods from
its live schedule, and the categories of personal data from the installed models.
``MODEL_CATEGORIES`` and ``NOT_PERSONAL`` together must name every installed model (a test
checks), so a new table cannot enter the system without a line in the record.
"""

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.apps import apps
from django.db.models import Q
from django.utils import timezone

from seip.accounts.models import SingleSignOn
from seip.core.spreadsheets import safe_row
from seip.organisations.models import OrganisationType, Partnership
from seip.retention.schedule import fixed_entries, schedule_for


@dataclass(frozen=True)
class DataCategory:
    label: str
    subjects: str
    special: str = ""  # the Article 9 / DPA 2018 Schedule 1 condition, if special category


ART9_SAFEGUARDING = (
    "Special category (health): Article 9(2)(g) substantial public interest, DPA 2018 "
    "Schedule 1 paragraphs 6 (statutory and government purposes) and 18 (safeguarding of "
    "children and of individuals at risk)"
)
ART9_SEN = (
    "Special category (health, special educational needs): Article 9(2)(g) substantial "
    "public interest, DPA 2018 Schedule 1 paragraph 6 (statutory and government purposes)"
)

CATEGORIES: dict[str, DataCategory] = {
    "identity": DataCategory(
        "Identity and school: name, UPN, date of birth, sex, year group, school on roll, "
        "ethnicity (special category, from the school census; reported as major groups only)",
        "Young people referred to the partnership",
    ),
    "referral": DataCategory(
        "Referral: reasons, support tried, attendance and behaviour summaries",
        "Young people referred to the partnership",
    ),
    "family": DataCategory(
        "Parents and carers: name, relationship, parental responsibility, contact details, "
        "signatures on consent",
        "Parents and carers",
    ),
    "consent": DataCategory(
        "Consent to share, per category of organisation, with the notice version shown",
        "Parents and carers; young people",
    ),
    "needs": DataCategory(
        "Needs and circumstances: SEN provision and type of need, English as an additional "
        "language, looked-after status, free school meals",
        "Young people referred to the partnership",
        ART9_SEN,
    ),
    "casework": DataCategory(
        "Casework: cases, support plans and targets, case notes and attachments, agencies "
        "involved, reviews (with the young person's and parent's views), paper-file register",
        "Young people; parents and carers; workers named in notes",
        ART9_SAFEGUARDING,
    ),
    "safeguarding": DataCategory(
        "Safeguarding concerns and break-glass access to them",
        "Young people; staff who opened a concern",
        ART9_SAFEGUARDING,
    ),
    "education": DataCategory(
        "Attendance, behaviour incidents, suspensions and exclusions, attitude ratings, "
        "attainment results",
        "Young people referred to the partnership",
    ),
    "provision": DataCategory(
        "Interventions, alternative provision placements and their reviews, costs",
        "Young people referred to the partnership",
    ),
    "moves": DataCategory(
        "Managed moves (home and host school, trial dates, the family's agreement with the "
        "notice version shown, review and decision), the school on roll over time, and Fair "
        "Access allocations (panel, school, reasons, dates), held without identifiers until "
        "a parent signs a referral form and then linked to it (ADR 0048)",
        "Young people referred to the partnership; parents and carers who agreed",
    ),
    "sharing": DataCategory(
        "Who works with the young person, and every disclosure of their record",
        "Young people; staff of partner organisations",
    ),
    "rights": DataCategory(
        "Data protection rights requests: requester, checks made, the child's view",
        "Young people; parents, carers and representatives who ask",
    ),
    "concerns": DataCategory(
        "Data-protection concerns: the name of the person raising it, how to reply, what "
        "happened, and the DPO's acknowledgement and response",
        "Anyone who raises a data-protection concern",
    ),
    "retention": DataCategory(
        "Legal holds on records, with the reason",
        "Young people",
    ),
    "users": DataCategory(
        "Accounts: name, email, role, second-factor devices, sign-in attempts, sessions; "
        "partnership contact names",
        "Partnership staff, partner organisations' staff, families using the portal",
    ),
    "audit": DataCategory(
        "Audit trail: who did what to which record and when (ids only, never content)",
        "Users of the system",
    ),
}

#: Every installed model holding personal data, and its category.
MODEL_CATEGORIES: dict[str, str] = {
    "referrals.Referral": "identity",
    "students.Student": "identity",
    "referrals.Carer": "family",
    "records.Contact": "family",
    "progress.PortalLink": "family",
    "referrals.Consent": "consent",
    "referrals.ConsentGrant": "consent",
    "records.Need": "needs",
    "students.Case": "casework",
    "students.PaperFile": "casework",
    "records.SupportPlan": "casework",
    "records.Target": "casework",
    "records.CaseNote": "casework",
    "records.NoteAttachment": "casework",
    "records.StudentAgency": "casework",
    "progress.Review": "casework",
    "records.SafeguardingConcern": "safeguarding",
    "records.BreakGlassAccess": "safeguarding",
    "attendance.AttendanceYear": "education",
    "behaviour.Incident": "education",
    "behaviour.Exclusion": "education",
    "behaviour.AttitudeRating": "education",
    "behaviour.AttainmentResult": "education",
    "imports.ImportRun": "education",
    "imports.MatchCandidate": "identity",
    "provision.Intervention": "provision",
    "provision.Placement": "provision",
    "provision.PlacementReview": "provision",
    "moves.ManagedMove": "moves",
    "moves.RollChange": "moves",
    "moves.FairAccessCase": "moves",
    "moves.Allocation": "moves",
    "placements.APPlacement": "provision",
    "placements.PlacementCheck": "provision",
    "placements.PartTimeTimetable": "provision",
    "placements.SuspensionFollowUp": "education",
    "sharing.Involvement": "sharing",
    "sharing.Disclosure": "sharing",
    "rights.RightsRequest": "rights",
    "rights.ClockPause": "rights",
    "rights.ProposedCorrection": "rights",
    "rights.RectificationNotice": "rights",
    "rights.Restriction": "rights",
    "bundles.AccessBundle": "rights",
    "bundles.FlaggedItem": "rights",
    "concerns.Concern": "concerns",
    "retention.LegalHold": "retention",
    "accounts.User": "users",
    "accounts.Membership": "users",
    "organisations.Partnership": "users",
    "otp_totp.TOTPDevice": "users",
    "otp_static.StaticDevice": "users",
    "otp_static.StaticToken": "users",
    "accounts.AuthenticatorDevice": "users",
    "accounts.BackupCodeDevice": "users",
    "accounts.BackupCode": "users",
    "accounts.EmailCodeDevice": "users",
    "accounts.EnrolmentToken": "users",
    "accounts.SignInThrottle": "users",
    "accounts.ProviderMFADevice": "users",
    # Staff's email choices and a record of each email sent them: no child in either.
    "notifications.Preferences": "users",
    "notifications.SentMessage": "users",
    "axes.AccessAttempt": "users",
    "axes.AccessAttemptExpiration": "users",
    "axes.AccessLog": "users",
    "axes.AccessFailureLog": "users",
    "sessions.Session": "users",
    "audit.AuditEvent": "audit",
    "audit.AnonymousEvent": "audit",
}

#: Installed models that hold no personal data, and why.
NOT_PERSONAL: dict[str, str] = {
    "auth.Permission": "framework table",
    "placements.Provider": "an alternative provider's URN, UKPRN and registration",
    "placements.QualityVisit": "dates of quality-assurance visits to a provider",
    "auth.Group": "framework table",
    "contenttypes.ContentType": "framework table",
    "django_tasks_database.DBTaskResult": "background task state; arguments are ids",
    "audit.ChainHead": "the end of the hash chain",
    "audit.AuditCheckpoint": "signed hashes of the chain",
    "organisations.LocalAuthority": "organisation",
    "organisations.PartnerOrganisation": "organisation (shared mailboxes and keys)",
    "organisations.School": "organisation",
    "organisations.DataSharingAgreement": "agreement between organisations",
    "accounts.SingleSignOn": "an organisation's sign-in provider (secret sealed)",
    "notices.NoticeConfiguration": "privacy notice wording",
    "notices.NoticeVersion": "published privacy notice",
    "consultations.Consultation": "anonymous advice log: no identifying field",
    "records.NeedCode": "DfE code list",
    "records.ConcernCategory": "code list",
    "keys.DataKey": "wrapped key material and random ids",
    "imports.ColumnMapping": "column headings of a school's MIS export",
    "retention.Erasure": "erasure tombstone: ids, ground and counts only",
    "retention.Disposal": "disposal log: ids and dates only",
    "retention.RetentionRule": "retention periods",
    "moves.Panel": "a Fair Access panel: its date and the schools invited and present",
    "reports.Release": "released aggregate tables: categories and numbers, never a student",
    "reports.DisclosurePolicy": "a partnership's disclosure-control thresholds",
    "reports.ReportRun": "published report figures after disclosure control, and who asked",
}

PURPOSES = [
    "Supporting young people at risk of exclusion: referral, assessment, casework and "
    "alternative provision",
    "Safeguarding children and young people",
    "Keeping young people on a school's roll: managed moves between the partnership's "
    "schools, and the Fair Access Protocol's allocation of a school, which names no child "
    "until a parent signs the referral form",
    "Working with the organisations involved with a young person, within the family's "
    "consent for each category of organisation",
    "Reviewing progress and reporting it to the school, the family and the local authority",
    "Answering data protection rights requests and concerns",
]

LAWFUL_BASIS = [
    "Article 6(1)(e) public task: the partnership's statutory education and inclusion "
    "functions, exercised with and for the local authority and schools",
    "Article 9(2)(g) substantial public interest, for special category data (health, "
    "special educational needs, ethnicity), with DPA 2018 Schedule 1 conditions: "
    "paragraph 6 (statutory and government purposes) and paragraph 18 (safeguarding of "
    "children and of individuals at risk); an appropriate policy document is required",
    "Consent to share is recorded per category of organisation as a safeguard and a "
    "condition of sharing, not as the lawful basis: there is no general right to erasure "
    "(Article 17(3)(b)), and portability is offered as a voluntary service",
]

SECURITY = [
    "Encryption at rest of case notes, safeguarding concerns, attachments and signed "
    "referral scans: AES-256-GCM under a data key per young person (ADR 0012)",
    "Crypto-shredding on erasure and disposal: destroying the key makes every copy of the "
    "encrypted content, in backups too, unreadable",
    "Data keys wrapped under master keys held outside the database, with a key store "
    "kept out of backups",
    "Two-factor sign-in for every account: TOTP or backup codes for staff and partners, "
    "an emailed code for families; second factors added only through a one-time set-up "
    "link or when already signed in; TOTP keys encrypted and codes stored as keyed "
    "digests; repeated failures lock one account from one address and slow it elsewhere",
    "Scoped access by role, partnership, consent and involvement; default deny",
    "Append-only, hash-chained audit trail of changes, reads and disclosures, with signed "
    "checkpoints that can be verified offline",
    "Sessions end after 30 minutes idle; HSTS and a strict Content Security Policy",
    "Transfer packages encrypted to the recipient, signed, checksummed and receipted",
]


@dataclass
class Ropa:
    partnership: Partnership
    generated_on: dt.date
    sections: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


#: Plural names Django cannot guess.
PLURALS = {
    "records.BreakGlassAccess": "Break-glass accesses",
    "otp_totp.TOTPDevice": "TOTP devices",
}


def _model_label(label: str) -> str:
    if label in PLURALS:
        return PLURALS[label]
    model = apps.get_model(label)
    return str(model._meta.verbose_name_plural).capitalize()


def categories_in_use() -> dict[str, list[str]]:
    """The categories of personal data held, with the tables that hold them, from the
    models actually installed."""
    installed = {model._meta.label for model in apps.get_models()}
    found: dict[str, list[str]] = defaultdict(list)
    for label, category in MODEL_CATEGORIES.items():
        if label in installed:
            found[category].append(_model_label(label))
    return {key: found[key] for key in CATEGORIES if key in found}


def build_ropa(partnership: Partnership, *, today: dt.date | None = None) -> Ropa:
    """The Article 30(1) record of ``partnership``, as sections of (item, detail) rows."""
    day = today or timezone.localdate()
    p = partnership
    ropa = Ropa(partnership=p, generated_on=day)
    ropa.sections["Controller"] = [
        ("Controller", p.name),
        ("Local authority", p.local_authority.name),
        ("Address", " ".join(p.address.split())),
        ("Contact", f"{p.email}, {p.phone}"),
        ("Co-ordinator", f"{p.coordinator_name}, {p.coordinator_email}, {p.coordinator_phone}"),
        ("Data protection officer", f"{p.dpo_name}, {p.dpo_email}"),
        ("How to reach the DPO", p.dpo_route),
    ]
    ropa.sections["Purposes of processing"] = [
        (f"Purpose {n}", text) for n, text in enumerate(PURPOSES, 1)
    ]
    ropa.sections["Lawful basis"] = [(f"Basis {n}", text) for n, text in enumerate(LAWFUL_BASIS, 1)]
    ropa.sections["Categories of data subjects and personal data"] = [
        (
            CATEGORIES[key].label,
            f"Subjects: {CATEGORIES[key].subjects}. Held in: {', '.join(tables)}."
            + (f" {CATEGORIES[key].special}." if CATEGORIES[key].special else ""),
        )
        for key, tables in categories_in_use().items()
    ]
    ropa.sections["Recipients"] = _recipients(p, day)
    ropa.sections["Transfers"] = _transfers(p)
    schedule = schedule_for(p)
    ropa.sections["Retention"] = [
        (
            rule.label,
            f"{rule.description}; then {'review' if rule.action == 'review' else 'disposal'}"
            + (" (set by the partnership)" if rule.overridden else " (default)"),
        )
        for rule in schedule.values()
    ] + [(entry.label, entry.period) for entry in fixed_entries()]
    ropa.sections["Security measures"] = [
        (f"Measure {n}", text) for n, text in enumerate(SECURITY, 1)
    ] + _single_sign_on(p)
    return ropa


def _single_sign_on(p: Partnership) -> list[tuple[str, str]]:
    """Which of the partnership's organisations sign in through their own OpenID Connect
    provider, and whether that provider's MFA stands in for SEIP's second factor (ADR
    0033): the DPO must see where the second factor is checked."""
    configs = SingleSignOn.objects.filter(
        Q(organisation__partnerships=p) | Q(organisation__school__partnership=p), enabled=True
    ).select_related("organisation")
    rows = []
    for config in sorted(set(configs), key=lambda c: c.organisation.name):
        host = urlsplit(config.issuer).hostname or config.issuer
        factor = (
            "the provider's MFA counts as SEIP's second factor (the sign-in is refused "
            f"unless the provider's {config.mfa_claim} claim says MFA was used)"
            if config.trust_provider_mfa
            else "SEIP's own second factor is still asked for"
        )
        rows.append(
            (
                f"Single sign-on: {config.organisation.name}",
                f"Staff with {', '.join(config.domain_list)} addresses may sign in to the "
                f"accounts they were invited to through {host}; {factor}",
            )
        )
    return rows


NO_AGREEMENT = "no data-sharing agreement: receives nothing"


def _recipients(p: Partnership, day: dt.date) -> list[tuple[str, str]]:
    rows = [
        (school.name, f"School in the partnership (URN {school.urn})")
        for school in p.schools.order_by("name")
    ]
    agreements: dict[int, list[str]] = defaultdict(list)
    for agreement in p.agreements.order_by("expires_on"):
        state = "current" if agreement.is_current(day) else "not current"
        agreements[agreement.organisation_id].append(
            f"agreement {agreement.reference} expires {agreement.expires_on:%Y-%m-%d} ({state})"
        )
    for org in p.partner_organisations.exclude(type=OrganisationType.SCHOOL).order_by(
        "type", "name"
    ):
        terms = "; ".join(agreements.get(org.pk, [])) or NO_AGREEMENT
        rows.append((org.name, f"{OrganisationType(org.type).label}; {terms}"))
    return rows


def _transfers(p: Partnership) -> list[tuple[str, str]]:
    receivers = [
        org.name for org in p.partner_organisations.exclude(age_recipient="").order_by("name")
    ]
    return [
        (
            "Outside the UK",
            "None made by the system: packages go only to the partnership's registered "
            "organisations. Where the service and its backups are hosted is a deployment "
            "fact to state here (see docs/operations.md).",
        ),
        (
            "Secure transfer packages",
            "Records move between organisations as packages encrypted (age, X25519) to the "
            "recipient's key, signed (Ed25519) by the partnership, checksummed and receipted"
            + ("" if p.signing_public_key else "; this partnership has no signing key yet"),
        ),
        ("Organisations able to receive packages", ", ".join(receivers) or "None yet"),
    ]


def to_markdown(ropas: list[Ropa]) -> str:
    out: list[str] = []
    for ropa in ropas:
        out.append(f"# Record of processing activities: {ropa.partnership.name}\n")
        out.append(
            f"UK GDPR Article 30. Generated from the live configuration on "
            f"{ropa.generated_on:%Y-%m-%d}.\n"
        )
        for heading, rows in ropa.sections.items():
            out.append(f"## {heading}\n")
            out.append("| Item | Detail |\n|---|---|")
            out.extend(f"| {_cell(item)} | {_cell(detail)} |" for item, detail in rows)
            out.append("")
    return "\n".join(out)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_csv(ropas: list[Ropa]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["partnership", "section", "item", "detail"])
    for ropa in ropas:
        for heading, rows in ropa.sections.items():
            for item, detail in rows:
                # Organisation names are typed by people: none may start a formula.
                writer.writerow(safe_row([ropa.partnership.slug, heading, item, detail]))
    return buffer.getvalue()
