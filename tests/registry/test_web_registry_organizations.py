"""The registry's organization pages: registering, editing, search, filters, pagination."""

import re
from datetime import date

from core.extensions import db
from registry.models import Organization
from tests.conftest import GIA_LAI_COMMUNES
from tests.web_helpers import count, households_tile, org_edit_form, org_form, table_rows, text
from tests.web_helpers import post_from_home as post

# Registering and editing organizations ---------------------------------------------------


def test_department_registers_an_organization(app, world, login):
    client = login(world["users"]["department"])
    client.get("/lang/en")  # the rating label is checked in English
    form_html = text(client.get("/registry/organizations/new"))
    assert 'name="csrf_token"' in form_html
    for field in org_form():
        assert f'name="{field}"' in form_html, field
    assert f'<option value="{GIA_LAI_COMMUNES[2]}"' in form_html

    before = count(app, Organization)
    response = post(client, "/registry/organizations/new", org_form())
    assert response.status_code == 302
    assert count(app, Organization) == before + 1
    detail = text(client.get(response.headers["Location"], follow_redirects=True))
    assert "HTX Nông nghiệp Ia Grai" in detail and "HTX-NEW-01" in detail
    assert "5900123456" in detail and "htx@example.vn" in detail
    assert re.search(r"<td>2025</td><td>Good</td>", detail)
    assert households_tile(detail) == 0


def test_duplicate_registration_code_names_the_existing_org_and_writes_nothing(app, world, login):
    client = login(world["users"]["department"])
    before = count(app, Organization)
    response = post(client, "/registry/organizations/new", org_form(registration_code="HTX-A-001"))
    html = text(response)
    assert response.status_code == 422
    assert "HTX-A-001" in html and "HTX Cà phê Đăk Đoa" in html
    assert re.search(r'class="field has-error">\s*<label for="f-registration_code"', html)
    assert count(app, Organization) == before
    # the form keeps what was typed
    assert 'value="HTX Nông nghiệp Ia Grai"' in html


def test_unknown_admin_unit_is_refused_beside_the_field(app, world, login):
    client = login(world["users"]["department"])
    before = count(app, Organization)
    response = post(client, "/registry/organizations/new", org_form(admin_unit="99999"))
    html = text(response)
    assert response.status_code == 422
    assert re.search(r'class="field has-error">\s*<label for="f-admin_unit"', html)
    assert "99999" in html
    assert count(app, Organization) == before


def test_missing_and_malformed_fields_get_field_messages(app, world, login):
    client = login(world["users"]["department"])
    client.get("/lang/en")  # the messages are checked in English
    before = count(app, Organization)
    response = post(
        client,
        "/registry/organizations/new",
        {"kind": "cooperative", "email": "not-an-email", "tax_code": "12"},
    )
    html = text(response)
    assert response.status_code == 422
    for field in ("name", "registration_code", "admin_unit", "email", "tax_code"):
        assert re.search(rf'class="field has-error">\s*<label for="f-{field}"', html), field
    assert "This field is required." in html
    assert "Unknown field" not in html
    assert count(app, Organization) == before


def test_post_without_csrf_token_is_refused(app, world, login):
    client = login(world["users"]["department"])
    before = count(app, Organization)
    response = client.post("/registry/organizations/new", data=org_form())
    assert response.status_code == 400
    assert count(app, Organization) == before


def test_department_edits_an_organization(app, world, login):
    client = login(world["users"]["department"])
    a = world["coop_a"]
    form_html = text(client.get(f"/registry/organizations/{a}/edit"))
    assert 'value="HTX-A-001"' in form_html and 'value="HTX Cà phê Đăk Đoa"' in form_html
    assert re.search(rf'<option value="{GIA_LAI_COMMUNES[0]}" selected>', form_html)

    # The status has buttons of its own, not a field of the form.
    assert 'name="status"' not in form_html

    response = post(
        client,
        f"/registry/organizations/{a}/edit",
        org_edit_form(name="HTX Cà phê Đăk Đoa Mới", registration_code="HTX-A-001"),
    )
    assert response.status_code == 302
    with app.app_context():
        org = db.session.get(Organization, a)
        assert (org.name, org.status.value, org.address) == (
            "HTX Cà phê Đăk Đoa Mới",
            "active",
            "Thôn 3",
        )
        assert org.ratings[0].year == 2025


def test_the_edit_form_refuses_a_status_field(app, world, login):
    client = login(world["users"]["department"])
    a = world["coop_a"]
    response = post(
        client,
        f"/registry/organizations/{a}/edit",
        org_edit_form(registration_code="HTX-A-001") | {"status": "dissolved"},
    )
    assert response.status_code == 422
    assert "/suspend" in text(response)
    with app.app_context():
        assert db.session.get(Organization, a).status.value == "active"


def _status_buttons(html: str) -> list[str]:
    return re.findall(r'data-action="(\w+)"', html)


