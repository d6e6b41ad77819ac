import datetime as dt
import itertools

from hypothesis import given
from hypothesis import strategies as st

from seip.core.calendar import HalfTerm, academic_year, half_term_of, half_terms_between


def test_boundaries():
    assert half_term_of(dt.date(2026, 9, 1)) == HalfTerm(2026, 1)
    assert half_term_of(dt.date(2026, 10, 31)) == HalfTerm(2026, 1)
    assert half_term_of(dt.date(2026, 11, 1)) == HalfTerm(2026, 2)
    assert half_term_of(dt.date(2027, 2, 14)) == HalfTerm(2026, 3)
    assert half_term_of(dt.date(2027, 8, 31)) == HalfTerm(2026, 6)
    assert HalfTerm(2026, 6).next() == HalfTerm(2027, 1)
    assert HalfTerm(2027, 1).previous() == HalfTerm(2026, 6)
    assert HalfTerm(2026, 4).previous().next() == HalfTerm(2026, 4)
    assert HalfTerm(2026, 3).label == "Spring 1 2026/27"
    assert academic_year(dt.date(2027, 7, 1)) == 2026


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31)))
def test_every_day_falls_in_exactly_its_half_term(day):
    term = half_term_of(day)
    assert term.start <= day <= term.end


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2080, 1, 1)), st.integers(0, 900))
def test_half_terms_between_cover_the_range_without_gaps(start, days):
    end = start + dt.timedelta(days=days)
    terms = half_terms_between(start, end)
    assert terms[0].start <= start
    assert terms[-1].end >= end
    for a, b in itertools.pairwise(terms):
        assert a.end + dt.timedelta(days=1) == b.start
