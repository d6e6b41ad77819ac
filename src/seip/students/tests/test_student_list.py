"""The student list: search, filters, sort, paging and the CSV export (issue 19).

A small partnership of real records (signed, accepted, some assigned, one closed, one
reviewed), each made through the services, so the list meets what a user would."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from stdnum.gb.upn import calc_check_digit

from seip.accounts.models import Membership, Role
from seip.accounts.tests.factories import UserFactory
from seip.audit.models import AuditEvent
from seip.organisations.models import OrganisationType
from seip.organisations.tests.factories import SchoolFactory
from seip.progress.models import Review
from seip.referrals.services import CarerDetails, referral_draft_create, referral_sign
from seip.referrals.tests.factories import PDF, notice_for, pupil
from seip.sharing.models import Disclosure, DisclosureKind
from seip.students import views
from seip.students.lists import ListQuery, export_csv, student_rows
from seip.students.services import case_assign_key_worker, case_close, case_open

SERIALS = iter(range(100, 999))


def _upn(school) -> str:
    digits = f"{school.local_authority.la_code}{school.establishment_number}14{next(SERIALS):03d}"
    return calc_check_digit(digits) + digits


def admit(personas, school, contact, first, last, *, tier=2, key_worker=None, closed=False):
    referral = referral_draft_create(
        school=school,
        pupil=pupil(first_name=first, last_name=last, upn=_upn(school), requested_tier=tier),
        carers=[CarerDetails(name=f"Carer {last}", relationship="Mother",
                             parental_responsibility=True)],
        actor=contact,
    )  # fmt: skip
    referral_sign(
        referral=referral, signed_by_name=f"Carer {last}", relationship="Mother",
        has_parental_responsibility=True, signed_on=dt.date(2026, 11, 20),
        notice_version=notice_for(school.partnership),
        categories={OrganisationType.SCHOOL}, form=PDF, actor=contact,
    )  # fmt: skip
    coordinator = personas["coordinator"]
    case = case_open(
        referral=referral, tier=tier,
        risk_assessment_on=dt.date(2026, 11, 21) if tier == 4 else None,
        risk_assessment_summary="Done" if tier == 4 else "", actor=coordinator,
    )  # fmt: skip
    if key_worker is not None:
        case_assign_key_worker(case=case, key_worker=key_worker, actor=coordinator)
    if closed:
        case_close(case=case, outcome="met", destination="stayed", actor=coordinator)
    return case


@pytest.fixture
def school_c(county):
    return SchoolFactory(partnership=county.a, name="Alpha Community Hub")


@pytest.fixture
def partnership(personas, county, school_c):
    """Five students of partnership A: three at Alpha Academy (the school contact's
    school), two at another school of the partnership."""
    contact_a = personas["school_contact"]
    contact_c = UserFactory(email="hub@seip.test", full_name="Hub Contact")
    Membership.objects.create(user=contact_c, role=Role.SCHOOL_CONTACT,
                              organisation=school_c.organisation)  # fmt: skip
    kw = personas["key_worker"]
    cases = {
        "Ada": admit(personas, county.school_a, contact_a, "Ada", "Zimmer", tier=1, key_worker=kw),
        "Ben": admit(personas, county.school_a, contact_a, "Ben", "Young", tier=3),
        "Cal": admit(personas, county.school_a, contact_a, "Cal", "Xu", tier=2, closed=True),
        "Dot": admit(personas, school_c, contact_c, "Dot", "Webb", tier=4, key_worker=kw),
        "Eve": admit(personas, school_c, contact_c, "Eve", "Vance", tier=2),
    }
    today = timezone.localdate()
    # Ada was reviewed 5 weeks ago: due within 2 weeks. Dot opened 7 weeks ago with no
    # review: overdue. The others opened today: due in 6 weeks.
    Review.objects.create(
        case=cases["Ada"], held_on=today - dt.timedelta(weeks=5), attendance_progress="a",
        behaviour_progress="b", attainment_progress="c", next_steps="d",
    )  # fmt: skip
    cases["Dot"].opened_at = timezone.now() - dt.timedelta(weeks=7)
    cases["Dot"].save(update_fields=["opened_at"])
    return cases


def names(rows):
    return [row.student.first_name for row in rows]


def test_the_working_list_is_in_name_order_with_open_and_closed_cases(partnership, personas):
    rows = student_rows(personas["coordinator"], ListQuery())
    assert names(rows) == ["Eve", "Dot", "Cal", "Ben", "Ada"]
    assert {row.student.first_name: row.status.value for row in rows}["Cal"] == "closed"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (ListQuery(text="young"), ["Ben"]),
        (ListQuery(statuses=frozenset({"closed"})), ["Cal"]),
        (ListQuery(statuses=frozenset({"open"})), ["Eve", "Dot", "Ben", "Ada"]),
        (ListQuery(tiers=frozenset({2, 4})), ["Eve", "Dot", "Cal"]),
        (ListQuery(reviews=frozenset({"overdue"})), ["Dot"]),
        (ListQuery(reviews=frozenset({"soon"})), ["Ada"]),
        (ListQuery(reviews=frozenset({"overdue", "soon"})), ["Dot", "Ada"]),
        (ListQuery(key_workers=frozenset({0})), ["Eve", "Cal", "Ben"]),
    ],
)
def test_filters_narrow_the_list(partnership, personas, query, expected):
    assert names(student_rows(personas["coordinator"], query)) == expected


def test_filter_by_school_and_key_worker(partnership, personas, county):
    coordinator = personas["coordinator"]
    school = ListQuery(schools=frozenset({county.school_a.pk}))
    assert names(student_rows(coordinator, school)) == ["Cal", "Ben", "Ada"]
    mine = ListQuery(key_workers=frozenset({personas["key_worker"].pk}))
    assert names(student_rows(coordinator, mine)) == ["Dot", "Ada"]


def test_search_by_upn_finds_one(partnership, personas):
    upn = partnership["Ben"].student.upn
    assert names(student_rows(personas["coordinator"], ListQuery(text=upn))) == ["Ben"]


@pytest.mark.parametrize(
    ("sort", "descending", "expected"),
    [
        ("name", True, ["Ada", "Ben", "Cal", "Dot", "Eve"]),
        ("school", False, ["Cal", "Ben", "Ada", "Eve", "Dot"]),
        ("tier", False, ["Ada", "Eve", "Cal", "Ben", "Dot"]),
        ("tier", True, ["Dot", "Ben", "Eve", "Cal", "Ada"]),
        ("status", False, ["Eve", "Dot", "Ben", "Ada", "Cal"]),
        ("next_review", False, ["Dot", "Ada", "Eve", "Ben", "Cal"]),
        ("key_worker", False, ["Dot", "Ada", "Eve", "Cal", "Ben"]),
    ],
)
def test_every_column_sorts(partnership, personas, sort, descending, expected):
    query = ListQuery(sort=sort, descending=descending)
    assert names(student_rows(personas["coordinator"], query)) == expected


def test_the_page_has_sort_links_with_aria_sort(partnership, personas, login):
    client = login(personas["coordinator"])
    body = client.get(reverse("students:list"), {"sort": "tier", "dir": "desc"}).content.decode()
    assert 'aria-sort="descending"><a class="govuk-link" href="?sort=tier&amp;dir=asc">' in body
    assert 'aria-sort="none"><a class="govuk-link" href="?sort=name&amp;dir=asc">Name' in body
    assert body.index("Webb, Dot") < body.index("Young, Ben") < body.index("Zimmer, Ada")
    assert 'aria-current="page">Students</a>' in body
    assert 'govuk-tag--grey">Closed' in body


def test_closed_cases_look_different(partnership, personas, login):
    body = login(personas["coordinator"]).get(reverse("students:list")).content.decode()
    row = body[body.index("Xu, Cal") :].split("</tr>")[0]
    assert "Closed" in row
    assert "seip-row--closed" in body[: body.index("Xu, Cal")].rsplit("<tr", 1)[1]


def test_the_list_is_paged(partnership, personas, login, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client = login(personas["coordinator"])
    first = client.get(reverse("students:list")).content.decode()
    assert "Vance, Eve" in first
    assert "Webb, Dot" in first
    assert "Xu, Cal" not in first
    assert 'class="govuk-pagination"' in first
    third = client.get(reverse("students:list"), {"page": 3}).content.decode()
    assert "Zimmer, Ada" in third
    assert "Vance, Eve" not in third
    event = AuditEvent.objects.filter(action="read.student_list").latest("pk")
    assert event.detail["students"] == [partnership["Ada"].student.pk]


def test_an_unknown_filter_value_is_an_error_that_names_the_field(partnership, personas, login):
    client = login(personas["coordinator"])
    body = client.get(reverse("students:list"), {"tier": "9", "school": "999999"}).content
    body = body.decode()
    assert "There is a problem" in body
    assert "Choose tiers from the list" in body
    assert "Choose schools from the list" in body


def test_a_school_contact_is_offered_only_their_own_school(partnership, personas, login, county):
    body = login(personas["school_contact"]).get(reverse("students:list")).content.decode()
    assert "Alpha Academy" in body
    assert "Alpha Community Hub" not in body
    assert "Webb, Dot" not in body


def _export(client, **params):
    response = client.get(reverse("students:export"), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == "no-store"
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_export_is_the_filtered_list(partnership, personas, login):
    rows = _export(login(personas["coordinator"]), tier=["2", "4"], sort="tier")
    assert rows[0] == ["Name", "School", "Key worker", "Status", "Tier", "Next review", "Review"]
    assert [r[0] for r in rows[1:]] == ["Vance, Eve", "Xu, Cal", "Webb, Dot"]
    dot = rows[3]
    assert dot[1:5] == [
        "Alpha Community Hub", "Key Worker Person", "Open", "Tier 4: programme management",
    ]  # fmt: skip
    assert dot[6] == "Overdue"


@pytest.mark.promise("P08")
def test_a_school_contact_exports_only_their_school(partnership, personas, login):
    rows = _export(login(personas["school_contact"]))
    assert [r[0] for r in rows[1:]] == ["Xu, Cal", "Young, Ben", "Zimmer, Ada"]
    assert {r[1] for r in rows[1:]} == {"Alpha Academy"}


@pytest.mark.promise("P08")
@pytest.mark.parametrize("persona", ["school_b", "provider", "parent", "nobody"])
def test_no_one_exports_a_student_they_cannot_see(partnership, personas, login, persona, county):
    # Even naming the school of partnership A in the filter gives them nothing.
    rows = _export(login(personas[persona]))
    assert rows[1:] == []
    other = login(personas[persona]).get(
        reverse("students:export"), {"school": str(county.school_a.pk)}
    )
    assert "Zimmer" not in other.content.decode()


@pytest.mark.promise("P14")
def test_the_export_is_audited_without_the_search_text(partnership, personas, login):
    _export(login(personas["coordinator"]), q="Zimmer")
    event = AuditEvent.objects.get(action="read.student_export")
    assert event.actor == personas["coordinator"]
    assert event.detail["students"] == [partnership["Ada"].student.pk]
    assert event.detail["format"] == "csv"
    assert event.detail["filters"]["searched"] is True
    assert "Zimmer" not in str(event.detail)


@pytest.mark.promise("P14")
def test_a_school_contacts_export_is_a_disclosure_the_family_sees(partnership, personas, login):
    _export(login(personas["school_contact"]))
    disclosed = Disclosure.objects.filter(kind=DisclosureKind.EXPORT)
    assert {d.student.first_name for d in disclosed} == {"Ada", "Ben", "Cal"}
    assert {d.recipient for d in disclosed} == {personas["school_contact"]}


def test_export_cells_cannot_start_a_formula(personas, county):
    case = admit(personas, county.school_a, personas["school_contact"], "=HYPERLINK(1)", "-Evil")
    rows = student_rows(personas["coordinator"], ListQuery())
    text = export_csv(rows)
    assert "'-Evil, =HYPERLINK(1)" in text
    assert case.student.first_name == "=HYPERLINK(1)"


def test_the_rows_cost_a_fixed_number_of_queries(partnership, personas, county):
    coordinator = personas["coordinator"]
    student_rows(coordinator, ListQuery())  # the memberships, cached for the request
    with CaptureQueriesContext(connection) as five:
        student_rows(coordinator, ListQuery(sort="next_review"))
    admit(personas, county.school_a, personas["school_contact"], "Fay", "Upton")
    admit(personas, county.school_a, personas["school_contact"], "Gus", "Taylor")
    with CaptureQueriesContext(connection) as seven:
        rows = student_rows(coordinator, ListQuery(sort="next_review"))
    assert len(rows) == 7
    # The filtered scope, their cases with the review facts, and the keys of any name
    # not yet opened: never a query a row.
    assert len(seven) == len(five) <= 3
