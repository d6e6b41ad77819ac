"""The impact section and report on real records (P05, P06, P10, P13): estimates from
the database, the finance summary through the ledger, the page and the command."""

import csv
import io
import random
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from seip.accounts.models import Role
from seip.disclosure.tables import Symbol
from seip.impact.frames import load, outcome_frame
from seip.impact.report import COMPARISON, PARTICIPANTS, impact_report, impact_section
from seip.impact.tests.builders import ACCEPTED, START, TODAY, YEAR, intervene, mark, students
from seip.provision.models import FundingStream, InterventionType
from seip.reports import charts
from seip.reports.document import FOREST_COLUMNS, Chart
from seip.reports.models import Release, ReportRun
from seip.reports.outcomes import Recipient, policy_for
from seip.reports.population import Scope

pytestmark = pytest.mark.django_db

EFFECT = 5.0  # percentage points of attendance, planted for mentoring
TREND = -2.0  # everyone's attendance falls a little over the winter


def planted(county, *, seed=7):
    """120 students: the weaker are more likely to get mentoring, which truly
    raises attendance by five points; tutoring does nothing; the rest have no
    intervention. Returns (mentored, tutored, comparison) lists."""
    rng = random.Random(seed)  # noqa: S311 - seeded test data
    other = county.a.schools.exclude(pk=county.school_a.pk).get()
    people = students([county.school_a, other], 120)
    rates = {s.pk: rng.uniform(0.70, 0.94) for s in people}
    # Confounding: the lower a student's attendance, the likelier the referral to mentoring.
    by_need = sorted(people, key=lambda s: rates[s.pk] + rng.gauss(0, 0.1))
    mentored, rest = by_need[:40], by_need[40:]
    rng.shuffle(rest)
    tutored, comparison = rest[:40], rest[40:]
    for student in people:
        effect = EFFECT / 100 if student in mentored else 0.0
        start = ACCEPTED if student in comparison else START
        r = rates[student.pk]
        before = r + rng.gauss(0, 0.015)  # each window's own ups and downs
        after = r + TREND / 100 + effect + rng.gauss(0, 0.015)

        def rate(day, before=before, after=after, start=start):
            return before if day < start else after

        mark(student, rate, rng=rng)
    for student in mentored:
        intervene(student, InterventionType.MENTORING, staff_hours=Decimal("20"))
    for student in tutored:
        intervene(student, InterventionType.TUTORING, provider=county.provider,
                  unit_cost=Decimal("40"), staff_hours=Decimal("0"))  # fmt: skip
    return mentored, tutored, comparison


def section(county, personas, **kwargs):
    scope = Scope(partnership=county.a)
    return impact_section(
        scope=scope, period=YEAR, recipient=Recipient(Role.COORDINATOR),
        actor=personas["coordinator"], policy=policy_for(scope), today=TODAY, **kwargs,
    )  # fmt: skip


def figure(found, id):
    return next(f for f in found.figures if f.id == id)


@pytest.mark.promise("P05")
def test_a_planted_effect_is_found_from_the_records(county, personas):
    mentored, _, _ = planted(county)
    found = section(county, personas)
    attendance = figure(found, "impact-effect-1")
    assert attendance.chart is Chart.FOREST
    assert attendance.columns == (*FOREST_COLUMNS, "Students")
    mentoring = {c: attendance.cell("Mentoring", c) for c in attendance.columns}
    assert mentoring["Students"].value == len(mentored)
    assert mentoring["Estimate"].value == pytest.approx(EFFECT, abs=1.5)
    assert mentoring["Lower"].value < EFFECT < mentoring["Upper"].value
    assert mentoring["Lower"].value > 0
    tutoring = {c: attendance.cell("Tutoring", c) for c in attendance.columns}
    assert tutoring["Lower"].value < 0 < tutoring["Upper"].value  # inconclusive
    assert "Mentoring: associated with higher attendance" in attendance.note
    assert "Tutoring: inconclusive" in attendance.note
    # The naive before/after change is biased by the winter trend (and the comparison
    # group is what corrects it).
    records = load(scope=Scope(partnership=county.a), period=YEAR, today=TODAY)
    group = next(g for g in records.groups if g.key == InterventionType.MENTORING)
    frame = outcome_frame(records, group, "attendance")
    treated = frame[frame["treated"] == 1]
    naive = (treated["followup"] - treated["baseline"]).mean()
    assert abs(naive - EFFECT) > 1.0
    assert "associated with higher attendance" in found.summary
    assert "caused" not in found.summary


