"""Outcome reports on real records: what they count (P04), what they hide (P10) and who
receives them (P13): pages, downloads and the command."""

import csv
import dataclasses
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from seip.accounts.models import Membership, Role
from seip.accounts.tests.factories import UserFactory
from seip.audit.models import AuditEvent
from seip.behaviour.models import ExclusionKind
from seip.behaviour.services import exclusion_record
from seip.core.tests.pdfcheck import assert_tagged, pdf_text
from seip.disclosure.tables import TOTAL, Symbol
from seip.reports.bases import is_companion, publishes_bases
from seip.reports.document import from_json
from seip.reports.measures import MEASURES
from seip.reports.models import Release, ReportRun
from seip.reports.outcomes import Recipient, outcome_report, table_report
from seip.reports.population import Period, Scope, population_of
from seip.reports.services import release_record
from seip.reports.tests.builders import count_table
from seip.reports.tests.test_population import YEAR, admit

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(county, personas):
    """Thirty-four students in partnership A: 30 at school A in years 7 to 11, and four
    girls at the second school (a small group that must be suppressed)."""
    at_a = [admit(county, personas, n, year=7 + n % 5) for n in range(1, 31)]
    other = county.a.schools.exclude(pk=county.school_a.pk).get()
    contact = UserFactory(email="second-school@seip.test")
    Membership.objects.create(
        user=contact, role=Role.SCHOOL_CONTACT, organisation=other.organisation
    )
    people = {**personas, "second": contact}
    small = [
        admit(county, people, 100 + n, school=other, contact="second", sex="F", year=8)
        for n in range(1, 5)
    ]
    return at_a + small


def figure(document, measure, rows_label=None):
    for f in document.figures():
        if f.measure == measure and (rows_label is None or f.row_label == rows_label):
            return f
    raise AssertionError(f"no figure of {measure}")


def tables(releases):
    """The releases of tables, not of the bases beside them (``reports.bases``)."""
    return [r for r in releases if not is_companion(r.breakdowns)]


def coordinator_report(county, personas, period=YEAR):
    return outcome_report(
        scope=Scope(partnership=county.a),
        period=period,
        recipient=Recipient(Role.COORDINATOR),
        actor=personas["coordinator"],
    )


@pytest.mark.promise("P04")
def test_the_partnership_report_puts_every_referred_student_together(county, personas, cohort):
    document = coordinator_report(county, personas)
    students = figure(document, "students", "Year group")
    assert students.cell(TOTAL, TOTAL).value == len(cohort)
    assert [s.id for s in document.sections] == [
        "referrals", "cohort", "attendance", "behaviour", "attainment", "attitude",
        "destinations", "provision", "moves", "placements", "groups", "impact",
    ]  # fmt: skip
    assert f"{len(cohort)} students were referred" in document.sections[0].summary
    # Every table went through the ledger, released to the co-ordinator.
    assert len(tables(Release.objects.all())) == len(
        [f for f in document.figures() if f.release_id]
    )
    assert set(Release.objects.values_list("recipient_role", flat=True)) == {Role.COORDINATOR}
    # Each one-way table of a rate or mean has its bases in the ledger too (ADR 0036).
    bases = Release.objects.count() - len(tables(Release.objects.all()))
    assert bases == len(
        [
            f
            for f in document.figures()
            if f.release_id
            and not f.columns
            and f.measure in MEASURES
            and publishes_bases(MEASURES[f.measure], None)
        ]
    )


