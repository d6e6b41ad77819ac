import pytest

from seip.imports.fixtures import SchoolSpec


@pytest.fixture
def school_spec(county) -> SchoolSpec:
    """The CTF header for the county's first school (where the persona pupil is on roll)."""
    school = county.school_a
    return SchoolSpec(
        lea=school.local_authority.la_code,
        estab=school.establishment_number,
        urn=school.urn,
        name=school.name,
    )


@pytest.fixture
def student(active_case):
    """Jordan Example (UPN B801200005001), referred, signed and accepted at school A."""
    return active_case.student


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    """Run background tasks in the request that queues them (Django's ImmediateBackend),
    so a test sees the run finish. The task backends are cached by alias; forget them on
    both sides so the next test reads TASKS again."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    forget_task_backends()
    yield
    forget_task_backends()


@pytest.fixture
def database_tasks(settings, immediate_tasks):
    """The production backend instead: tasks wait in the database for ``db_worker``."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    forget_task_backends()


def forget_task_backends() -> None:
    from django.tasks import task_backends

    task_backends.__dict__.pop("settings", None)
    task_backends._settings = None
    if hasattr(task_backends._connections, "default"):
        del task_backends["default"]
