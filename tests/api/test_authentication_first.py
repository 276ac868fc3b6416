"""Authentication before anything else (issue 18 item 7): an anonymous caller, or one with a
token that is not valid, of any operation of the OpenAPI document gets 401 with the one JSON
error shape and a ``WWW-Authenticate`` header, even with an invalid body or query: never a
422 listing the schema's fields, never a 404 telling which ids exist. Only the operations the
document declares open (``security: []``) answer otherwise.
"""

import re

import pytest

from tests.api.test_openapi_responses import DOCUMENT, METHODS

# The only operations open to anonymous callers: getting a token, and the open data.
PUBLIC = {("post", "/api/v1/auth/tokens"), ("get", "/api/v1/indicators/open-data")}


def _operations():
    for path, operations in DOCUMENT["paths"].items():
        for method, operation in operations.items():
            if method in METHODS:
                yield method, path, operation


def _url(path: str) -> str:
    """The path with every parameter filled (a format by one of its values, ids by 1)."""
    return re.sub(r"\{(\w+)\}", lambda m: "xlsx" if m.group(1) == "fmt" else "1", path)


def test_only_the_declared_operations_are_open():
    declared = {(m, p) for m, p, op in _operations() if op.get("security") == []}
    assert declared == PUBLIC


@pytest.mark.parametrize(
    "credentials", [{}, {"Authorization": "Bearer not-a-token"}], ids=["anonymous", "bad-token"]
)
def test_every_operation_asks_for_authentication_first(client, credentials):
    failures = []
    for method, path, _operation in _operations():
        if (method, path) in PUBLIC:
            continue
        # An invalid body and query: a 422 here would mean validation ran first.
        response = client.open(
            _url(path) + "?page=zero&batch_id=x&direction=sideways",
            method=method.upper(),
            headers=credentials,
            json={"no_such_field": "<script>", "lines": "x"} if method != "get" else None,
        )
        body = response.get_json(silent=True) or {}
        if response.status_code != 401:
            failures.append(f"{method.upper()} {path}: {response.status_code}")
        elif body.get("code") is None or "WWW-Authenticate" not in response.headers:
            failures.append(f"{method.upper()} {path}: 401 without the error shape")
        elif body.get("errors"):
            failures.append(f"{method.upper()} {path}: 401 lists fields {body['errors']}")
    assert not failures, "\n".join(failures)


def test_the_open_operations_stay_open(client):
    assert client.get("/api/v1/indicators/open-data").status_code == 200
    refused = client.post("/api/v1/auth/tokens", json={"email": "nobody@htx.vn"})
    assert refused.status_code == 422  # its body is checked: it is how a caller signs in
