"""The shape of a query-count test (issue #10): a page costs the same queries for few or many rows.

``assert_flat_queries`` loads the page once to warm the session and the caches, asserts the exact
count with some rows, calls ``grow`` to add more (with their related objects, so an N+1 shows),
and asserts the same exact count again. An exact number fails on a regression either way.
"""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def assert_flat_queries(client, url, *, expected, grow, django_assert_num_queries, data=None, headers=None, shows=()):
    """Assert ``url`` costs ``expected`` queries before and after ``grow()``; return the last response.

    ``shows``: strings the page must contain after growing (the new rows are really on it).
    With ``expected=None`` the test fails and reports both counts (to write a new test).
    """
    client.get(url, data, headers=headers)  # warm the session, content types and permission caches
    if expected is None:
        with CaptureQueriesContext(connection) as before:
            client.get(url, data, headers=headers)
        grow()
        with CaptureQueriesContext(connection) as after:
            client.get(url, data, headers=headers)
        raise AssertionError(f"query counts of {url}: {len(before)} then {len(after)}")
    with django_assert_num_queries(expected):
        response = client.get(url, data, headers=headers)
    assert response.status_code == 200
    grow()
    with django_assert_num_queries(expected):
        response = client.get(url, data, headers=headers)
    assert response.status_code == 200
    page = response.content.decode()
    for text in shows:
        assert text in page, text
    return response
