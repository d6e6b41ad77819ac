"""Server-rendered charts for released report figures (P10, P04).

``layout`` turns a ``Figure`` into a list of shapes (top-left origin, SVG units) and
``to_svg`` only translates those shapes. The page shows the SVG inline; the PDF shows the
same SVG as a figure with alternative text (ADR 0043), cut by ``slices`` into runs of
whole rows when it is too tall for a page, so the page and the PDF draw the same picture.

Charts read only the published cells. A cell with a symbol draws no bar: its letter sits
at the axis instead, so a suppressed value cannot be read off a bar's length. Every chart
is placed next to its table, the text alternative.

A forest plot (``Chart.FOREST``, the impact section) draws one point per row at its
estimate with a line over its 95% interval, a darker line at no difference (zero), and
an axis in the figure's unit captioned with its ``column_label``. A row whose estimate
is a symbol ("too few to say") draws no point or line, only its letter at zero; an
interval bound that is a symbol (no upper limit) runs the line to the edge of the plot.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from seip.progress.charts import GREY, PALETTE
from seip.reports.document import FOREST_COLUMNS, TOTAL, Chart, Figure, Shown, Unit
from seip.reports.present import axis_label, format_value, published_value

__all__ = ["ChartLayout", "describe", "layout", "slices", "svg_of", "to_svg"]

TEXT = "#0b0c0c"
GRIDLINE = "#b1b4b6"
WIDTH = 640
RIGHT = 72  # room for a value label after the longest bar
BAR = 24  # bar thickness in a simple bar chart
GROUPED_BAR = 18
GAP = 10  # between groups (or bars, in a simple chart)
AXIS = 32  # tick labels under the plot
LEGEND_LINE = 24
FONT = 14
LABEL_CHARS = 34  # longer category labels are shortened; the table has them in full


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str = ""


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # the baseline
    text: str
    anchor: Literal["start", "middle", "end"] = "start"
    size: float = FONT
    fill: str = TEXT
    bold: bool = False


@dataclass(frozen=True)
class Rule:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str = GRIDLINE
    width: float = 1.0


Shape = Box | Text | Rule


@dataclass(frozen=True)
class ChartLayout:
    key: str
    title: str
    description: str
    width: float
    height: float
    shapes: tuple[Shape, ...]


def _bars(figure: Figure) -> tuple[list[str], list[str], dict[tuple[str, str], Shown]]:
    """Groups, series and the cells to draw: interior cells only, totals excluded."""
    groups = [row for row in figure.rows if row != TOTAL]
    if figure.chart is Chart.GROUPED_BAR and figure.columns:
        series = [column for column in figure.columns if column != TOTAL]
    else:
        series = [TOTAL]
    cells = {
        (g, s): shown for g in groups for s in series if (shown := figure.cell(g, s)) is not None
    }
    return groups, series, cells


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value - 1e-9:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def _scale(figure: Figure, numbers: list[float]) -> tuple[float, float, list[float]]:
    """The axis range and its ticks. Percentages always run 0 to 100 so that bars of
    different figures compare; other units round up to a readable maximum."""
    if figure.unit is Unit.PERCENT:
        return 0.0, 100.0, [0.0, 25.0, 50.0, 75.0, 100.0]
    high = _nice_ceiling(max([0.0, *numbers]))
    low = -_nice_ceiling(-min(numbers)) if numbers and min(numbers) < 0 else 0.0
    if figure.unit is Unit.COUNT and high <= 4 and low == 0:
        high = 4.0  # whole students: keep ticks on whole numbers
    span = high - low
    step = span / 4
    ticks = [low + step * i for i in range(5)]
    return low, high, ticks


def _shorten(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def _text_width(text: str, size: float = FONT) -> float:
    """A generous estimate for Arial/Helvetica, good enough to size the label column."""
    return len(text) * size * 0.56


def describe(figure: Figure) -> str:
    """The chart's description for screen readers: what it shows and where the numbers are."""
    if figure.chart is Chart.FOREST:
        return _describe_forest(figure)
    _, series, cells = _bars(figure)
    by = figure.row_label
    if series != [TOTAL]:
        by = f"{figure.row_label} and {figure.column_label or 'category'}"
    kind = "Grouped bar chart" if series != [TOTAL] else "Bar chart"
    text = f"{kind} of {figure.title.rstrip('.')}, by {by.lower()}."
    symbols = sorted({shown.symbol.value for shown in cells.values() if shown.symbol})
    if symbols:
        text += (
            f" Bars marked {', '.join(symbols)} have no number and are drawn without a bar"
            " (see the key)."
        )
    if figure.unit is Unit.PERCENT:
        text += " The scale runs from 0% to 100%."
    return text + " The same numbers are in the table below the chart."


