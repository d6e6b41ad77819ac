"""Background tasks for reports asked for on a page (Django's task framework; the database
backend in production, run by ``seip worker``)."""

from django.tasks import task

from seip.reports.runs import report_run_execute_now


@task()
def report_run_execute(run_id: int) -> None:
    """Make one queued report (see :mod:`seip.reports.runs`). Returns nothing: the report
    is kept on the run, seen only by whoever asked for it."""
    report_run_execute_now(run_id)
