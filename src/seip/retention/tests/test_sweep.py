"""``seip retention sweep`` on hand-worked dates (P17): what is due goes, by erasure, with
a disposal log; held records stay; safeguarding records wait for review; a rerun changes
nothing; the dry run changes nothing and names no one."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from seip.audit.selectors import verify
from seip.keys.tests.conftest import give_history
from seip.records.tests.factories import NeedFactory, code
from seip.referrals.models import Referral, ReferralStatus
from seip.referrals.services import referral_decline, referral_draft_create
from seip.referrals.tests.factories import carers, pupil
from seip.retention.models import Disposal, Erasure, ErasureSource, LegalHold
from seip.retention.services import legal_hold_lift, legal_hold_place, retention_sweep
from seip.retention.tests.conftest import Person, make_referral, make_student, upn_for
from seip.students.models import Destination, Outcome, Student
from seip.students.services import case_close, student_leave

pytestmark = [pytest.mark.django_db, pytest.mark.promise("P17")]

LONDON = ZoneInfo("Europe/London")


def at(year, month, day, hour=2):
    return dt.datetime(year, month, day, hour, tzinfo=LONDON)


def person(first, dob):
    return Person(first, "Sweepling", "", dob, f"Parent of {first}")


def archived(county, personas, first, dob, serial):
    student = make_student(county, personas, person(first, dob), serial)
    case = student.cases.get()
    coordinator = personas["coordinator"]
    case_close(case=case, outcome=Outcome.MET, destination=Destination.STAYED, actor=coordinator)
    student_leave(
        case=case,
        paper_files=["Referral folder"],
        returned_to=None,
        returned_on=dt.date(2026, 11, 27),
        received_by="School office",
        receipt_confirmed=True,
        actor=coordinator,
    )
    return student


@pytest.fixture
def world(county, personas):
    """Hand-worked due dates under the default schedule:

    plain    born 19 Feb 2011, archived            -> disposed of on 19 Feb 2036
    sen      born 19 Feb 2011, archived, SEN K     -> disposed of on 19 Feb 2042
    guarded  born 19 Feb 2011, archived, concern   -> review on 19 Feb 2036
    held     born 19 Feb 2011, archived, held      -> kept while the hold is live
    active   born 19 Feb 2011, not archived        -> never while in use
    declined referral decided 10 Mar 2026          -> disposed of on 10 Mar 2027
    """
    dob = dt.date(2011, 2, 19)
    plain = archived(county, personas, "Plain", dob, 11)
    sen = archived(county, personas, "Senna", dob, 12)
    NeedFactory(student=sen, kind="sen_provision", code=code("sen_provision", "K"))
    guarded = make_student(county, personas, person("Guarded", dob), 13)
    give_history(guarded, personas["coordinator"])
    guarded = archived_existing(guarded, personas)
    held = archived(county, personas, "Holden", dob, 14)
    legal_hold_place(student_or_referral=held, reason="Tribunal claim", actor=personas["dpo"])
    active = make_student(county, personas, person("Active", dob), 15)
    declined = make_referral(county, personas, person("Declan", dob), 16)
    referral_decline(referral=declined, reason="Not eligible", actor=personas["coordinator"])
    Referral.objects.filter(pk=declined.pk).update(decided_at=at(2026, 3, 10, 10))
    draft = referral_draft_create(
        school=county.school_a,
        pupil=pupil(upn=upn_for(county, 17), first_name="Drafty"),
        carers=carers(),
        actor=personas["school_contact"],
    )
    return {
        "plain": plain, "sen": sen, "guarded": guarded, "held": held, "active": active,
        "declined": declined, "draft": draft,
    }  # fmt: skip


def archived_existing(student, personas):
    case = student.cases.get()
    coordinator = personas["coordinator"]
    case_close(case=case, outcome=Outcome.MET, destination=Destination.STAYED, actor=coordinator)
    student_leave(
        case=case,
        paper_files=["Referral folder"],
        returned_to=None,
        returned_on=dt.date(2026, 11, 27),
        received_by="School office",
        receipt_confirmed=True,
        actor=coordinator,
    )
    student.refresh_from_db()
    return student


def sweep(now, capture, dry_run=False):
    with capture(execute=True):
        return retention_sweep(now=now, dry_run=dry_run)


def exists(subject):
    return Referral.objects.filter(pk=subject.referral_id if isinstance(subject, Student)
                                   else subject.pk).exists()  # fmt: skip


def test_the_day_before_only_the_declined_referral_and_old_drafts_go(
    world, django_capture_on_commit_callbacks
):
    result = sweep(at(2036, 2, 18), django_capture_on_commit_callbacks)
    assert [d.referral_id for d in result.disposed] == [world["declined"].pk]
    assert result.disposed[0].due_on == dt.date(2027, 3, 10)
    assert result.drafts == 1
    assert not exists(world["declined"])
    assert not Referral.objects.filter(pk=world["draft"].pk).exists()
    for name in ("plain", "sen", "guarded", "held", "active"):
        assert exists(world[name]), name
    assert result.held == []
    assert result.review == []


def test_on_the_25th_birthday_the_plain_record_goes_and_a_rerun_changes_nothing(
    world, django_capture_on_commit_callbacks
):
    sweep(at(2036, 2, 18), django_capture_on_commit_callbacks)
    result = sweep(at(2036, 2, 19), django_capture_on_commit_callbacks)
    assert [d.referral_id for d in result.disposed] == [world["plain"].referral_id]
    assert [d.referral_id for d in result.held] == [world["held"].referral_id]
    assert [d.referral_id for d in result.review] == [world["guarded"].referral_id]
    assert not exists(world["plain"])
    for name in ("sen", "guarded", "held", "active"):
        assert exists(world[name]), name

    log = Disposal.objects.get(referral_id=world["plain"].referral_id)
    assert log.due_on == dt.date(2036, 2, 19)
    assert log.record_type == "pupil_record"
    assert log.erasure.source == ErasureSource.RETENTION
    assert log.erasure.actor_id is None
    disposals, erasures = Disposal.objects.count(), Erasure.objects.count()

    again = sweep(at(2036, 2, 19, 9), django_capture_on_commit_callbacks)
    assert again.disposed == []
    assert again.drafts == 0
    assert (Disposal.objects.count(), Erasure.objects.count()) == (disposals, erasures)
    assert verify().ok


def test_the_sen_file_goes_at_31_and_a_lifted_hold_lets_the_record_go(
    world, personas, django_capture_on_commit_callbacks
):
    result = sweep(at(2042, 2, 18), django_capture_on_commit_callbacks)
    assert world["sen"].referral_id not in [d.referral_id for d in result.disposed]
    legal_hold_lift(hold=LegalHold.objects.get(lifted_at__isnull=True), actor=personas["dpo"])
    result = sweep(at(2042, 2, 19), django_capture_on_commit_callbacks)
    assert {d.referral_id for d in result.disposed} == {
        world["sen"].referral_id, world["held"].referral_id
    }  # fmt: skip
    sen_log = Disposal.objects.get(referral_id=world["sen"].referral_id)
    assert (sen_log.record_type, sen_log.due_on) == ("sen_file", dt.date(2042, 2, 19))
    # The safeguarding record is still waiting for the DPO's review; the active one is in use.
    assert exists(world["guarded"])
    assert exists(world["active"])


def test_dry_run_lists_ids_and_dates_and_changes_nothing(world, django_capture_on_commit_callbacks):
    students, referrals = Student.objects.count(), Referral.objects.count()
    result = sweep(at(2036, 2, 19), django_capture_on_commit_callbacks, dry_run=True)
    assert {d.referral_id for d in result.disposed} == {
        world["declined"].pk, world["plain"].referral_id
    }  # fmt: skip
    assert result.drafts == 1
    assert (Student.objects.count(), Referral.objects.count()) == (students, referrals)
    assert not Disposal.objects.exists()
    assert not Erasure.objects.exists()

    out = io.StringIO()
    call_command("retention", "sweep", "--dry-run", "--as-of", "2036-02-19", stdout=out)
    text = out.getvalue()
    assert "Would dispose of 2 records" in text
    assert f"referral {world['plain'].referral_id} student {world['plain'].pk}" in text
    assert "due 2036-02-19" in text
    assert "due 2027-03-10" in text
    assert "Kept under a legal hold: 1" in text
    for name in ("Plain", "Sweepling", "Declan", "Holden", world["plain"].upn):
        assert name not in text
    assert Student.objects.count() == students
    with pytest.raises(CommandError):
        call_command("retention", "sweep", "--as-of", "2036-02-19")


def test_the_command_disposes_of_what_is_due_today(world, django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("retention", "sweep", stdout=out)
    # Today (2026) nothing has reached its period; the unsigned draft is not 30 days old.
    assert "Disposed of 0 records" in out.getvalue()
    assert Referral.objects.filter(status=ReferralStatus.DECLINED).exists()