@pytest.mark.promise("P10")
def test_small_groups_are_suppressed_in_every_output(county, personas, cohort, login):
    document = coordinator_report(county, personas)
    by_school = figure(document, "students", "School")
    other = county.a.schools.exclude(pk=county.school_a.pk).get()
    # Four students at the second school: suppressed, and so is a complement (the
    # first school's count would give it away from the total).
    assert by_school.cell(other.name).symbol is Symbol.SUPPRESSED
    assert by_school.cell(county.school_a.name).symbol is Symbol.SUPPRESSED

    client = login(personas["coordinator"])
    response = client.post(
        reverse("reports:index"),
        {"scope": f"partnership:{county.a.pk}", "year": "2026", "terms": "year"},
    )
    run = ReportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:run", args=[run.pk])
    page = client.get(reverse("reports:run", args=[run.pk])).content.decode()
    assert "Students referred by school" in page
    assert ">c<" in page
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(reverse("reports:download", args=[run.pk, "csv"])).content.decode()
            )
        )
    )
    school_rows = [r for r in rows if r["measure"] == "students" and other.name in r.values()]
    assert school_rows
    assert all(r["value"] == "c" for r in school_rows)
    assert not any(r["value"] == "4" for r in school_rows)
    workbook = load_workbook(
        io.BytesIO(client.get(reverse("reports:download", args=[run.pk, "xlsx"])).content)
    )
    assert "Metadata" in workbook.sheetnames
    pdf = client.get(reverse("reports:download", args=[run.pk, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    # Rendered once when the run finished (ADR 0043): the download serves those bytes.
    run.refresh_from_db()
    assert pdf.content == bytes(run.pdf)
    assert "Students referred by school" in pdf_text(pdf.content)
    assert assert_tagged(pdf.content, title=run.title)["/Table"] >= 3


@pytest.mark.promise("P10")
def test_a_term_report_then_the_year_to_date_are_audited_together(county, personas, cohort):
    coordinator_report(county, personas, Period(2026, ("autumn",)))
    first = set(Release.objects.values_list("pk", flat=True))
    document = coordinator_report(county, personas, Period(2026, ("autumn", "spring")))
    # (a measure's terms in the ledger are labelled by when its figure is fixed, ADR 0029)
    later = Release.objects.exclude(pk__in=first)
    assert len(tables(later)) == len([f for f in document.figures() if f.release_id])
    assert all(release.compared_with for release in later.filter(measure="students"))


@pytest.mark.promise("P04")
def test_suspensions_since_referral_are_counted_and_small_counts_hidden(county, personas, cohort):
    for student in cohort[:12]:  # twelve suspensions at school A, after the referral
        exclusion_record(
            student=student, kind=ExclusionKind.SUSPENSION, start_date=timezone.localdate(),
            sessions=2, reasons=["PA"], actor=personas["coordinator"],
        )  # fmt: skip
    document = coordinator_report(county, personas)
    suspensions = figure(document, "suspensions")
    assert suspensions.cell(TOTAL, TOTAL).value == 12
    assert "12 suspensions" in document.sections[3].summary


def test_the_table_builder_releases_one_table(county, personas, cohort, login):
    document = table_report(
        scope=Scope(partnership=county.a), period=YEAR, measure="students",
        rows="sex", columns="year_group", recipient=Recipient(Role.COORDINATOR),
        actor=personas["coordinator"],
    )  # fmt: skip
    [only] = document.figures()
    assert only.columns[:2] == ("Year 7", "Year 8")
    assert only.cell("Female", "Year 8").symbol is Symbol.SUPPRESSED  # four girls
    assert Release.objects.get().breakdowns == ["sex", "year_group"]
    client = login(personas["coordinator"])
    response = client.post(
        reverse("reports:builder"),
        {"scope": f"partnership:{county.a.pk}", "year": "2026", "terms": "year",
         "measure": "students", "rows": "subject", "columns": ""},
    )  # fmt: skip
    assert response.status_code == 200
    assert "cannot be broken down by that" in response.content.decode()


@pytest.mark.promise("P13")
def test_reports_go_only_to_registered_roles(county, personas, cohort, login):
    def choices(persona):
        response = login(personas[persona]).get(reverse("reports:index"))
        if response.status_code != 200:
            return response.status_code
        return [c[0] for c in response.context["form"].fields["scope"].choices]

    la = county.a.local_authority
    assert choices("coordinator") == [
        f"partnership:{county.a.pk}",
        *[f"school:{s.pk}" for s in county.a.schools.all()],
    ]
    assert choices("school_contact") == [f"school:{county.school_a.pk}"]
    assert choices("school_b") == [f"school:{county.school_b.pk}"]
    assert choices("la_officer") == [
        f"county:{la.pk}",
        f"partnership:{county.a.pk}",
        f"partnership:{county.b.pk}",
    ]
    for outsider in ("provider", "agency", "parent", "student", "key_worker", "admin", "nobody"):
        assert choices(outsider) == 403, outsider

    # A school contact asking for another school's report gets nothing and nothing is
    # released.
    client = login(personas["school_contact"])
    response = client.post(
        reverse("reports:index"),
        {"scope": f"school:{county.school_b.pk}", "year": "2026", "terms": "year"},
    )
    assert response.status_code == 200
    assert not Release.objects.exists()

    # The registration is the gate: once the council is no longer registered with
    # partnership B, the LA officer no longer receives B's report.
    county.council.partnerships.remove(county.b)
    assert f"partnership:{county.b.pk}" not in choices("la_officer")


@pytest.mark.promise("P13")
def test_the_command_refuses_anyone_not_entitled(county, personas, cohort, tmp_path):
    out = tmp_path / "report.pdf"
    with pytest.raises(CommandError, match="may not receive"):
        call_command(
            "report", "outcomes", "--partnership", county.a.name, "--period", "2026-27",
            "--format", "pdf", "--out", str(out), "--as", personas["provider"].email,
        )  # fmt: skip
    assert not out.exists()
    assert not Release.objects.exists()


def test_the_command_writes_each_format(county, personas, cohort, tmp_path):
    for fmt in ("pdf", "csv", "xlsx", "html"):
        out = tmp_path / f"report.{fmt}"
        call_command(
            "report", "outcomes", "--school", county.school_a.urn, "--period", "2026-27",
            "--term", "autumn", "--format", fmt, "--out", str(out),
            "--as", personas["school_contact"].email, stdout=io.StringIO(),
        )  # fmt: skip
        assert out.stat().st_size > 500
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    assert "Outcomes report" in (tmp_path / "report.html").read_text()
    assert (tmp_path / "report.meta.csv").exists()
    with pytest.raises(CommandError, match="2025-26"):
        call_command(
            "report", "outcomes", "--school", county.school_a.urn, "--period", "2026",
            "--format", "csv", "--out", str(tmp_path / "x.csv"),
            "--as", personas["school_contact"].email,
        )  # fmt: skip


def test_a_report_survives_storage_unchanged(county, personas, cohort, login):
    client = login(personas["coordinator"])
    client.post(
        reverse("reports:index"),
        {"scope": f"school:{county.school_a.pk}", "year": "2026", "terms": "autumn"},
    )
    run = ReportRun.objects.get()
    document = from_json(json.loads(json.dumps(run.document)))
    assert document.geographic_level == "School"
    assert figure(document, "students", "Year group").cell(TOTAL, TOTAL).value == 30


@pytest.mark.promise("P10")
def test_a_revised_figure_is_audited_against_the_releases_that_agree_with_it(county, personas):
    """A correction changes a figure already released: 30 students by year group were
    released, and today the same population has 31 (a late import found one more, with
    no change of membership the ledger could model). The new table is still released,
    audited against the releases that agree with today's figures, and the audit event
    says how many earlier releases were set aside as revised."""
    population = population_of(scope=Scope(partnership=county.a), period=YEAR)
    years = ["7"] * 2 + ["8", "9", "10", "11"] * 7  # two in year 7: suppressed
    by_year = count_table([{"year": y} for y in years], ("year", ("7", "8", "9", "10", "11")))
    by_sex = count_table([{"sex": "F"}] * 3 + [{"sex": "M"}] * 28, ("sex", ("F", "M")))
    for table in (by_year, by_sex):
        release_record(
            table=table, population=population, recipient_role=Role.COORDINATOR,
            partnership=county.a, actor=personas["coordinator"],
        )  # fmt: skip
    events = AuditEvent.objects.filter(action="report.release").order_by("pk")
    assert [e.detail["set_aside_as_revised"] for e in events] == [0, 1]


@pytest.mark.promise("P10")
def test_a_table_no_suppression_can_make_safe_is_withheld_and_the_report_still_made(
    county, personas, cohort, monkeypatch
):
    """Protect, don't refuse (issue 17): when no suppression keeps an earlier release
    safe, that one table shows x with a note naming the earlier release and what to ask
    for instead; every other table is released and the recipient gets the report."""
    from seip.disclosure.lp import Interval
    from seip.reports import services

    coordinator_report(county, personas)
    earlier = Release.objects.filter(measure="suspensions").latest("pk")
    real = services._audit_against_consistent

    def conflict(table, population, entries, policy, **kwargs):
        result, set_aside = real(table, population, entries, policy, **kwargs)
        if table.measure != "suspensions":
            return result, set_aside
        failing = {(earlier.pk, earlier.cells[0]["row"], TOTAL): Interval(1.0, 2.0, 4.0)}
        return dataclasses.replace(result, audit=failing, passed=False), set_aside

    monkeypatch.setattr(services, "_audit_against_consistent", conflict)
    document = coordinator_report(county, personas)
    withheld = figure(document, "suspensions")
    assert withheld.release_id is None
    assert {s.symbol for s in withheld.cells.values()} == {Symbol.NOT_AVAILABLE}
    assert "'Suspensions by school'" in withheld.note
    assert "released to the Co-ordinator on " in withheld.note
    assert "Ask for a coarser table" in withheld.note
    assert figure(document, "students").release_id is not None
    event = AuditEvent.objects.filter(action="report.withhold").latest("pk")
    assert event.detail["conflicts"] == [earlier.pk]


@pytest.mark.promise("P04")
def test_a_mostly_hidden_report_says_so_first_and_offers_the_coarser_one(county, personas, cohort):
    other = county.a.schools.exclude(pk=county.school_a.pk).get()
    document = outcome_report(
        scope=Scope(school=other),
        period=Period(2026, ("autumn",)),
        recipient=Recipient(Role.SCHOOL_CONTACT, other.organisation),
        actor=personas["coordinator"],
    )
    first = document.sections[0]
    assert first.id == "mostly-hidden"
    assert "are hidden" in first.summary
    assert "the whole year (2026-27) instead of a term" in first.summary
    assert "the partnership's report instead of one school's" in first.summary
    coordinator = coordinator_report(county, personas)
    assert coordinator.sections[0].id != "mostly-hidden"


def test_a_table_withheld_on_its_own_says_so_without_blaming_an_earlier_report():
    from seip.reports.measures import MEASURES, STUDENT_BREAKDOWNS
    from seip.reports.outcomes import withheld_figure
    from seip.reports.services import Withheld

    figure = withheld_figure(
        MEASURES["students"], STUDENT_BREAKDOWNS["sex"], None, Withheld("students", []), id="t"
    )
    assert "from its own totals" in figure.note
    assert "earlier" not in figure.note
    assert "Ask for a coarser table" in figure.note
    assert {s.symbol for s in figure.cells.values()} == {Symbol.NOT_AVAILABLE}


def test_an_earlier_release_of_bases_is_named_after_the_table_beside_it():
    """A table withheld because of a companion names the bases of the table the reader
    saw, not the ledger's internal breakdown (ADR 0036)."""
    import datetime as dt

    from seip.reports.outcomes import describe

    release = Release(
        measure="students",
        breakdowns=["school", "base:attendance_since@summer"],
        population={"schools": ["1", "2"], "year": "2025-26", "terms": ["autumn"]},
        recipient_role=Role.COORDINATOR,
        released_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
    )
    text = describe(release)
    assert "'bases of Attendance since referral by school'" in text
    assert "base:" not in text
