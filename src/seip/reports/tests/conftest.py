import pytest

from seip.imports.tests.conftest import forget_task_backends


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    """Reports asked for on a page are made by a background task; here in the request
    that queues it (Django's ImmediateBackend), so a test sees the report at once."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    forget_task_backends()
    yield
    forget_task_backends()
