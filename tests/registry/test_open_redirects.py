"""Every ``next=`` and language-switch target: only a path on this site, whatever the payload.

The corpus holds the usual open-redirect tricks (scheme-relative, backslashes, tabs and newlines
a browser strips, encoded slashes, userinfo, other schemes, Unicode look-alikes). Each answer
is a redirect that a browser, reading it the WHATWG way, keeps on this site; never a 500.
"""

import re
from urllib.parse import urljoin, urlsplit

import pytest

from tests.conftest import PASSWORD, csrf_token

SITE = "https://htx.example"

PAYLOADS = [
    "//evil.example",
    "///evil.example",
    "////evil.example/x",
    "/\t/evil.example/phish",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/\x00/evil.example",
    "/\x0b/evil.example",
    "/\x1f/evil.example",
    "/\x7f/evil.example",
    "/ /evil.example",
    "\t//evil.example",
    " //evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "\\/evil.example",
    "https://evil.example",
    "http://evil.example/login",
    "HTTPS://evil.example",
    "https:evil.example",
    "https:/evil.example",
    "//evil.example@htx.example",
    "https://htx.example@evil.example",
    "/@evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "evil.example",
    "//evil%2Eexample",
    "//%65vil.example",
    "/%2F/evil.example",
    "/%5C/evil.example",
    "/%09/evil.example",
    "%2F%2Fevil.example",
    "\u3000//evil.example",
    "/\u3000/evil.example",
    "/\u200b/evil.example",
    "/\u2028/evil.example",
    "/\ufeff/evil.example",
    "//evil。example",
    "//ⓔvil.example",
    "/" + "a" * 5000,
    "",
    "?next=//evil.example",
    "#//evil.example",
]

# WHATWG URL parsing removes ASCII tab and newline anywhere and C0 controls and spaces at the ends.
_STRIPPED_ANYWHERE = re.compile(r"[\t\n\r]")


def browser_destination(location: str) -> str:
    """The host a browser would go to from our page on SITE, given this Location."""
    cleaned = _STRIPPED_ANYWHERE.sub("", location).strip(
        "\x00\x01\x02\x03\x04\x05\x06\x07"
        "\x08\x0b\x0c\x0e\x0f\x10\x11\x12"
        "\x13\x14\x15\x16\x17\x18\x19\x1a"
        "\x1b\x1c\x1d\x1e\x1f "
    )
    cleaned = cleaned.replace("\\", "/")
    return urlsplit(urljoin(SITE + "/start", cleaned)).netloc


def assert_stays_on_site(response) -> None:
    assert response.status_code in (301, 302, 303, 307, 308), response.status_code
    location = response.headers["Location"]
    assert browser_destination(location) == "htx.example", location
    assert location.startswith("/") and not location.startswith("//"), location
    assert not any(ord(char) < 0x20 or ord(char) == 0x7F for char in location), location


def test_corpus_is_large_enough():
    assert len(set(PAYLOADS)) >= 40


@pytest.mark.parametrize(
    "payload",
    [
        p
        for p in PAYLOADS
        if "evil" in p and p[:1] != "/" or p.startswith(("//", "/\\", "/\t", "/\n", "/ "))
    ],
)
def test_a_target_off_site_goes_home(client, payload):
    assert client.get("/lang/en", query_string={"next": payload}).headers["Location"] == "/"


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("code", ["en", "vi", "xx"])
def test_language_switch_stays_on_site(client, payload, code):
    response = client.get(f"/lang/{code}", query_string={"next": payload})
    assert_stays_on_site(response)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_login_stays_on_site(world, client, payload):
    response = client.post(
        "/login",
        query_string={"next": payload},
        data={"email": "a@htx.vn", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert_stays_on_site(response)


@pytest.mark.parametrize(
    "raw", ["/%09/evil.example/phish", "/%0a/x", "/%0d%0aSet-Cookie:%20x=1", "%00", "/%E2%80%A8/x"]
)
def test_raw_encoded_targets_never_fail(client, raw):
    response = client.get(f"/lang/en?next={raw}")
    assert_stays_on_site(response)
    assert "Set-Cookie" not in response.headers or "x=1" not in response.headers["Set-Cookie"]


@pytest.mark.parametrize(
    "target", ["/", "/trace/batches?page=2", "/registry/organizations?kind=cooperative&q=c%C3%A0"]
)
def test_local_paths_are_kept(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert response.headers["Location"] == target


def test_an_unsafe_target_after_login_keeps_the_login(world, client):
    client.post(
        "/login",
        query_string={"next": "/\t/evil.example"},
        data={"email": "a@htx.vn", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert client.get("/").status_code == 200