def test_status_buttons_offer_only_what_the_rules_allow(app, world, login):
    client = login(world["users"]["department"])
    a = world["coop_a"]
    edit = f"/registry/organizations/{a}/edit"
    assert _status_buttons(text(client.get(edit))) == ["suspend", "dissolve"]

    response = post(client, f"/registry/organizations/{a}/status/suspend", {"on": "2026-01-15"})
    assert response.status_code == 302
    assert _status_buttons(text(client.get(edit))) == ["reactivate", "dissolve"]
    with app.app_context():
        org = db.session.get(Organization, a)
        assert (org.status.value, org.status_since) == ("suspended", date(2026, 1, 15))

    assert post(client, f"/registry/organizations/{a}/status/dissolve", {}).status_code == 302
    html = text(client.get(edit))
    assert _status_buttons(html) == []
    assert "/status/" not in html

    # A refused transition (posted by hand) is explained on the page and changes nothing.
    refused = post(client, f"/registry/organizations/{a}/status/reactivate", {})
    assert refused.status_code == 422
    assert "dissolved" in text(refused) or "giải thể" in text(refused)
    with app.app_context():
        assert db.session.get(Organization, a).status.value == "dissolved"


def test_only_the_department_changes_a_status_on_the_web(app, world, login):
    client = login(world["users"]["coop_a"])
    a = world["coop_a"]
    response = post(client, f"/registry/organizations/{a}/status/suspend", {})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Organization, a).status.value == "active"


def test_edit_to_another_orgs_code_is_refused(app, world, login):
    client = login(world["users"]["department"])
    a = world["coop_a"]
    response = post(
        client,
        f"/registry/organizations/{a}/edit",
        org_edit_form(name="Tên mới", registration_code="HTX-B-002"),
    )
    assert response.status_code == 422
    assert "HTX Hồ tiêu Chư Sê" in text(response)
    with app.app_context():
        org = db.session.get(Organization, a)
        assert (org.name, org.registration_code) == ("HTX Cà phê Đăk Đoa", "HTX-A-001")


# Search, filters, pagination -------------------------------------------------------------


def test_search_without_diacritics(world, make_org, login):
    make_org(name="HTX Dịch vụ Nông nghiệp Đak Đoa Xanh", registration_code="HTX-DD-9")
    html = text(login(world["users"]["department"]).get("/registry/organizations?q=dak doa"))
    assert "HTX Dịch vụ Nông nghiệp Đak Đoa Xanh" in html
    assert "HTX Cà phê Đăk Đoa" in html
    assert "HTX Hồ tiêu Chư Sê" not in html  # in Chư Sê: neither its name nor its commune match


def test_filters(world, make_org, login):
    make_org(name="HTX Giải thể", registration_code="HTX-GT-1", status="dissolved")
    make_org(name="HTX Dệt may", registration_code="HTX-DM-1", sector="non_agricultural")
    client = login(world["users"]["department"])

    def names(query: str) -> set[str]:
        html = text(client.get(f"/registry/organizations?{query}"))
        return set(re.findall(r'/registry/organizations/\d+">([^<]+)</a>', html))

    assert names("kind=enterprise") == {"Công ty TNHH X", "Công ty CP Y"}
    assert names(f"admin_unit={GIA_LAI_COMMUNES[1]}") == {"HTX Hồ tiêu Chư Sê"}
    assert names("status=dissolved") == {"HTX Giải thể"}
    assert names("sector=non_agricultural") == {"HTX Dệt may"}
    assert names("kind=cooperative&status=active&sector=agricultural") == {
        "HTX Cà phê Đăk Đoa",
        "HTX Hồ tiêu Chư Sê",
    }
    # A tampered filter is dropped and reported, never a server error.
    response = client.get("/registry/organizations?kind=bogus")
    assert response.status_code == 200 and "Công ty CP Y" in text(response)


def test_commune_filter_offers_the_province_communes(world, login):
    html = text(login(world["users"]["department"]).get("/registry/organizations"))
    select = html.split('<select id="f-admin_unit"', 1)[1].split("</select>", 1)[0]
    assert select.count("<option") > 100  # Gia Lai has 135 communes and wards
    assert f'value="{GIA_LAI_COMMUNES[0]}"' in select


def test_pagination(world, make_org, login):
    for n in range(27):
        make_org(name=f"HTX Phân trang {n:02d}", registration_code=f"PT-{n:03d}")
    client = login(world["users"]["department"])
    client.get("/lang/en")  # the pager and the empty list are checked in English
    first = text(client.get("/registry/organizations?q=phan trang"))
    assert table_rows(first) == 25
    assert "Page 1 of 2" in first and "q=phan+trang&amp;page=2" in first
    second = text(client.get("/registry/organizations?q=phan+trang&page=2"))
    assert table_rows(second) == 2
    assert "HTX Phân trang 26" in second and "HTX Phân trang 00" not in second
    beyond = client.get("/registry/organizations?q=phan+trang&page=9")
    assert beyond.status_code == 200 and "No organization matches." in text(beyond)
