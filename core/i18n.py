"""Locale selection (Vietnamese first, English on request, the choice remembered), and plural
messages whose count is written in the locale ("1.234 lượt xem", "1,234 views")."""

import flask_babel
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from core.numbers import coordinates, number

LOCALE_SESSION_KEY = "locale"


def select_locale() -> str:
    """Pick the locale: ?lang=, then the session, then the user's setting, then Vietnamese."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and background jobs
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    asked = request.args.get("lang")
    if asked in languages:
        return asked
    remembered = session.get(LOCALE_SESSION_KEY)
    if remembered in languages:
        return remembered
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in languages:
        return user_locale
    if request.path.startswith("/api/"):
        return (
            request.accept_languages.best_match(languages)
            or current_app.config["BABEL_DEFAULT_LOCALE"]
        )
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def template_helpers() -> dict:
    """Names every template can use: the current locale code, and numbers in its format."""
    return {
        "current_locale": lambda: str(get_locale()),
        "coordinates": coordinates,
        "number": number,
    }


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """Flask-Babel's ``ngettext`` with ``%(num)s`` written as the locale writes numbers."""
    variables.setdefault("num", number(num, "#,##0"))
    return flask_babel.get_translations().ungettext(singular, plural, num) % variables


def template_ngettext(ungettext):
    """Jinja's new-style ``ngettext`` over ``ungettext`` (the catalogue's), with the count
    written in the locale, escaped like the rest of the message's variables."""

    @pass_context
    def ngettext_(context, singular: str, plural: str, num: int, **variables) -> str:
        variables.setdefault("num", number(num, "#,##0"))
        text = context.call(ungettext, singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - the catalogue's text (as Jinja does); % escapes
        return text % variables

    return ngettext_


def install_template_ngettext(app) -> None:
    """Replace the ``ngettext`` Flask-Babel gave the templates with ``template_ngettext``."""
    app.jinja_env.globals["ngettext"] = template_ngettext(
        lambda singular, plural, num: flask_babel.get_translations().ungettext(
            singular, plural, num
        )
    )
