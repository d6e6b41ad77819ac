"""The demo county holds together (issue 19, "The demo contradicts itself").

Each check below is one contradiction a person found by signing in as each demo user. The
small demo is built once (it is the slow part) and every check runs on it; the failures
are reported together, so one broken promise does not hide the others.
"""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from seip.accounts.models import Role, User
from seip.conftest import signed_in
from seip.demo.generator import (
    DEMO_EMAIL_DOMAIN,
    MAX_PARTNERSHIPS,
    SCHOOL_BLOCK,
    Scale,
    generate,
    school_name,
)
from seip.keys import crypto
from seip.keys.fields import open_all
from seip.notices.models import NoticeVersion
from seip.organisations.models import Partnership, School
from seip.organisations.selectors import brand_partnership
from seip.progress.models import PortalLink, PortalRelationship
from seip.progress.schedule import DueState
from seip.progress.selectors import portal_students_visible_to, reviews_due
from seip.records.models import CaseNote, Contact, Target, TargetStatus
from seip.records.services import NOTE_TEXT
from seip.referrals.models import Carer, Consent
from seip.students.models import Case, CaseStatus, Outcome, Student

#: As in test_demo.py: enough pupils for every stage and the key worker's caseload, built
#: in seconds.
SMALL = 60


def _email(local: str) -> str:
    return f"{local}@{DEMO_EMAIL_DOMAIN}"


def check_notice_published_before_the_signatures() -> None:
    consents = Consent.objects.select_related("notice_version")
    assert consents.exists()
    late = [
        (c.signed_on, c.notice_version.published_at)
        for c in consents
        if timezone.localdate(c.notice_version.published_at) > c.signed_on
    ]
    assert not late, f"{len(late)} signatures cite a notice published after them: {late[:3]}"
    assert all(v.published_at <= timezone.now() for v in NoticeVersion.objects.all()), (
        "a notice version is dated in the future"
    )


def check_signer_is_a_carer_and_a_contact_under_one_relationship() -> None:
    consents = list(Consent.objects.select_related("referral"))
    carers = list(Carer.objects.select_related("referral"))
    students = {s.referral_id: s for s in Student.objects.all()}
    contacts = list(Contact.objects.select_related("student"))
    referral_ids = {c.referral_id for c in consents}
    open_all([*consents, *carers, *contacts, *students.values()], referral_ids)
    open_all([c.referral for c in consents], referral_ids)
    carers_of: dict[int, dict[str, Carer]] = defaultdict(dict)
    for carer in carers:
        carers_of[carer.referral_id][carer.name] = carer
    contacts_of: dict[int, dict[str, Contact]] = defaultdict(dict)
    for contact in contacts:
        contacts_of[contact.student.referral_id][contact.name] = contact
    for consent in consents:
        referral = consent.referral
        child = f"{referral.first_name} {referral.last_name}"
        assert consent.signed_by_name != child, f"{child} signs for themselves"
        assert consent.signed_by_name.split()[0] != referral.first_name, consent.signed_by_name
        carer = carers_of[referral.pk].get(consent.signed_by_name)
        assert carer is not None, "the signer is not a carer named on the referral"
        assert carer.parental_responsibility
        assert consent.has_parental_responsibility
        assert carer.relationship == consent.relationship, (
            f"{carer.relationship!r} on the form, {consent.relationship!r} on the consent"
        )
        if referral.pk in students:
            contact = contacts_of[referral.pk].get(consent.signed_by_name)
            assert contact is not None, "the signer is not among the child's contacts"
            assert contact.relationship == consent.relationship, (
                f"{contact.relationship!r} on the record, {consent.relationship!r} signed"
            )
            assert contact.parental_responsibility
    per_child = Counter((c.student_id, c.name) for c in contacts)
    assert not [key for key, n in per_child.items() if n > 1], "a contact is listed twice"


def check_family_logins_follow_their_own_child() -> None:
    student_login = User.objects.get(email=_email("student"))
    parent = User.objects.get(email=_email("parent"))
    mine = list(portal_students_visible_to(student_login))
    assert len(mine) == 1, "the student login follows no record, or several"
    child = mine[0]
    assert f"{child.first_name} {child.last_name}" == student_login.full_name, (
        "the student login's 'Your progress' is another student's"
    )
    assert PortalLink.objects.get(user=student_login).relationship == PortalRelationship.STUDENT
    assert list(portal_students_visible_to(parent)) == [child]
    signers = [c.signed_by_name for c in child.referral.consents.all()]
    assert signers
    assert set(signers) == {parent.full_name}, "the parent login is not the signer"
    contacts = list(child.contacts.all())
    open_all(contacts, [child.referral_id])
    on_list = [c for c in contacts if c.email == parent.email]
    assert len(on_list) == 1
    assert on_list[0].name == parent.full_name
    assert on_list[0].parental_responsibility


def check_closures_agree_with_targets() -> None:
    closed = Case.objects.filter(status__in=[CaseStatus.CLOSED, CaseStatus.LEFT])
    assert set(closed.values_list("outcome", flat=True)) >= {Outcome.MET, Outcome.NOT_MET}
    targets: dict[int, list[str]] = defaultdict(list)
    for student, status in Target.objects.values_list("plan__student", "status"):
        targets[student].append(status)
    for case in closed:
        statuses = targets[case.student_id]
        assert statuses, "a closed case with no targets"
        if case.outcome in (Outcome.MET, Outcome.PARTLY_MET, Outcome.NOT_MET):
            assert TargetStatus.OPEN not in statuses, f"closed as {case.outcome} with open targets"
        if case.outcome == Outcome.MET:
            assert set(statuses) == {TargetStatus.MET}, statuses
        if case.outcome == Outcome.NOT_MET:
            assert TargetStatus.MET not in statuses, statuses
        if case.outcome == Outcome.PARTLY_MET:
            assert TargetStatus.MET in statuses
            assert set(statuses) != {TargetStatus.MET}


