"""GS1 Digital Link resolver behaviour (../shared/standards/gs1/resolver-conformance-1.2.txt).

One test (or a parametrised group) per conformance point we claim: GET/HEAD/OPTIONS,
CORS, 400 for a malformed URI and never 200 for an error, linkset on
``linkType=all|linkset`` and by content negotiation, a link header, a default link,
redirects by link type with the query string passed on, the description file, and
a tolerated trailing slash.
"""

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.consumer_helpers import BROWSER, add_unit, in_english, make_lot, scan_rows
from tests.trace_helpers import GTIN

GS1 = "https://ref.gs1.org/voc/"
LINKSET = "application/linkset+json"
BASE = "http://127.0.0.1:5000"  # PUBLIC_BASE_URL of the test configuration


def lot_path(lot: dict) -> str:
    return f"/01/{GTIN}/10/{lot['batch']['lot_code']}"


def linkset_of(response) -> list[dict]:
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))["linkset"]


def test_html_by_default_with_a_link_header_to_the_linkset(client, lot):
    response = client.get(lot_path(lot), headers=BROWSER)
    assert response.status_code == 200 and response.mimetype == "text/html"
    link = response.headers["Link"]
    assert f'<{BASE}{lot_path(lot)}?linkType=linkset>; rel="linkset"' in link
    assert f'rel="{GS1}pip"' in link and f'rel="{GS1}traceability"' in link
    for part in link.split(", <"):
        assert 'title="' in part and 'rel="' in part  # every link has a type and a title
    assert "Accept" in response.headers["Vary"]


@pytest.mark.parametrize("query", ["?linkType=linkset", "?linkType=all"])
def test_linkset_by_query(client, lot, query):
    response = client.get(lot_path(lot) + query, headers=BROWSER)
    assert response.mimetype == LINKSET
    lot_anchor, product_anchor = linkset_of(response)
    assert lot_anchor["anchor"] == BASE + lot_path(lot)
    assert lot_anchor["itemDescription"].startswith("Cà phê nhân xanh Robusta")
    [pip] = lot_anchor[GS1 + "pip"]
    assert pip["href"] == BASE + lot_path(lot) and pip["title"] and pip["type"] == "text/html"
    [trace] = lot_anchor[GS1 + "traceability"]
    assert trace["href"] == f"{BASE}/q/{lot['code']}/trace.json"
    assert trace["type"] == "application/json"
    assert lot_anchor[GS1 + "certificationInfo"][0]["href"].endswith("#certificates")
    assert lot_anchor[GS1 + "defaultLink"][0]["href"] == BASE + lot_path(lot)
    # Each level up to the primary key: the product (/01/{GTIN}) comes with its links.
    assert product_anchor["anchor"] == f"{BASE}/01/{GTIN}"
    assert product_anchor[GS1 + "pip"][0]["href"] == f"{BASE}/01/{GTIN}"


@pytest.mark.parametrize("accept", [LINKSET, "application/json"])
def test_linkset_by_accept_header(client, lot, accept):
    response = client.get(lot_path(lot), headers={**BROWSER, "Accept": accept})
    assert response.mimetype == accept
    assert linkset_of(response)[0]["anchor"] == BASE + lot_path(lot)
    assert "Accept" in response.headers["Vary"]


def test_linkset_of_a_lot_without_gtin_uses_its_q_uri(client, farm):
    plain = make_lot(farm, gtin=None, contract=False)
    [anchor] = linkset_of(client.get(f"/q/{plain['code']}?linkType=linkset"))
    assert anchor["anchor"] == f"{BASE}/q/{plain['code']}"
    assert GS1 + "certificationInfo" in anchor


def test_linkset_is_not_a_scan(app, client, lot):
    client.get(lot_path(lot) + "?linkType=linkset", headers=BROWSER)
    assert scan_rows(app) == []


