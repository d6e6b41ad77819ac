"""How long each PDF takes to render (ADR 0043). Not a test: run it by name,

    SEIP_DATA_DIR=$(mktemp -d) uv run pytest src/seip/core/tests/pdf_timing.py -s -q

Each kind of PDF is rendered once to warm up, then ``RUNS`` times; the median and the
worst are printed in milliseconds. The documents are typical: the demo student's record
with a school year of attendance and behaviour, the default notice, the synthetic outcome
report of the render tests (four sections, three charts, six tables).
"""

import statistics
import time
from collections.abc import Callable

import pytest

RUNS = 5


def _time(name: str, render: Callable[[], bytes]) -> None:
    render()
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        render()
        timings.append((time.perf_counter() - start) * 1000)
    print(f"{name:<20} median {statistics.median(timings):6.0f} ms   worst {max(timings):6.0f} ms")


@pytest.fixture
def student(active_case):
    from seip.attendance.demo import build_history as attendance
    from seip.behaviour.demo import build_history as behaviour
    from seip.students.models import Student

    student = Student.objects.select_related("school", "referral").get(pk=active_case.student.pk)
    attendance([student], 1)
    behaviour([student], 1)
    return student


def test_time_every_pdf(county, personas, student):
    from seip.bundles import output
    from seip.bundles.assemble import assemble
    from seip.notices.pdf import notice_pdf
    from seip.notices.services import notice_publish
    from seip.progress.pdf import render_pdf
    from seip.progress.report import Audience, build_report
    from seip.reports.render_pdf import report_pdf
    from seip.reports.tests.test_render import build_document
    from seip.transfers.record import record_document, record_pdf

    coordinator = personas["coordinator"]
    version = notice_publish(partnership=county.a, actor=None)
    report = build_report(student, Audience.KEY_WORKER)
    bundle = assemble(student, coordinator)
    record = record_document(student, coordinator, county.provider)
    document = build_document()

    _time("notice", lambda: notice_pdf(version))
    _time("progress report", lambda: render_pdf(report))
    _time("access bundle", lambda: output.render_pdf(bundle))
    _time("transfer record", lambda: record_pdf(record, title="Student record", author="A"))
    _time("outcome report", lambda: report_pdf(document, logo=None))
