"""The design matrix: hashing the categories gives np.unique's levels exactly (ADR 0047),
and the design of a subset of rows from the covariates already read is the design of
those rows (ADR 0055)."""

import numpy as np
import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from seip.impact.design import (
    MIN_LEVEL,
    build_design,
    design_of,
    encode,
    labels,
    reference_level,
)

LEVELS = st.sampled_from(["Year 7", "Year 10", "Year 9", "none", "EHC plan", "Ökul", "a", "B"])


def _sorted_design(frame: pd.DataFrame, categorical: tuple[str, ...]) -> tuple:
    """The design as np.unique over each row's label builds it: the code before ADR 0047."""
    n = len(frame)
    columns = [np.ones(n)]
    terms = []
    references = {}
    level_counts = {}
    merged = []
    for name in categorical:
        values = labels(frame, name)
        reference = reference_level(values, name)
        references[name] = reference
        levels, counts = np.unique(values, return_counts=True)
        for level, count in zip(levels.tolist(), counts.tolist(), strict=True):
            level_counts[(name, str(level))] = int(count)
            if level == reference:
                continue
            if count < MIN_LEVEL:
                merged.append((name, str(level)))
                continue
            columns.append((values == level).astype(np.float64))
            terms.append((name, str(level)))
    return np.column_stack(columns), tuple(terms), references, level_counts, tuple(merged)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(LEVELS, LEVELS, st.sampled_from([1, 2, 2.0, "2"])), min_size=1, max_size=80)
)
def test_the_design_is_the_one_sorting_every_label_gave(rows):
    frame = pd.DataFrame(rows, columns=["school", "sen", "mixed"])
    design = build_design(frame, (), ("school", "sen", "mixed"))
    matrix, terms, references, level_counts, merged = _sorted_design(
        frame, ("school", "sen", "mixed")
    )
    assert np.array_equal(design.matrix, matrix)
    assert design.terms == terms
    assert dict(design.references) == references
    assert dict(design.level_counts) == level_counts
    assert design.merged == merged


def test_values_that_print_alike_are_one_level():
    # 2 and "2" are different values but one label: one level, counted together.
    frame = pd.DataFrame({"mixed": [2, "2", 2.5, 2, "2", 2, 2, 2, 2.5] * 2})
    design = build_design(frame, (), ("mixed",))
    assert dict(design.level_counts) == {("mixed", "2"): 14, ("mixed", "2.5"): 4}
    assert design.terms == ()  # 2.5 has fewer than MIN_LEVEL students: merged
    assert design.merged == (("mixed", "2.5"),)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            LEVELS,
            st.sampled_from([1, 2, 2.0, "2"]),
            st.sampled_from([0.0, 1.0, 0.25]),
            st.floats(-5, 5, allow_nan=False),
            st.booleans(),
        ),
        min_size=1,
        max_size=80,
    )
)
def test_a_subset_design_is_the_design_of_the_subset(rows):
    # Levels and variation can vanish from the subset: a school with nobody kept, a
    # column constant on the rows kept, a column equal to an earlier one there.
    frame = pd.DataFrame(rows, columns=["school", "mixed", "flag", "score", "keep"])
    keep = frame["keep"].to_numpy(bool)
    assume(keep.any())  # the common support always holds the extremes of both groups
    numeric, categorical = ("flag", "score"), ("school", "mixed")
    found = design_of(encode(frame, numeric, categorical).subset(keep))
    expected = build_design(frame.loc[keep], numeric, categorical)
    assert np.array_equal(found.matrix, expected.matrix)
    assert found.terms == expected.terms
    assert dict(found.references) == dict(expected.references)
    assert dict(found.level_counts) == dict(expected.level_counts)
    assert found.merged == expected.merged
