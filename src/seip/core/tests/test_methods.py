"""Security review, issue 15: an unexpected HTTP method never reaches a view's body.

A ``require_http_methods`` put on a helper instead of the view returned a 405 response
where the view expected a student, and PUT on the consent-withdrawal page answered 500.
Every named URL is sent PUT, PATCH and DELETE as a signed-in co-ordinator: no 500."""

import pytest

from seip.accounts.tests.test_second_factor import named_urls
from seip.core.tests.test_access_matrix import url_for, world  # noqa: F401 - the fixture

METHODS = ("put", "patch", "delete")


@pytest.mark.parametrize("method", METHODS)
def test_no_named_url_answers_500_to_an_unexpected_method(login, personas, world, method):  # noqa: F811
    client = login(personas["coordinator"])
    client.raise_request_exception = False
    failures = {}
    for name, pattern in named_urls():
        url = url_for(name, pattern, world)
        status = getattr(client, method)(url).status_code
        if status >= 500:
            failures[name] = f"{method.upper()} {url}: {status}"
    assert failures == {}