def layout(figure: Figure, only: Sequence[str] | None = None) -> ChartLayout | None:
    """The shapes of ``figure``'s chart, or ``None`` when it has no chart.

    ``only`` draws a slice of the rows (for a chart too tall for one PDF page) on the
    scale and label width of the whole figure, so the slices line up and compare.
    """
    if figure.chart is Chart.NONE or not figure.rows:
        return None
    if figure.chart is Chart.FOREST:
        return _forest(figure, only)
    all_groups, series, cells = _bars(figure)
    groups = all_groups if only is None else [g for g in all_groups if g in set(only)]
    grouped = series != [TOTAL]
    numbers = [
        published_value(shown.value, figure.unit)
        for shown in cells.values()
        if shown.value is not None
    ]
    low, high, ticks = _scale(figure, numbers)
    shapes: list[Shape] = []

    top = 8.0
    if grouped:
        # The legend sits above the bars, wrapping onto as many lines as it needs.
        x, y = 0.0, top
        for j, name in enumerate(series):
            item = 18 + _text_width(name) + 20
            if x and x + item > WIDTH:
                x, y = 0.0, y + LEGEND_LINE
            shapes.append(Box(x, y, 14, 14, PALETTE[j % len(PALETTE)]))
            shapes.append(Text(x + 20, y + 12, name))
            x += item
        top = y + LEGEND_LINE + 6

    left = min(max([_text_width(_shorten(g)) for g in all_groups] + [40.0]) + 10, WIDTH * 0.4)
    plot_w = WIDTH - left - RIGHT
    thickness = GROUPED_BAR if grouped else BAR
    group_h = thickness * len(series) + GAP
    plot_h = group_h * len(groups)
    bottom = top + plot_h

    def x_of(value: float) -> float:
        clamped = min(max(value, low), high)
        return left + plot_w * (clamped - low) / ((high - low) or 1)

    for tick in ticks:
        x = x_of(tick)
        shapes.append(Rule(x, top, x, bottom))
        shapes.append(
            Text(x, bottom + 18, axis_label(tick, figure.unit), anchor="middle", fill=GREY)
        )
    zero = x_of(0.0)
    for i, group in enumerate(groups):
        y0 = top + group_h * i + GAP / 2
        shapes.append(
            Text(left - 8, y0 + group_h / 2 - GAP / 2 + FONT * 0.35, _shorten(group), anchor="end")
        )
        for j, name in enumerate(series):
            y = y0 + thickness * j
            shown = cells.get((group, name))
            if shown is None:
                continue
            label = group if not grouped else f"{group}, {name}"
            middle = y + thickness / 2 + FONT * 0.35
            if shown.symbol is not None:
                # No bar: the symbol sits at the axis, so no length hints at a value.
                shapes.append(Text(zero + 4, middle, shown.symbol.value, fill=GREY, bold=True))
                continue
            assert shown.value is not None  # noqa: S101 - a Shown without a symbol has a number
            value = published_value(shown.value, figure.unit)
            end = x_of(value)
            text = format_value(value, figure.unit)
            colour = PALETTE[j % len(PALETTE)] if grouped else PALETTE[0]
            shapes.append(
                Box(
                    min(zero, end),
                    y + 1,
                    max(abs(end - zero), 0.0),
                    thickness - 2,
                    colour,
                    title=f"{label}: {text}",
                )
            )
            # A white backing keeps gridlines from running through the value label.
            backing = _text_width(text) + 4
            backing_x = end + 2 if value >= 0 else end - 2 - backing
            shapes.append(Box(backing_x, middle - FONT * 0.9, backing, FONT * 1.2, "#ffffff"))
            if value >= 0:
                shapes.append(Text(end + 4, middle, text))
            else:
                shapes.append(Text(end - 4, middle, text, anchor="end"))
    shapes.append(Rule(zero, top, zero, bottom, stroke=TEXT, width=1.5))
    return ChartLayout(
        key=f"chart-{figure.id}",
        title=figure.title,
        description=describe(figure),
        width=WIDTH,
        height=bottom + AXIS,
        shapes=tuple(shapes),
    )


