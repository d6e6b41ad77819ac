"""The documented shape of an access or portability export (P18, P21).

One table per section: ``record.json`` holds every section as a list of objects, and the
zip holds one CSV per section with these columns in this order. ``docs/export-schema.md``
describes the same tables (a test keeps the two in step), and ``README.txt`` in every
export is generated from here.
"""

from dataclasses import dataclass

SCHEMA_VERSION = "1"

#: Said in the export when it answers a portability request (privacy-law notes: the legal
#: right covers only consent and contract processing; the partnership relies on public task).
PORTABILITY_NOTICE = (
    "A voluntary service: the partnership processes this information under public task "
    "(UK GDPR Article 6(1)(e)), where the right to data portability does not apply "
    "(Article 20(3)); it is provided anyway, in a documented, machine-readable format."
)
ACCESS_NOTICE = (
    "A copy of the information the partnership holds about the child, given under the "
    "right of access (UK GDPR Article 15)."
)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    meaning: str


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    meaning: str
    columns: tuple[Column, ...]
    #: Free text that may name another person: every one is scanned for names
    #: (``redaction.flags_for``), and a redaction replaces it (the first column gets the
    #: replacement text, the others "[redacted]"). A new free-text column belongs here.
    redactable: tuple[str, ...] = ()
    #: Long free text: laid out as paragraphs in the PDF, not table cells.
    long_text: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]


def _c(spec: str) -> tuple[Column, ...]:
    """Columns from lines of ``name: type: meaning``."""
    columns = []
    for line in filter(None, (line.strip() for line in spec.splitlines())):
        name, type_, meaning = (part.strip() for part in line.split(":", 2))
        columns.append(Column(name, type_, meaning))
    return tuple(columns)


_SOURCE = """
source: text: where the fact came from (the school, the partnership, an agency, the family)
obtained_on: date: when it was obtained
"""

