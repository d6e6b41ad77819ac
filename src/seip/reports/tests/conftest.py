import pytest


@pytest.fixture(autouse=True)
def _tasks_at_once(immediate_tasks):
    """Reports asked for on a page are made by a background task; here in the request
    that queues it (``seip.conftest.immediate_tasks``), so a test sees the report at once."""