# --- forest plots -----------------------------------------------------------------------

FOREST_ROW = BAR + GAP  # the same pitch as a bar chart's, so ``to_drawings`` slices it
POINT = 10  # the estimate's square marker
INTERVAL = PALETTE[0]


def _forest_cells(figure: Figure, row: str) -> tuple[Shown | None, Shown | None, Shown | None]:
    estimate, lower, upper = (figure.cell(row, column) for column in FOREST_COLUMNS)
    return estimate, lower, upper


def _forest_scale(numbers: list[float]) -> tuple[float, float, list[float]]:
    """An axis that always shows zero (no difference), with round ticks either side."""
    high = max([0.0, *numbers])
    low = min([0.0, *numbers])
    if high == low:
        high = 1.0
    step = _nice_ceiling((high - low) / 4)
    low = math.floor(low / step - 1e-9) * step
    high = math.ceil(high / step - 1e-9) * step
    ticks = [low + step * i for i in range(round((high - low) / step) + 1)]
    return low, high, ticks


def _describe_forest(figure: Figure) -> str:
    text = (
        f"Forest plot of {figure.title.rstrip('.')}: one point per {figure.row_label.lower()} "
        "at its estimate, with a line over its 95% interval; the dark vertical line is no "
        "difference."
    )
    symbols = sorted(
        {
            shown.symbol.value
            for row in figure.rows
            if (shown := figure.cell(row, FOREST_COLUMNS[0])) is not None and shown.symbol
        }
    )
    if symbols:
        text += (
            f" Rows marked {', '.join(symbols)} have no estimate and draw no point (see the key)."
        )
    return text + " The same numbers are in the table below the chart."


def _forest(figure: Figure, only: Sequence[str] | None) -> ChartLayout:
    all_rows = [row for row in figure.rows if row != TOTAL]
    rows = all_rows if only is None else [r for r in all_rows if r in set(only)]
    numbers = [
        published_value(shown.value, figure.unit)
        for row in all_rows
        for shown in _forest_cells(figure, row)
        if shown is not None and shown.value is not None and math.isfinite(shown.value)
    ]
    low, high, ticks = _forest_scale(numbers)
    top = 8.0
    left = min(max([_text_width(_shorten(r)) for r in all_rows] + [40.0]) + 10, WIDTH * 0.4)
    plot_w = WIDTH - left - RIGHT / 2
    bottom = top + FOREST_ROW * len(rows)

    def x_of(value: float) -> float:
        clamped = min(max(value, low), high)
        return left + plot_w * (clamped - low) / ((high - low) or 1)

    shapes: list[Shape] = []
    for tick in ticks:
        x = x_of(tick)
        shapes.append(Rule(x, top, x, bottom))
        shapes.append(
            Text(x, bottom + 18, axis_label(tick, figure.unit), anchor="middle", fill=GREY)
        )
    if figure.column_label:
        shapes.append(
            Text(left + plot_w / 2, bottom + 38, figure.column_label, anchor="middle", fill=TEXT)
        )
    zero = x_of(0.0)
    for i, row in enumerate(rows):
        middle = top + FOREST_ROW * i + FOREST_ROW / 2
        shapes.append(Text(left - 8, middle + FONT * 0.35, _shorten(row), anchor="end"))
        estimate, lower, upper = _forest_cells(figure, row)
        if estimate is None or estimate.value is None:
            symbol = estimate.symbol.value if estimate is not None and estimate.symbol else ""
            shapes.append(Text(zero + 4, middle + FONT * 0.35, symbol, fill=GREY, bold=True))
            continue
        value = published_value(estimate.value, figure.unit)
        ends = []
        for bound, edge in ((lower, low), (upper, high)):
            if bound is not None and bound.value is not None and math.isfinite(bound.value):
                ends.append(x_of(published_value(bound.value, figure.unit)))
            else:
                ends.append(x_of(edge))  # no limit that way: run to the edge of the plot
        shapes.append(Rule(ends[0], middle, ends[1], middle, stroke=INTERVAL, width=3.0))
        text = format_value(value, figure.unit)
        shapes.append(
            Box(
                x_of(value) - POINT / 2,
                middle - POINT / 2,
                POINT,
                POINT,
                TEXT,
                title=f"{row}: {text}",
            )
        )
    shapes.append(Rule(zero, top, zero, bottom, stroke=TEXT, width=1.5))
    return ChartLayout(
        key=f"chart-{figure.id}",
        title=figure.title,
        description=describe(figure),
        width=WIDTH,
        height=bottom + AXIS + (24 if figure.column_label else 0),
        shapes=tuple(shapes),
    )


