import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from seip.behaviour import models as behaviour_models
from seip.behaviour.codes import ATTITUDE_SCALE
from seip.behaviour.models import ATTITUDE_AREAS, AttitudeRating, validate_attitude_score

scores = st.integers(min_value=-50, max_value=50)


@given(scores)
def test_the_validator_accepts_exactly_one_to_five(value):
    if 1 <= value <= 5:
        validate_attitude_score(value)
    else:
        with pytest.raises(ValidationError, match="from 1 to 5"):
            validate_attitude_score(value)


@given(st.fixed_dictionaries(dict.fromkeys(ATTITUDE_AREAS, scores)))
def test_a_rating_set_is_valid_only_when_every_score_is_on_the_scale(values):
    rating = AttitudeRating(
        rated_on=dt.date(2026, 10, 7),
        source_kind="partnership",
        obtained_on=dt.date(2026, 10, 7),
        **values,
    )
    off_scale = {area for area, value in values.items() if not 1 <= value <= 5}
    exclude = {"student", "source_organisation", "recorded_by"}
    if off_scale:
        with pytest.raises(ValidationError) as error:
            rating.clean_fields(exclude=exclude)
        assert set(error.value.message_dict) == off_scale
    else:
        rating.clean_fields(exclude=exclude)
        assert 1 <= rating.mean <= 5
        assert all(anchor == ATTITUDE_SCALE[score] for _, score, anchor in rating.score_rows)


def test_the_scale_is_documented_with_its_anchors():
    assert ATTITUDE_SCALE[1] == "Serious concern"
    assert ATTITUDE_SCALE[5] == "Strong"
    assert sorted(ATTITUDE_SCALE) == [1, 2, 3, 4, 5]
    assert "1 = serious concern" in (behaviour_models.__doc__ or "")
    assert "5 = strong" in (behaviour_models.__doc__ or "")
