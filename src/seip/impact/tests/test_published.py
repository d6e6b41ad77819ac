"""Every published figure of the impact section stays the same (ADR 0055).

Internal floats may move in their last bits when the engine is made faster (another
order of summation, another formula for the same quantity); what a reader is shown may
not. So the section made from the planted records of ``test_report.planted`` is
compared, as published (each cell as ``present`` formats it: rounded effects and
intervals, £ figures, ``x`` and ``c``; the notes with their verdicts, Hedges' g, months'
progress and adjusted p-values; the summary), with a frozen copy,
``published_planted.json``, made by the code before ADR 0055. A change that moves any
published figure fails here; an intended change of method refreezes the file, and says
so in its ADR.
"""

import json
from pathlib import Path

import pytest

from seip.impact.tests.test_report import planted, section
from seip.reports.present import present

pytestmark = pytest.mark.django_db

FROZEN = Path(__file__).with_name("published_planted.json")
#: The figures made from the statistics; the others are ledger counts and money, which
#: the release tests check.
ESTIMATED = ("impact-effect", "impact-cost", "impact-factors")


def published(found):
    return {
        "figures": {
            f.id: {
                "rows": list(f.rows),
                "cells": {f"{r} | {c}": present(s, f.unit).text for (r, c), s in f.cells.items()},
                "note": f.note,
            }
            for f in found.figures
            if f.id.startswith(ESTIMATED)
        },
        "summary": found.summary,
    }


@pytest.mark.promise("P05")
def test_the_published_impact_figures_are_the_frozen_ones(county, personas):
    planted(county)
    found = published(section(county, personas))
    expected = json.loads(FROZEN.read_text())
    assert found["figures"].keys() == expected["figures"].keys()
    for id, figure in expected["figures"].items():
        assert found["figures"][id] == figure, id
    assert found["summary"] == expected["summary"]
    # Not a vacuous comparison: numbers are published, not only "x".
    cells = [text for f in expected["figures"].values() for text in f["cells"].values()]
    assert sum(text != "x" for text in cells) >= 10
