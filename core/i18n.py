"""Locale selection: Vietnamese first, English on request, the choice remembered."""

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

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