def to_svg(figure: Figure) -> str:
    """An accessible SVG: ``role="img"`` named by its ``<title>`` and described by its
    ``<desc>``; each bar carries its own title with its label and value."""
    chart = layout(figure)
    return "" if chart is None else _svg(chart)


def _svg(chart: ChartLayout) -> str:
    e = html.escape
    key = e(chart.key)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {chart.width:.0f} '
        f'{chart.height:.0f}" width="{chart.width:.0f}" height="{chart.height:.0f}" '
        f'role="img" aria-labelledby="{key}-title {key}-desc" class="seip-chart" '
        'font-family="Arial, Helvetica, sans-serif">',
        f'<title id="{key}-title">{e(chart.title)}</title>',
        f'<desc id="{key}-desc">{e(chart.description)}</desc>',
    ]
    for shape in chart.shapes:
        if isinstance(shape, Rule):
            parts.append(
                f'<line x1="{shape.x1:.1f}" y1="{shape.y1:.1f}" x2="{shape.x2:.1f}" '
                f'y2="{shape.y2:.1f}" stroke="{shape.stroke}" stroke-width="{shape.width}"/>'
            )
        elif isinstance(shape, Box):
            title = f"<title>{e(shape.title)}</title>" if shape.title else ""
            parts.append(
                f'<rect x="{shape.x:.1f}" y="{shape.y:.1f}" width="{shape.width:.1f}" '
                f'height="{shape.height:.1f}" fill="{shape.fill}">{title}</rect>'
            )
        else:
            weight = ' font-weight="bold"' if shape.bold else ""
            parts.append(
                f'<text x="{shape.x:.1f}" y="{shape.y:.1f}" text-anchor="{shape.anchor}" '
                f'font-size="{shape.size:g}" fill="{shape.fill}"{weight}>{e(shape.text)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def slices(figure: Figure, max_ratio: float) -> list[ChartLayout]:
    """The chart cut into as many charts (each a run of whole rows with its own axis) as
    it takes to keep each one's height under ``max_ratio`` times its width: the shape of
    the room a page leaves. Empty when the figure has no chart."""
    chart = layout(figure)
    if chart is None:
        return []
    if chart.height <= chart.width * max_ratio:
        return [chart]
    groups, series, _ = _bars(figure)
    per_group = (GROUPED_BAR if series != [TOTAL] else BAR) * len(series) + GAP
    overhead = chart.height - per_group * len(groups)
    size = max(1, int((chart.width * max_ratio - overhead) // per_group))
    parts: list[ChartLayout] = []
    for start in range(0, len(groups), size):
        part = layout(figure, groups[start : start + size])
        if part is not None:
            parts.append(part)
    return parts


def svg_of(chart: ChartLayout) -> str:
    """A laid-out chart (one of ``slices``) as SVG."""
    return _svg(chart)
