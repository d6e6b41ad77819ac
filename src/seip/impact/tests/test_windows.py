"""Every window at once (``Records.windows_of``) against one at a time (``Records.window``)."""

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seip.attendance.marks import ENCODING, NO_MARK, year_length
from seip.impact.frames import OUTCOMES, Dimension, Group, Person, Records, Windows
from seip.reports.population import Period

PERIOD = Period(2025)
FIRST_DAY = dt.date(2024, 9, 1)
DAYS = (dt.date(2027, 8, 31) - FIRST_DAY).days
# Every stored character, a character no code uses, and no mark (mostly, as in real years).
MARKS = st.sampled_from([*ENCODING.values(), "?", NO_MARK, NO_MARK, NO_MARK])
DAY = st.integers(0, DAYS).map(lambda n: FIRST_DAY + dt.timedelta(days=n))


@st.composite
def records(draw: st.DrawFn) -> Records:
    windows = Windows(
        baseline_weeks=draw(st.integers(1, 20)), followup_weeks=draw(st.integers(1, 20))
    )
    found = Records(period=PERIOD, windows=windows, until=dt.date(2027, 12, 1))
    for student in draw(st.lists(st.integers(1, 40), min_size=1, max_size=6, unique=True)):
        found.people[student] = Person(school="A", year_group="Year 9", referred_on=draw(DAY))
        found.cohort.add(student)
        for year in draw(st.lists(st.sampled_from([2024, 2025, 2026]), max_size=4)):
            length = year_length(year)
            # Whole years mostly; sometimes a short or odd string (never valid, still counted
            # as slicing counts it).
            size = draw(st.sampled_from([length, length, length - 1, draw(st.integers(0, length))]))
            pattern = draw(st.lists(MARKS, min_size=1, max_size=40))
            found.attendance[student].append(
                (
                    year,
                    "".join(pattern) * (size // len(pattern))
                    + "".join(pattern)[: size % len(pattern)],
                )
            )
        for kept in (found.incidents, found.suspensions, found.exclusions):
            kept[student] = sorted(draw(st.lists(DAY, max_size=8)))
        found.attitude[student] = sorted(
            draw(st.lists(st.tuples(DAY, st.floats(1, 5)), max_size=8)), key=lambda r: r[0]
        )
        found.results[student] = sorted(
            draw(
                st.lists(
                    st.tuples(DAY, st.sampled_from(["maths", "english"]), st.floats(-3, 3)),
                    max_size=8,
                )
            ),
            key=lambda r: r[0],
        )
    starts = {
        s: draw(DAY) for s in draw(st.lists(st.sampled_from(sorted(found.people)), unique=True))
    }
    found.groups.append(Group(Dimension.TYPE, "mentoring", "Mentoring", starts, {}))
    return found


@settings(max_examples=150, deadline=None)
@given(records(), st.data())
def test_every_window_at_once_is_each_window(found: Records, data: st.DataObject) -> None:
    starts = [
        *(p.referred_on for p in found.people.values()),
        *(d for g in found.groups for d in g.starts.values()),
    ]
    pairs = [
        (student, span)
        for student in sorted(found.people)
        for start in starts
        for span in (found.windows.baseline(start), found.windows.followup(start))
    ]
    chosen = data.draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=30))
    students = np.array([s for s, _ in chosen], dtype=np.int64)
    firsts = np.array([span[0].toordinal() for _, span in chosen], dtype=np.int64)
    lasts = np.array([span[1].toordinal() for _, span in chosen], dtype=np.int64)
    many = found.windows_of(students, firsts, lasts)
    for i, (student, span) in enumerate(chosen):
        one = found.window(student, *span)
        for outcome in OUTCOMES:
            expected, got = getattr(one, outcome), float(many[outcome][i])
            # The same float, bit for bit (nan where there is nothing to measure).
            assert (math.isnan(expected) and math.isnan(got)) or expected == got, outcome


def test_a_window_beyond_the_days_kept_is_refused() -> None:
    found = Records(period=PERIOD, windows=Windows(), until=dt.date(2027, 12, 1))
    found.people[1] = Person(school="A", year_group="Year 9", referred_on=dt.date(2025, 10, 1))
    found.cohort.add(1)
    found.attendance[1].append((2025, NO_MARK * year_length(2025)))
    day = dt.date(2027, 1, 1).toordinal()
    with pytest.raises(ValueError, match="did not keep"):
        found.windows_of(np.array([1]), np.array([day]), np.array([day]))
