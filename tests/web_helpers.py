"""Short-cuts the web UI tests share: a page's text, a posted form with its CSRF token,
row counts and the message beside a field. Plain functions, not fixtures."""

import re

from tests.conftest import GIA_LAI_COMMUNES, csrf_token, row_count


def text(response) -> str:
    """The response's body as text."""
    return response.get_data(as_text=True)


def post(client, path: str, data: dict, form_page: str | None = None, **kwargs):
    """POST a form with the CSRF token read from the form's own page, as a browser would."""
    token = csrf_token(client, form_page or path)
    return client.post(path, data={**data, "csrf_token": token}, **kwargs)


def post_from_home(client, path: str, data: dict, **kwargs):
    """POST a form with the session's CSRF token (every logged-in page carries it)."""
    return post(client, path, data, form_page="/", **kwargs)


def count(app, model) -> int:
    """How many rows the model's table holds."""
    with app.app_context():
        return row_count(model)


def field_error(html: str, name: str) -> str:
    """The message a re-rendered form shows beside the input ``name``."""
    match = re.search(rf'class="field-error" id="e-{re.escape(name)}"[^>]*>([^<]+)<', html)
    assert match, f"no message for {name}"
    return match.group(1)


# The registry's pages ------------------------------------------------------------------------


def households_tile(html: str) -> int:
    """The number on the home page's member-household tile."""
    match = re.search(r'id="households">\s*<span class="tile-number">([\d.,]+)<', html)
    assert match, "no household tile"
    return int(match.group(1).replace(".", "").replace(",", ""))


def table_rows(html: str) -> int:
    """How many rows the page's table body holds."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return body.count("<tr")


def org_form(**values) -> dict:
    """The organization form as the department fills it in, every field set."""
    form = {
        "kind": "cooperative",
        "name": "HTX Nông nghiệp Ia Grai",
        "registration_code": "HTX-NEW-01",
        "admin_unit": GIA_LAI_COMMUNES[2],
        "sector": "agricultural",
        "status": "active",
        "tax_code": "5900123456",
        "address": "Thôn 3",
        "latitude": "13.98",
        "longitude": "108.01",
        "main_products": "Cà phê",
        "representative": "Lê Văn C",
        "phone": "0269 3822 111",
        "email": "htx@example.vn",
        "established_on": "2019-05-01",
        "member_count": "120",
        "rating_year": "2025",
        "rating": "good",
    }
    form.update(values)
    return form


def org_edit_form(**values) -> dict:
    """The edit form of an organization: as ``org_form``, but its status has buttons instead."""
    form = org_form(**values)
    del form["status"]
    return form


def messages(response) -> list[str]:
    """The error messages a re-rendered form shows (to explain a failed assertion)."""
    return re.findall(r'class="(?:field-)?error"[^>]*>([^<]*)<', text(response))
