"""Template helpers for ``reports/_document.html``: a figure's chart and its table."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from seip.reports import charts
from seip.reports.document import Figure
from seip.reports.present import Grid, grid, symbol_key

register = template.Library()


@register.simple_tag
def figure_chart(figure: Figure) -> SafeString:
    # to_svg escapes every label and title itself, so its output is safe markup.
    return mark_safe(charts.to_svg(figure))  # noqa: S308


@register.simple_tag
def figure_grid(figure: Figure) -> Grid:
    return grid(figure)


@register.simple_tag
def symbols_key() -> list[tuple[str, str]]:
    return symbol_key()
