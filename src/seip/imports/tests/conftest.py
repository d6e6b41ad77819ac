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
def _tasks_at_once(immediate_tasks):
    """Uploads run as background tasks: here in the request (``seip.conftest``)."""