@pytest.mark.promise("P06")
def test_the_finance_summary_is_released_through_the_ledger(county, personas):
    big = students([county.school_a], 12)
    other = county.a.schools.exclude(pk=county.school_a.pk).get()
    small = students([other], 1, serial=500)
    for student in big:
        intervene(student, InterventionType.MENTORING, start=ACCEPTED)
    # One student's costly placement at the second school: a money total of one provider.
    intervene(small[0], InterventionType.TUTORING, provider=county.provider, start=ACCEPTED,
              unit_cost=Decimal("90"), quantity=Decimal("20"), staff_hours=Decimal("0"),
              funding_stream=FundingStream.HIGH_NEEDS)  # fmt: skip
    found = section(county, personas)
    spend = figure(found, "impact-finance-1")
    assert spend.measure == "spend"
    assert spend.release_id is not None
    assert spend.cell(other.name).symbol is Symbol.SUPPRESSED  # one provider's total
    per_pupil = figure(found, "impact-finance-3")
    assert per_pupil.measure == "impact_cost_per_pupil"
    assert per_pupil.cell(other.name).symbol is Symbol.SUPPRESSED  # one pupil
    released = Release.objects.filter(measure__in=["spend", "impact_cost_per_pupil", PARTICIPANTS])
    assert {r.measure for r in released} == {"spend", "impact_cost_per_pupil", PARTICIPANTS}
    assert all(r.recipient_role == Role.COORDINATOR for r in released)
    assert all(r.released_by == personas["coordinator"] for r in released)
    # The group sizes are released too: one tutored student is suppressed, and so is a
    # complement, since the total is published.
    participants = figure(found, "impact-participants-1")
    assert participants.cell("Tutoring").symbol is Symbol.SUPPRESSED
    assert participants.cell("Mentoring").symbol is Symbol.SUPPRESSED
    assert participants.cell(COMPARISON).value == 0
    # Too few to estimate anything: every effect row is "x", and "Students" shows the
    # group's size exactly as published.
    effects = figure(found, "impact-effect-1")
    for row in ("Mentoring", "Tutoring"):
        assert effects.cell(row, "Estimate").symbol is Symbol.NOT_AVAILABLE
        assert effects.cell(row, "Students") == participants.cell(row)


@pytest.mark.promise("P13")
def test_the_impact_page_releases_to_report_recipients_only(county, personas, login):
    planted(county)
    for outsider in ("provider", "agency", "parent", "key_worker", "nobody"):
        assert login(personas[outsider]).get(reverse("reports:impact")).status_code == 403
    client = login(personas["coordinator"])
    page = client.get(reverse("reports:impact"))
    assert page.status_code == 200
    assert "associated with" in page.content.decode()
    response = client.post(
        reverse("reports:impact"),
        {"scope": f"partnership:{county.a.pk}", "year": "2025", "terms": "year"},
    )
    run = ReportRun.objects.get()
    assert response["Location"] == reverse("reports:run", args=[run.pk])
    shown = client.get(reverse("reports:run", args=[run.pk])).content.decode()
    assert "Associated difference in attendance" in shown
    assert "Forest plot" in shown
    for fmt in ("csv", "xlsx", "pdf"):
        download = client.get(reverse("reports:download", args=[run.pk, fmt]))
        assert download.status_code == 200, fmt
    rows = list(csv.DictReader(io.StringIO(
        client.get(reverse("reports:download", args=[run.pk, "csv"])).content.decode()
    )))  # fmt: skip
    estimates = [r for r in rows if r["measure"] == "impact_effect_attendance"]
    assert {r["column_category"] for r in estimates} == {*FOREST_COLUMNS, "Students"}


def test_the_command_writes_the_impact_report(county, personas, tmp_path):
    planted(county)
    out = tmp_path / "impact.html"
    stdout = io.StringIO()
    call_command(
        "report", "impact", "--partnership", county.a.name, "--period", "2025-26",
        "--format", "html", "--out", str(out), "--as", personas["coordinator"].email,
        stdout=stdout,
    )  # fmt: skip
    assert "Impact and value for money, 2025-26" in stdout.getvalue()
    assert "Associated difference in attendance" in out.read_text()
    with pytest.raises(CommandError, match="may not receive"):
        call_command(
            "report", "impact", "--partnership", county.a.name, "--period", "2025-26",
            "--format", "csv", "--out", str(tmp_path / "x.csv"), "--as",
            personas["provider"].email,
        )  # fmt: skip


def test_the_forest_plot_draws_a_point_and_interval_and_symbols(county, personas):
    planted(county)
    found = section(county, personas)
    attendance = figure(found, "impact-effect-1")
    svg = charts.to_svg(attendance)
    assert "Forest plot" in svg
    assert "Mentoring: " in svg
    assert len(charts.slices(attendance, 1.3)) == 1


def test_a_school_report_of_a_few_students_says_too_few(county, personas):
    for student in students([county.school_a], 3):
        intervene(student, InterventionType.MENTORING)
    scope = Scope(school=county.school_a)
    document = impact_report(
        scope=scope, period=YEAR, recipient=Recipient(Role.SCHOOL_CONTACT),
        actor=personas["school_contact"], today=TODAY,
    )  # fmt: skip
    [found] = document.sections
    assert "Too few students to say anything yet about: Mentoring" in found.summary
    assert figure(found, "impact-participants-1").cell("Mentoring").symbol is Symbol.SUPPRESSED
    assert any(key == "Impact method" for key, _ in document.metadata)
