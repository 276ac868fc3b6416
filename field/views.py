"""The field app's pages: the app shell at /field, its manifest and service worker, and the
event photos (shown on the lot page; made public for the consumer page by the cooperative)."""

import hashlib
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.errors import NotFound
from core.extensions import db
from core.security import sha256_source
from field.services import photos
from files.views import send_stored
from registry.views.common import require_login

STATIC = Path(__file__).resolve().parent / "static"
TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "field" / "app.html"
# What the service worker keeps for offline use, beside the page itself (which carries
# field.js inline: on a slow 3G link a second request would cost one more round trip).
SHELL_FILES = ("icon-192.png", "icon-512.png")
SCRIPT = "field.js"

bp = Blueprint("field", __name__, static_folder="static", static_url_path="/field/static")


@cache
def _assets_version() -> str:
    """A hash of the app's files: a new version makes the phones fetch the new shell."""
    digest = hashlib.sha256()
    for name in (*SHELL_FILES, SCRIPT, "sw.js"):
        digest.update((STATIC / name).read_bytes())
    digest.update(TEMPLATE.read_bytes())
    return digest.hexdigest()[:12]


@bp.get("/field")
def app_shell():
    """The field app: forms, queue and sync, working offline once opened online."""
    if not current_user.is_authenticated:
        return require_login()
    script = _script()
    g.csp_script_sources = [sha256_source(script)]  # this one inline script, by its hash
    return render_template("field/app.html", version=_assets_version(), script=script)


@cache
def _script() -> str:
    return (STATIC / SCRIPT).read_text(encoding="utf-8")


@bp.get("/field/manifest.webmanifest")
def manifest():
    """The web app manifest: installable, opening /field full screen."""
    body = {
        "name": _("Field records · Cooperative traceability"),
        "short_name": _("Field records"),
        "lang": str(request.accept_languages.best or "vi"),
        "start_url": url_for(".app_shell"),
        "scope": url_for(".app_shell"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1f6f43",
        "icons": [
            {"src": url_for(".static", filename=f"icon-{size}.png"), "sizes": f"{size}x{size}",
             "type": "image/png", "purpose": "any maskable"}
            for size in (192, 512)
        ],
    }  # fmt: skip
    response = current_app.json.response(body)
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/field/sw.js")
def service_worker():
    """The service worker, allowed to serve /field itself (it lives one level below)."""
    script = (STATIC / "sw.js").read_text()
    shell = [url_for(".app_shell"), url_for(".manifest")]
    shell += [url_for(".static", filename=name) for name in SHELL_FILES]
    script = script.replace("__VERSION__", _assets_version()).replace(
        "__SHELL__", current_app.json.dumps(shell)
    )
    response = Response(script, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = url_for(".app_shell")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/field/photos/<int:event_id>")
def photo(event_id: int):
    """An event's photo, for its cooperative and the department."""
    require_login_or_404()
    found = photos.photo_of(current_user, event_id)
    return send_stored(found.sha256, private=True)


@bp.post("/field/photos/<int:event_id>/public")
def photo_public(event_id: int):
    """Show an event's photo on the consumer page, or hide it again."""
    require_login_or_404()
    photos.set_public(current_user, event_id, request.form.get("public") == "1")
    db.session.commit()
    batch_id = request.form.get("batch_id", type=int)
    if batch_id:
        return redirect(url_for("trace.batch", batch_id=batch_id) + "#photos")
    return redirect(url_for("trace.batches"))


def require_login_or_404() -> None:
    """Photos are private: a visitor who is not signed in finds nothing."""
    if not current_user.is_authenticated:
        raise NotFound(_("No such photo."))


def lot_photos(batch_id: int) -> list:
    """The photos of a lot's events the user may see (a template global: the trace's lot
    page shows them without trace knowing this package)."""
    if not current_user.is_authenticated:
        return []
    return photos.lot_photos(current_user, batch_id)
