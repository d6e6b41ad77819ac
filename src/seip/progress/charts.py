"""Server-rendered charts for the progress views and the PDF report (P03).

One chart description, one renderer: accessible SVG, with the same numbers as a table
beside it (the text alternative). The PDF shows the same SVG as a figure with alternative
text (ADR 0043), so page and PDF show exactly the same picture.
"""

import html
from dataclasses import dataclass, field

BLUE = "#1d70b8"
ORANGE = "#b14c00"
GREY = "#505a5f"
PALETTE = [BLUE, ORANGE, "#00703c", "#4c2c92", "#d4351c"]


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]


@dataclass(frozen=True)
class Chart:
    """A bar chart over periods (half terms), with an optional reference line."""

    key: str
    title: str
    description: str
    categories: list[str]
    series: list[Series]
    y_max: float
    unit: str = ""
    reference: float | None = None
    reference_label: str = ""
    rows: list[list[str]] = field(default_factory=list)

    def formatted(self, value: float | None) -> str:
        if value is None:
            return "no data"
        number = f"{value:.0f}" if value == int(value) else f"{value:.1f}"
        return f"{number}{self.unit}"

    def table(self) -> tuple[list[str], list[list[str]]]:
        """The chart's numbers as a table: its text alternative."""
        head = ["Period", *[s.name for s in self.series]]
        body = [
            [category, *[self.formatted(s.values[i]) for s in self.series]]
            for i, category in enumerate(self.categories)
        ]
        return head, body


WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 56


def _ticks(chart: Chart) -> list[float]:
    """Whole-number gridlines for small scales (ratings, counts); quarters otherwise."""
    if chart.y_max <= 10 and chart.y_max == int(chart.y_max):
        return [float(n) for n in range(int(chart.y_max) + 1)]
    return [chart.y_max * tick / 4 for tick in range(5)]


def _geometry(chart: Chart) -> tuple[float, float, float]:
    plot_w = WIDTH - LEFT - RIGHT
    group = plot_w / max(len(chart.categories), 1)
    bar = group * 0.7 / max(len(chart.series), 1)
    return plot_w, group, bar


def _y(value: float, chart: Chart) -> float:
    plot_h = HEIGHT - TOP - BOTTOM
    top = chart.y_max or 1
    return TOP + plot_h * (1 - min(max(value, 0), top) / top)


def to_svg(chart: Chart) -> str:
    _, group, bar = _geometry(chart)
    e = html.escape
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart.key}-title" aria-describedby="{chart.key}-desc" '
        'class="seip-chart" font-family="Arial, sans-serif">',
        f'<title id="{chart.key}-title">{e(chart.title)}</title>',
        f'<desc id="{chart.key}-desc">{e(chart.description)}</desc>',
    ]
    for level in _ticks(chart):
        y = _y(level, chart)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#b1b4b6" '
            'stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="{GREY}">{e(chart.formatted(level))}</text>'
        )
    for i, category in enumerate(chart.categories):
        x0 = LEFT + group * i + group * 0.15
        for j, series in enumerate(chart.series):
            value = series.values[i]
            if value is None:
                continue
            y = _y(value, chart)
            parts.append(
                f'<rect x="{x0 + bar * j:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                f'height="{HEIGHT - BOTTOM - y:.1f}" fill="{PALETTE[j % len(PALETTE)]}">'
                f"<title>{e(series.name)}, {e(category)}: "
                f"{e(chart.formatted(value))}</title></rect>"
            )
        parts.append(
            f'<text x="{LEFT + group * i + group / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" '
            f'text-anchor="middle" font-size="11" fill="#0b0c0c">{e(category)}</text>'
        )
    if chart.reference is not None:
        y = _y(chart.reference, chart)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#0b0c0c" '
            'stroke-width="2" stroke-dasharray="6 4"/>'
        )
        parts.append(
            f'<text x="{WIDTH - RIGHT}" y="{y - 6:.1f}" text-anchor="end" font-size="12" '
            f'fill="#0b0c0c">{e(chart.reference_label)}</text>'
        )
    for j, series in enumerate(chart.series):
        x = LEFT + 170 * j
        parts.append(
            f'<rect x="{x}" y="{HEIGHT - 22}" width="12" height="12" '
            f'fill="{PALETTE[j % len(PALETTE)]}"/>'
            f'<text x="{x + 18}" y="{HEIGHT - 12}" font-size="12" fill="#0b0c0c">'
            f"{e(series.name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
