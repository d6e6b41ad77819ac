import re
import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from seip.progress.charts import Chart, Series, to_svg


def chart(values):
    return Chart(
        key="attendance",
        title="Attendance by half term",
        description="Bars show attendance.",
        categories=[f"Term {i}" for i in range(len(values))],
        series=[Series("Attendance", values)],
        y_max=100,
        unit="%",
        reference=80.0,
        reference_label="At referral: 80%",
    )


def test_svg_is_labelled_and_has_a_bar_per_value():
    svg = to_svg(chart([90.0, 75.5, None]))
    assert 'role="img"' in svg
    assert 'aria-labelledby="attendance-title"' in svg
    assert 'aria-describedby="attendance-desc"' in svg
    assert '<title id="attendance-title">Attendance by half term</title>' in svg
    assert len(re.findall(r"<rect x=", svg)) == 2 + 1  # two bars and the legend key
    assert "At referral: 80%" in svg


def test_table_is_the_text_alternative():
    head, body = chart([90.0, 75.5, None]).table()
    assert head == ["Period", "Attendance"]
    assert body == [["Term 0", "90%"], ["Term 1", "75.5%"], ["Term 2", "no data"]]


def test_labels_are_escaped():
    evil = Chart(
        key="k",
        title="<script>",
        description="d",
        categories=["<b>"],
        series=[Series("s", [1.0])],
        y_max=5,
    )
    svg = to_svg(evil)
    assert "<script>" not in svg
    assert "&lt;b&gt;" in svg


def test_small_scales_get_whole_number_gridlines():
    ratings = Chart(
        key="a", title="t", description="d", categories=["x"], series=[Series("s", [3.0])], y_max=5
    )
    svg = to_svg(ratings)
    assert ">2.5<" not in svg
    assert ">3<" in svg


@given(st.lists(st.one_of(st.none(), st.floats(0, 150)), min_size=1, max_size=12))
def test_any_values_render_as_well_formed_svg(values):
    root = ET.fromstring(to_svg(chart(values)))  # noqa: S314 - our own output
    assert root.get("role") == "img"
