"""Background tasks for imports started in the browser (Django's task framework; the
database backend in production, run by ``seip db_worker``)."""

from django.tasks import task

from seip.imports.runs import import_run_execute_now


@task()
def import_run_execute(run_id: int, token: str, columns: dict[str, str] | None) -> None:
    """Import one uploaded file (see :mod:`seip.imports.runs`). Returns nothing: the report
    is on the run, and a task's result must not carry anything from the file."""
    import_run_execute_now(run_id, token, columns)