def check_no_duplicated_case_notes() -> None:
    texts: dict[int, list[tuple[str, str]]] = defaultdict(list)
    notes = CaseNote.objects.select_related("student")
    assert notes.exists()
    for note in notes:
        text = crypto.decrypt_for(
            note.student.referral_id,
            bytes(note.text_encrypted),
            aad=NOTE_TEXT,
            row=crypto.row_id(note),
        )
        texts[note.student_id].append((note.kind, text.decode()))
    for student, written in texts.items():
        repeated = [t for t, n in Counter(written).items() if n > 1]
        assert not repeated, f"student {student} has a note written twice: {repeated[0]}"
        assert len({text for _, text in written}) == len(written)


def check_school_names_have_no_numbers_and_are_unique() -> None:
    names = list(School.objects.values_list("name", flat=True))
    assert len(names) == 40
    assert not [n for n in names if any(ch.isdigit() for ch in n)]
    assert len(set(names)) == len(names)


def check_notice_names_the_logins() -> None:
    first = Partnership.objects.order_by("pk").first()
    assert first is not None
    coordinator = User.objects.get(email=_email("coordinator"))
    dpo = User.objects.get(email=_email("dpo"))
    assert (first.coordinator_name, first.dpo_name) == (coordinator.full_name, dpo.full_name)
    notice = NoticeVersion.objects.filter(partnership=first).order_by("-number").first()
    assert notice is not None
    assert coordinator.full_name in notice.body
    assert dpo.full_name in notice.body
    for partnership in Partnership.objects.all():
        for role, name in (
            (Role.COORDINATOR, partnership.coordinator_name),
            (Role.DPO, partnership.dpo_name),
        ):
            holders = User.objects.filter(
                memberships__partnership=partnership, memberships__role=role
            ).values_list("full_name", flat=True)
            assert name in holders, f"{partnership}'s notice names {name}, who has no account"
    # The casework of the demo's partnership is the co-ordinator login's, not a stand-in's.
    assert not User.objects.filter(
        memberships__partnership=first, memberships__role=Role.COORDINATOR
    ).exclude(pk=coordinator.pk)


def _client(user: User) -> Client:
    """A browser signed in as ``user``, past the second factor."""
    return signed_in(Client(), user)


def check_neutral_branding_across_partnerships() -> None:
    for local in ("la", "admin"):
        user = User.objects.get(email=_email(local))
        assert brand_partnership(user) is None, local
        body = _client(user).get(reverse("core:home")).content.decode()
        for partnership in Partnership.objects.all():
            assert f"{partnership.name}</span>" not in body, (local, partnership.name)
        assert "seip-header__logo" not in body
    coordinator = User.objects.get(email=_email("coordinator"))
    assert brand_partnership(coordinator) == Partnership.objects.order_by("pk").first()


def check_key_worker_has_a_caseload_with_reviews_due() -> None:
    key_worker = User.objects.get(email=_email("keyworker"))
    first = Partnership.objects.order_by("pk").first()
    open_cases = Case.objects.filter(
        key_worker=key_worker, status__in=[CaseStatus.ACCEPTED, CaseStatus.ACTIVE]
    )
    assert 8 <= open_cases.count() <= 15, open_cases.count()
    assert not open_cases.exclude(student__partnership=first).exists()
    today = timezone.localdate()
    due = reviews_due(key_worker, today=today)
    assert {d.case.key_worker_id for d in due} == {key_worker.pk}
    overdue = [d for d in due if d.next.state == DueState.OVERDUE]
    this_week = [d for d in due if today <= d.next.due_on <= today + dt.timedelta(days=7)]
    assert overdue, "no review is overdue today"
    assert this_week, "no review falls due this week"
    for item in due:  # reviews, where recorded, fall after the case opened
        if item.last_review is not None:
            assert item.last_review >= timezone.localtime(item.case.opened_at).date()
    client = _client(key_worker)
    student = overdue[0].case.student
    assert client.get(reverse("progress:review_new", args=[student.pk])).status_code == 200
    assert client.get(reverse("progress:due")).status_code == 200


CHECKS: list[Callable[[], None]] = [
    check_notice_published_before_the_signatures,
    check_signer_is_a_carer_and_a_contact_under_one_relationship,
    check_family_logins_follow_their_own_child,
    check_closures_agree_with_targets,
    check_no_duplicated_case_notes,
    check_school_names_have_no_numbers_and_are_unique,
    check_notice_names_the_logins,
    check_neutral_branding_across_partnerships,
    check_key_worker_has_a_caseload_with_reviews_due,
]


@pytest.mark.promise("P26")
def test_the_demo_county_does_not_contradict_itself(db):
    generate(Scale(students=SMALL))
    failures = []
    for check in CHECKS:
        try:
            check()
        except AssertionError as error:
            failures.append(f"{check.__name__}: {error}")
    assert not failures, "\n".join(failures)


def test_school_names_are_unique_and_numberless_at_every_scale():
    names = [school_name(p, s) for p in range(MAX_PARTNERSHIPS) for s in range(SCHOOL_BLOCK)]
    assert len(set(names)) == len(names)
    assert not [name for name in names if any(ch.isdigit() for ch in name)]
    # A small county's schools are each in a different place.
    places = [school_name(p, s).split()[0] for p in range(5) for s in range(8)]
    assert len(set(places)) == len(places)
