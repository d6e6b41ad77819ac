"""The engine's OLS with HC3 errors against statsmodels, the reference it replaces
(ADR 0055): the same estimator, so the same coefficients, errors and degrees of freedom
to rounding error, and the same figures once published."""

import numpy as np
import pytest
import statsmodels.api as sm

from seip.impact.design import build_design, ols_hc3
from seip.impact.synthetic import Planted, county, outcome_frame
from seip.reports.document import Unit
from seip.reports.present import format_value


def reference(matrix, y):
    return sm.OLS(y, matrix).fit(cov_type="HC3", use_t=True)


def designs():
    planted = [
        Planted("Mentoring", 0.1, attendance=5.0, behaviour=-1.0, confounding=1.5),
        Planted("Tutoring", 0.1, confounding=0.0),
        Planted("Counselling", 0.05, attendance=-2.0, confounding=0.5),
    ]
    wide = county(3000, planted, seed=11)
    for intervention in ("Mentoring", "Tutoring", "Counselling"):
        for outcome in ("attendance", "behaviour"):
            frame = outcome_frame(wide, intervention, outcome).dropna()
            design = build_design(
                frame,
                ("baseline", "baseline_attendance", "baseline_attainment", "disadvantaged"),
                ("year_group", "sen", "school"),
            )
            x = np.column_stack([frame["treated"].to_numpy(float), design.matrix])
            y = (frame["followup"] - frame["baseline"]).to_numpy(float)
            yield x, y


@pytest.mark.parametrize(("x", "y"), list(designs()))
def test_the_fit_is_statsmodels_hc3_fit(x, y):
    fit, expected = ols_hc3(x, y), reference(x, y)
    assert fit.df_resid == expected.df_resid
    np.testing.assert_allclose(fit.params, expected.params, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fit.bse, expected.bse, rtol=1e-9)
    np.testing.assert_allclose(fit.conf_int(), expected.conf_int(alpha=0.05), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fit.pvalues, expected.pvalues, rtol=1e-7, atol=1e-300)
    # As published: the treatment's estimate and interval, to the forest's precision.
    ours = [fit.params[0], *fit.conf_int()[0]]
    theirs = [expected.params[0], *expected.conf_int(alpha=0.05)[0]]
    assert [format_value(v, Unit.MEAN) for v in ours] == [
        format_value(v, Unit.MEAN) for v in theirs
    ]


def test_a_rank_deficient_design_gives_statsmodels_minimum_norm_fit():
    rng = np.random.default_rng(3)
    a = rng.normal(size=200)
    # The third column is the sum of the first two: rank 3 of 4.
    x = np.column_stack([np.ones(200), a, a + 1.0, rng.normal(size=200)])
    y = 2.0 * a + rng.normal(size=200)
    fit, expected = ols_hc3(x, y), reference(x, y)
    assert fit.df_resid == expected.df_resid == 197
    np.testing.assert_allclose(fit.params, expected.params, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(fit.bse, expected.bse, rtol=1e-8)