@pytest.mark.parametrize("link_type", ["gs1:traceability", f"{GS1}traceability"])
def test_link_type_redirects_passing_the_query_string_on(client, lot, link_type):
    response = client.get(
        lot_path(lot),
        query_string={"linkType": link_type, "foo": "bar", "17": "271101"},
        headers=BROWSER,
    )
    assert response.status_code == 307
    target = urlsplit(response.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{BASE}/q/{lot['code']}/trace.json"
    query = parse_qs(target.query)
    assert query == {"foo": ["bar"], "17": ["271101"]}
    assert 'rel="linkset"' in response.headers["Link"]  # the linkset, even when redirecting


def test_certification_link_type_redirects_to_the_certificates(client, lot):
    response = client.get(lot_path(lot) + "?linkType=gs1:certificationInfo", headers=BROWSER)
    assert response.status_code == 307
    assert response.headers["Location"].endswith(f"{lot_path(lot)}#certificates")


@pytest.mark.parametrize("link_type", ["gs1:pip", "gs1:defaultLink", "gs1:recipeInfo"])
def test_pip_default_and_unknown_link_types_give_the_page(client, lot, link_type):
    response = client.get(f"{lot_path(lot)}?linkType={link_type}", headers=BROWSER)
    assert response.status_code == 200 and response.mimetype == "text/html"


@pytest.mark.parametrize(
    "path",
    [
        "/01/09520123456789/10/LOT1",  # wrong check digit
        "/01/952012345678/10/LOT1",  # a 12-digit GTIN needs its own check digit too
        "/01/95201234567/10/LOT1",  # 11 digits
        "/01/0952012345678X/10/LOT1",  # not digits
        "/01/09520123456788/10/LOT%201",  # a space is not in CSET 82
        "/01/09520123456788/10/ABCDEFGHIJKLMNOPQRSTU",  # 21 characters
        "/01/09520123456788/99/LOT1",  # not a qualifier of a GTIN
        "/01/09520123456788/21/S1/10/LOT1",  # qualifiers out of order
        "/01/09520123456788/10/LOT1/foo",  # a key without a value (the GS1 test suite's)
        "/01/09520123456788/10/LOT1?17=2711",  # a malformed date attribute
        "/01/09520123456788/10/LOT1?422=VN",  # a malformed country attribute
        "/q/ABC",  # too short for one of our codes
        "/q/UUUUUUUUUUUUU",  # U is not in Crockford's alphabet
    ],
)
def test_malformed_uri_is_400_with_a_page(client, path):
    in_english(client)
    response = client.get(path, headers=BROWSER)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This code is not valid" in html
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_malformed_uri_is_400_as_json_when_asked(client):
    in_english(client)
    response = client.get("/01/09520123456789/10/LOT1", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json["code"] == "malformed_identifier"
    assert "check digit" in response.json["message"]


def test_unknown_well_formed_uri_is_404(client, lot):
    assert client.get("/01/09520123456795/10/LOT1", headers=BROWSER).status_code == 404
    assert client.get(f"/01/{GTIN}/22/V1/10/LOT1", headers=BROWSER).status_code == 404
    missing = client.get(f"/01/{GTIN}/10/NOPE", headers={"Accept": LINKSET})
    assert missing.status_code == 404 and missing.json["code"] == "not_found"


def test_attributes_in_the_query_are_accepted_and_ignored(client, lot):
    response = client.get(f"{lot_path(lot)}?17=271101&7007=261101&422=704", headers=BROWSER)
    assert response.status_code == 200


def test_shorter_gtin_forms_resolve(client, lot):
    gtin13 = GTIN.lstrip("0")
    assert client.get(f"/01/{gtin13}/10/{lot['batch']['lot_code']}").status_code == 200


def test_lot_with_an_encoded_slash(client, farm):
    slashed = make_lot(farm, contract=False, lot_code="LO/2026-1")
    response = client.get(f"/01/{GTIN}/10/LO%2F2026-1", headers=BROWSER)
    assert response.status_code == 200
    assert slashed["batch"]["lot_code"] in response.get_data(as_text=True)


def test_unit_uri_with_and_without_its_lot(app, client, lot):
    add_unit(app, lot["batch"]["id"], serial="S-0042")
    full = client.get(f"{lot_path(lot)}/21/S-0042", headers=BROWSER)
    assert full.status_code == 200 and "S-0042" in full.get_data(as_text=True)
    assert client.get(f"/01/{GTIN}/21/S-0042", headers=BROWSER).status_code == 200
    assert client.get(f"{lot_path(lot)}/21/S-9999", headers=BROWSER).status_code == 404
    unit, lot_anchor, _product = linkset_of(client.get(f"{lot_path(lot)}/21/S-0042?linkType=all"))
    assert unit["anchor"] == f"{BASE}{lot_path(lot)}/21/S-0042"
    assert lot_anchor["anchor"] == BASE + lot_path(lot)


def test_product_level_uri(client, lot):
    page = client.get(f"/01/{GTIN}", headers=BROWSER)
    assert page.status_code == 200 and "Cà phê nhân xanh Robusta" in page.get_data(as_text=True)
    [anchor] = linkset_of(client.get(f"/01/{GTIN}?linkType=linkset"))
    assert anchor["anchor"] == f"{BASE}/01/{GTIN}"
    assert client.get("/01/09520123456795", headers=BROWSER).status_code == 404


def test_head_has_the_headers_and_no_body(app, client, lot):
    get = client.get(lot_path(lot), headers=BROWSER)
    head = client.head(lot_path(lot), headers=BROWSER)
    assert head.status_code == 200 and head.data == b""
    for name in ("ETag", "Link", "Cache-Control", "Content-Type", "Access-Control-Allow-Origin"):
        assert head.headers[name] == get.headers[name]
    assert len(scan_rows(app)) == 1  # the GET only


def test_options_and_cors(client, lot):
    response = client.options(lot_path(lot), headers={"Origin": "https://example.org"})
    assert response.status_code == 200
    assert {"GET", "HEAD", "OPTIONS"} <= set(response.headers["Allow"].split(", "))
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "OPTIONS" in response.headers["Access-Control-Allow-Methods"]
    get = client.get(lot_path(lot), headers={**BROWSER, "Origin": "https://example.org"})
    assert get.headers["Access-Control-Allow-Origin"] == "*"
    assert "Link" in get.headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("suffix", ["", "?linkType=linkset", "?linkType=gs1:traceability"])
def test_trailing_slash_is_tolerated(client, lot, suffix):
    plain = client.get(lot_path(lot) + suffix, headers=BROWSER)
    slashed = client.get(lot_path(lot) + "/" + suffix, headers=BROWSER)
    assert plain.status_code == slashed.status_code
    assert plain.status_code in (200, 307)
    assert plain.headers.get("Location") == slashed.headers.get("Location")
    assert plain.headers.get("ETag") == slashed.headers.get("ETag")  # the same page, byte for byte
    assert client.get(f"/q/{lot['code']}/", headers=BROWSER).status_code == 200


def test_resolver_description_file(client):
    response = client.get("/.well-known/gs1resolver", headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.mimetype == "application/json"
    description = response.json
    assert description["resolverRoot"] == BASE
    assert description["supportedPrimaryKeys"] == ["01"]
    assert {"namespace": GS1, "prefix": "gs1:"} in description["supportedLinkType"]
    assert description["linkTypeDefaultCanBeLinkset"] is False
    assert description["name"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.data == b"ok"


def test_traceability_target_opens_for_anyone(client, lot):
    redirect = client.get(lot_path(lot) + "?linkType=gs1:traceability&foo=bar")
    target = urlsplit(redirect.headers["Location"])
    answer = client.get(f"{target.path}?{target.query}")  # no login, no token
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    document = json.loads(answer.get_data(as_text=True))
    assert document["lot"]["lotCode"] == lot["batch"]["lot_code"]
    assert len(document["history"]) == 2  # the lot's harvest and its sale


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_link_of_the_linkset_opens_for_anyone(client, lot, language):
    response = client.get(lot_path(lot) + f"?linkType=linkset&lang={language}")
    hrefs = {
        target["href"]
        for anchor in linkset_of(response)
        for key, targets in anchor.items()
        if key.startswith(GS1)
        for target in targets
    }
    assert len(hrefs) >= 3
    for href in hrefs:
        opened = client.get(urlsplit(href).path)  # no login, no token
        assert opened.status_code == 200, href
