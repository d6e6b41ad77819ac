"""What each role can do next, for the home page.

Built from the user's roles and a handful of aggregate queries, so the page costs the
same number of queries however many schools or organisations a county has.
"""

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse

from seip.accounts.models import EXTERNAL_ROLES, PARTNERSHIP_ROLES, Role, User
from seip.concerns.selectors import open_concern_counts
from seip.organisations.models import Partnership, School
from seip.organisations.selectors import agreement_summary, partnerships_visible_to
from seip.referrals.selectors import awaiting_decision
from seip.rights.selectors import attention_counts
from seip.students.selectors import students_visible_to
from seip.tasks.selectors import Task, has_tasks, record_tasks_read, tasks_for

#: How many tasks the home page lists before linking to the rest.
HOME_TASKS = 5


@dataclass(frozen=True)
class Step:
    title: str
    href: str
    description: str


@dataclass(frozen=True)
class TaskSummary:
    shown: bool  # the user's roles hold tasks
    count: int
    overdue: int
    top: list[Task]


def task_summary(request: HttpRequest) -> TaskSummary:
    """The home page leads with the user's tasks: how many, and the soonest due. The tasks
    shown may name children, so the page records them as a list read (P14)."""
    user: User = request.user  # type: ignore[assignment]
    tasks = tasks_for(user)
    top = tasks[:HOME_TASKS]
    record_tasks_read(request, top, part="home_tasks")
    return TaskSummary(
        shown=has_tasks(user),
        count=len(tasks),
        overdue=sum(task.overdue for task in tasks),
        top=top,
    )


def next_steps(user: User, partnership: Partnership | None) -> list[Step]:
    roles = user.roles
    steps: list[Step] = []
    steps.extend(_casework_steps(user, partnership))
    if partnership is not None:
        page = reverse("organisations:partnership", args=[partnership.slug])
        if roles & PARTNERSHIP_ROLES or Role.SYSTEM_ADMIN in roles:
            school_count = School.objects.filter(partnership=partnership).count()
            steps.append(
                Step(
                    "Schools in the partnership",
                    f"{page}#schools",
                    f"{school_count} member schools, with their URN and LAESTAB.",
                )
            )
        if roles & {Role.COORDINATOR, Role.DPO, Role.SYSTEM_ADMIN}:
            counts = agreement_summary(partnership)
            steps.append(
                Step(
                    "Check data-sharing agreements",
                    f"{page}#agreements",
                    f"{counts['current']} current, {counts['expiring']} expiring within 60 days, "
                    f"{counts['expired']} expired. An organisation without a current agreement "
                    "will receive nothing.",
                )
            )
        if Role.DPO in roles:
            unanswered, overdue = open_concern_counts(user)
            steps.append(
                Step(
                    "Data-protection concerns",
                    reverse("concerns:list"),
                    f"{unanswered} not yet answered, {overdue} past the 30 days to acknowledge.",
                )
            )
        if Role.COORDINATOR in roles:
            steps.append(
                Step(
                    "Managed moves",
                    reverse("moves:list"),
                    "Trials at a host school: the family's agreement, the review and the decision.",
                )
            )
            steps.append(
                Step(
                    "Fair Access",
                    reverse("moves:fair_access"),
                    "Panels, allocations and admissions per school, held without naming "
                    "the child until a parent signs a referral form.",
                )
            )
        if roles & {Role.COORDINATOR, Role.DPO}:
            steps.append(
                Step(
                    "Retention, legal holds and the record of processing",
                    reverse("retention:schedule", args=[partnership.slug]),
                    "How long each kind of record is kept, what has been disposed of or "
                    "erased, and the Article 30 record generated from your live settings.",
                )
            )
            steps.append(
                Step(
                    "Edit and publish the privacy notice",
                    reverse("notices:edit", args=[partnership.slug]),
                    "The fair processing notice families are given, rendered from your "
                    "partnership's live details. Each published version is kept.",
                )
            )
            steps.append(
                Step(
                    "Check the details families see",
                    page,
                    "Your partnership's name, contact details, co-ordinator and DPO route fill "
                    "the top of the privacy statement families are given.",
                )
            )
        if roles & {Role.SCHOOL_CONTACT, Role.PROVIDER_CONTACT, Role.AGENCY_CONTACT}:
            steps.append(
                Step(
                    "Contact the partnership",
                    page,
                    f"Reach {partnership.coordinator_name}, the co-ordinator, "
                    "and see the member schools.",
                )
            )
        if roles & {Role.PARENT_CARER, Role.STUDENT}:
            steps.append(
                Step(
                    "How we use information about you"
                    if roles == {Role.STUDENT}
                    else "How we use information about your child",
                    reverse("notices:notice", args=[partnership.slug]),
                    "The partnership's privacy notice, which you can print.",
                )
            )
            steps.append(
                Step(
                    "Who to contact",
                    page,
                    "How to reach the co-ordinator, ask to see your records, or raise a concern "
                    "with the Data Protection Officer.",
                )
            )
    if Role.SYSTEM_ADMIN in roles:
        steps.append(
            Step(
                "Administration",
                reverse("organisations:manage"),
                "Add and change partnerships, schools, partner organisations and their "
                "data-sharing agreements.",
            )
        )
    elif Role.COORDINATOR in roles and partnership is not None:
        steps.append(
            Step(
                "Manage your partnership",
                reverse("organisations:manage"),
                "Your partnership's details and logo, the organisations registered with it, "
                "and its data-sharing agreements.",
            )
        )
    if roles & {Role.LA_OFFICER, Role.SYSTEM_ADMIN}:
        count = partnerships_visible_to(user).count()
        steps.append(
            Step(
                "Partnerships in the county",
                reverse("organisations:partnership_list"),
                f"{count} partnerships, with their schools and contacts.",
            )
        )
    family_only = bool(roles) and roles <= {Role.PARENT_CARER, Role.STUDENT}
    steps.append(
        Step(
            "Your account",
            reverse("accounts:account"),
            # Families sign in with a code sent by email: no authenticator, no roles to read.
            "Your email address, your password and how you sign in."
            if family_only
            else "Your roles, your second factor and your backup codes.",
        )
    )
    return steps