TABLES: tuple[Table, ...] = (
    Table(
        "student",
        "The student",
        "Who the record is about.",
        _c("""
id: integer: the student's id in SEIP
first_name: text: first name
last_name: text: last name
date_of_birth: date: date of birth
sex: text: sex as recorded by the school
upn: text: unique pupil number
nc_year: integer: national curriculum year
ethnicity: text: DfE main ethnicity code from the school's census data, if known
school: text: the school
school_urn: text: the school's unique reference number
partnership: text: the partnership that holds the record
archived_at: datetime: when the student left the partnership's work, if they have
"""),
    ),
    Table(
        "referral",
        "The referral",
        "The school's referral to the partnership.",
        _c("""
id: integer: the referral's id
school: text: the referring school
status: text: the referral's status
reasons: text: reasons for referral and concerns
support_tried: text: support the school had already tried
attendance_summary: text: the school's summary of attendance
behaviour_summary: text: the school's summary of behaviour
requested_tier: integer: the tier of support asked for
signed_at: datetime: when the school signed the referral
decided_at: datetime: when the partnership decided
decline_reason: text: why it was declined, if it was
"""),
        redactable=(
            "reasons",
            "support_tried",
            "attendance_summary",
            "behaviour_summary",
            "decline_reason",
        ),
        long_text=("reasons", "support_tried"),
    ),
    Table(
        "carers",
        "Parents and carers on the referral",
        "As the school gave them.",
        _c("""
id: integer: the carer's id
name: text: name
relationship: text: relationship to the child
parental_responsibility: boolean: holds parental responsibility
phone: text: phone number
email: text: email address
"""),
        redactable=("name", "phone", "email"),
    ),
    Table(
        "consents",
        "Consents and the privacy notice shown",
        "Each signed consent.",
        _c("""
id: integer: the consent's id
signed_by: text: who signed
relationship: text: their relationship to the child
parental_responsibility: boolean: they hold parental responsibility
signed_on: date: the date signed
notice_version: integer: the number of the privacy notice version they were shown
notice_title: text: that notice's title
notice_published_at: datetime: when that notice version was published
notice_sha256: text: SHA-256 of that notice's exact text, to match the published copy
choices: text: the sharing choices made (JSON)
form_file: text: path of the signed form inside the zip
"""),
    ),
    Table(
        "consent_grants",
        "Sharing consent by kind of organisation",
        "",
        _c("""
id: integer: the grant's id
consent_id: integer: the consent it came from
category: text: the kind of organisation information may be shared with
granted_at: datetime: when consent was given
withdrawn_at: datetime: when consent was withdrawn, if it was
"""),
    ),
    Table(
        "cases",
        "Cases",
        "Each time the partnership worked with the child.",
        _c("""
id: integer: the case's id
status: text: status
tier: integer: tier of support
key_worker: text: the key worker
opened_at: datetime: opened
closed_at: datetime: closed
outcome: text: outcome
destination: text: where the student went next
risk_assessment_on: date: date of the risk assessment
risk_assessment_summary: text: the risk assessment's summary
"""),
        redactable=("risk_assessment_summary",),
    ),
    Table(
        "needs",
        "Needs, with their history",
        "Every value ever recorded.",
        _c(f"""
id: integer: the row's id
kind: text: kind of need
value: text: the value
current: boolean: true for the current value; false for a value since replaced
recorded_at: datetime: when this value was recorded
superseded_at: datetime: when it was replaced
correction_reason: text: why, when this row corrected an earlier value
verified_on: date: when it was last checked
{_SOURCE}"""),
        redactable=("correction_reason",),
    ),
    Table(
        "contacts",
        "Contacts",
        "People to contact about the child.",
        _c(f"""
id: integer: the contact's id
name: text: name
relationship: text: relationship to the child
parental_responsibility: boolean: holds parental responsibility
phone: text: phone number
email: text: email address
address: text: postal address
priority: integer: order of contact (1 first)
verified_on: date: when last checked
{_SOURCE}"""),
        redactable=("name", "phone", "email", "address"),
    ),
    Table(
        "agencies",
        "Agencies involved",
        "",
        _c(f"""
id: integer: the row's id
agency: text: the agency
worker: text: the worker's name
role: text: the worker's role
since: date: from
until: date: to
verified_on: date: when last checked
{_SOURCE}"""),
    ),
    Table(
        "targets",
        "Support plan targets",
        "Targets of every support plan.",
        _c("""
id: integer: the target's id
plan_id: integer: the support plan
plan_created_at: datetime: when that plan was made
domain: text: area
description: text: the target
measure: text: how we will know it is met
due_on: date: due date
status: text: status
"""),
        redactable=("description", "measure"),
    ),
    Table(
        "case_notes",
        "Chronology",
        "The partnership's case notes, oldest first.",
        _c("""
id: integer: the note's id
date: date: when it happened
kind: text: kind of contact
author: text: who wrote it
text: text: the note
attachments: text: paths of its files inside the zip, separated by semicolons
"""),
        redactable=("text",),
        long_text=("text",),
    ),
    Table(
        "attachments",
        "Files attached to notes",
        "Stored in attachments/.",
        _c("""
id: integer: the file's id
note_id: integer: the case note it belongs to
file: text: path inside the zip
name: text: original file name
content_type: text: media type
size: integer: size in bytes
sha256: text: SHA-256 of the file as stored
"""),
    ),
    Table(
        "safeguarding_concerns",
        "Safeguarding concerns",
        "",
        _c("""
id: integer: the concern's id
raised_on: date: date of the concern
category: text: category
raised_by: text: who raised it
details: text: what happened
actions_taken: text: what was done
"""),
        redactable=("details", "actions_taken"),
        long_text=("details", "actions_taken"),
    ),
    Table(
        "attendance_years",
        "Attendance by school year",
        "",
        _c(f"""
id: integer: the row's id
academic_year: integer: the year starting in September of this year
school: text: the school
possible: integer: possible sessions
present: integer: sessions present
approved: integer: approved educational activity
authorised: integer: authorised absences
unauthorised: integer: unauthorised absences
percent: decimal: attendance (present and approved, out of possible)
marks: text: the day-by-day marks, two characters a day from 1 September
{_SOURCE}"""),
    ),
    Table(
        "incidents",
        "Behaviour incidents",
        "",
        _c(f"""
id: integer: the incident's id
occurred_on: date: date
category: text: category
severity: text: severity
description: text: short description
{_SOURCE}"""),
        redactable=("description",),
    ),
    Table(
        "exclusions",
        "Suspensions and exclusions",
        "",
        _c(f"""
id: integer: the row's id
kind: text: suspension or permanent exclusion
school: text: the school
start_date: date: first day
sessions: integer: sessions missed
reasons: text: DfE reasons, separated by semicolons
{_SOURCE}"""),
    ),
    Table(
        "attitude_ratings",
        "Attitude ratings (1 to 5)",
        "",
        _c(f"""
id: integer: the row's id
rated_on: date: date rated
engagement: integer: engagement
relationships: integer: relationships
self_regulation: integer: self-regulation
attitude_to_learning: integer: attitude to learning
{_SOURCE}"""),
    ),
    Table(
        "attainment_results",
        "Attainment",
        "",
        _c(f"""
id: integer: the row's id
subject: text: subject
assessed_on: date: date of the assessment point
assessment: text: the assessment point
scale: text: grading scale
grade: text: grade
target_grade: text: target grade
{_SOURCE}"""),
    ),
    Table(
        "interventions",
        "Provision and its costs",
        "",
        _c(f"""
id: integer: the row's id
type: text: type of provision
description: text: description
provider: text: who provides it
start_date: date: start
end_date: date: end
sessions_planned: integer: sessions planned
sessions_attended: integer: sessions attended
total_cost: decimal: total cost in pounds
funding_stream: text: how it is funded
placement_site: text: for an alternative provision placement, the site
placement_days_per_week: decimal: days a week at the placement
{_SOURCE}"""),
        redactable=("description",),
    ),
    Table(
        "placement_reviews",
        "Placement reviews",
        "",
        _c(f"""
id: integer: the review's id
intervention_id: integer: the placement's provision row
reviewed_on: date: date
attendance_percent: decimal: attendance at the placement
summary: text: summary
next_steps: text: next steps
{_SOURCE}"""),
        redactable=("summary", "next_steps"),
        long_text=("summary", "next_steps"),
    ),
    Table(
        "reviews",
        "Progress reviews",
        "",
        _c("""
id: integer: the review's id
held_on: date: date held
attendance_progress: text: progress in attendance
behaviour_progress: text: progress in attitude and behaviour
attainment_progress: text: progress in school subjects
student_view: text: the student's view
parent_view: text: the parent or carer's view
next_steps: text: next steps
"""),
        redactable=(
            "attendance_progress",
            "behaviour_progress",
            "attainment_progress",
            "student_view",
            "parent_view",
            "next_steps",
        ),
        long_text=(
            "attendance_progress",
            "behaviour_progress",
            "attainment_progress",
            "student_view",
            "parent_view",
            "next_steps",
        ),
    ),
    Table(
        "involvements",
        "Organisations involved (sharing)",
        "",
        _c("""
id: integer: the row's id
organisation: text: the organisation
purpose: text: why it is involved
starts_on: date: from
ends_on: date: to
"""),
        redactable=("purpose",),
    ),
    Table(
        "disclosures",
        "Disclosure log",
        "Each time information left the partnership.",
        _c("""
id: integer: the row's id
at: datetime: when
organisation: text: who received it
kind: text: how (viewed, downloaded, sent a transfer...)
purpose: text: why
"""),
        redactable=("purpose",),
    ),
    Table(
        "access_log",
        "Access log",
        "Who looked at the record, and when.",
        _c("""
at: datetime: when
who: text: the person (staff names are given: they act in their professional role)
role: text: their role
organisation: text: the partnership or organisation they act for
what: text: which part of the record was read
"""),
    ),
    Table(
        "rights_requests",
        "Rights requests",
        "Requests made about the record.",
        _c("""
id: integer: the request's id
type: text: type of request
received_on: date: when received
status: text: status
closed_on: date: when answered
"""),
    ),
    Table(
        "paper_files",
        "Paper files returned",
        "",
        _c("""
id: integer: the row's id
description: text: what the file was
returned_to: text: the school it went back to
returned_on: date: when
received_by: text: who received it
"""),
        redactable=("description",),
    ),
)

TABLE_BY_KEY = {table.key: table for table in TABLES}
