"""Counts inside plural messages are written as the locale writes numbers (issue #26 item 7):
"1.234" in Vietnamese, "1,234" in English, in Python messages, in templates and on the
consumer pages (whose templates bind the catalogue once)."""

import pytest
from flask import render_template_string

from consumer.http import template_gettext
from core.i18n import ngettext

REVOKED = ("%(num)s API token was revoked.", "%(num)s API tokens were revoked.")


@pytest.mark.parametrize(("lang", "count"), [("vi", "1.234"), ("en", "1,234")])
def test_a_count_in_a_message_follows_the_locale(app, lang, count):
    with app.test_request_context(f"/?lang={lang}"):
        message = ngettext(*REVOKED, 1234)
        page = render_template_string(
            "{{ ngettext(one, many, n) }}", one=REVOKED[0], many=REVOKED[1], n=1234
        )
        consumer = render_template_string(
            "{{ ngettext(one, many, n) }}",
            one=REVOKED[0],
            many=REVOKED[1],
            n=1234,
            **template_gettext(),
        )
        single = ngettext(*REVOKED, 1)
    assert f" {count} " in f" {message}" and page == message and consumer == message
    assert " 1 " in f" {single}" and "1234" not in message
    if lang == "en":
        assert message == "1,234 API tokens were revoked."


def test_the_count_is_escaped_with_the_message(app):
    with app.test_request_context("/?lang=en"):
        html = render_template_string(
            "{{ ngettext('%(num)s item for %(who)s', '%(num)s items for %(who)s', 2, who=who) }}",
            who="<b>x</b>",
        )
    assert html == "2 items for &lt;b&gt;x&lt;/b&gt;"