def _casework_steps(user: User, partnership: Partnership | None) -> list[Step]:
    roles = user.roles
    steps: list[Step] = []
    if Role.SCHOOL_CONTACT in roles:
        steps.append(
            Step(
                "Start a referral",
                reverse("referrals:new"),
                "Draft a referral for a pupil on your roll. The partnership sees it only once a "
                "parent or carer has signed the referral form.",
            )
        )
        steps.append(
            Step(
                "Your school's referrals", reverse("referrals:list"), "Drafts, signed and decided."
            )
        )
    if roles & {Role.SCHOOL_CONTACT, Role.COORDINATOR, Role.SAFEGUARDING_LEAD}:
        steps.append(
            Step(
                "Import school data",
                reverse("imports:upload"),
                "Upload a Common Transfer File or an MIS export. Only referred pupils are "
                "imported; every other pupil is counted and nothing about them is kept.",
            )
        )
    if roles & {Role.SCHOOL_CONTACT, Role.COORDINATOR, Role.LA_OFFICER}:
        steps.append(
            Step(
                "Outcome reports",
                reverse("reports:index"),
                "Termly and annual outcomes that identify no one, as a page, PDF or spreadsheet.",
            )
        )
    if partnership is not None and Role.COORDINATOR in roles:
        waiting = awaiting_decision(partnership).count()
        steps.append(
            Step(
                "Referrals awaiting your decision",
                reverse("referrals:list"),
                f"{waiting} signed referral{'s' if waiting != 1 else ''} to accept or decline.",
            )
        )
    if partnership is not None and roles & (
        PARTNERSHIP_ROLES | {Role.SCHOOL_CONTACT, Role.SYSTEM_ADMIN}
    ):
        steps.append(
            Step(
                "Pre-referral consultations",
                reverse("consultations:list"),
                "Record advice from the Inclusion Forum, surgeries and panels. Nothing that "
                "identifies a child is kept before the referral form is signed.",
            )
        )
    if roles & {Role.COORDINATOR, Role.KEY_WORKER}:
        steps.append(
            Step(
                "Reviews due",
                reverse("progress:due"),
                "Open cases by next review date: overdue, due soon and scheduled.",
            )
        )
    if roles & {Role.PARENT_CARER, Role.STUDENT}:
        steps.append(
            Step(
                "See progress",
                reverse("progress:portal"),
                "Attendance, behaviour, attitude and school subjects, the support plan, the key "
                "worker and the next review.",
            )
        )
    if roles & PARTNERSHIP_ROLES:
        steps.append(
            Step("Students", reverse("students:list"), "The working list of open records.")
        )
    elif roles & set(EXTERNAL_ROLES):
        count = students_visible_to(user).count()
        steps.append(
            Step(
                "Students you work with",
                reverse("students:list"),
                f"{count} student{'s' if count != 1 else ''} whose family agreed to share with "
                "your organisation, while it works with them and its data-sharing agreement "
                "is current.",
            )
        )
    if roles & {Role.COORDINATOR, Role.DPO}:
        overdue, soon = attention_counts(user)
        steps.append(
            Step(
                "Rights requests",
                reverse("rights:register"),
                f"{overdue} overdue and {soon} due within a week. Requests to see, correct, "
                "object to, delete or move a child's information, on the legal clock.",
            )
        )
        steps.append(
            Step(
                "Archived records",
                reverse("students:archive"),
                "Students who have left: read-only, for you and the DPO only.",
            )
        )
    return steps
