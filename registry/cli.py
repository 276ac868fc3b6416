"""Operator commands: ``flask units …``, ``flask users …``, ``flask tokens …``, imports, demo."""

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from core.errors import ServiceError
from core.extensions import db
from registry.models import Role, User
from registry.services import accounts, imports, organizations, spreadsheets, units

units_cli = AppGroup("units", help="Administrative units.")
users_cli = AppGroup("users", help="User accounts.")
tokens_cli = AppGroup("tokens", help="API tokens.")
import_cli = AppGroup("import", help="Import organizations or member households from CSV/XLSX.")


def _progress(label: str):
    def wrap(rows):
        with click.progressbar(rows, label=label, show_pos=True) as bar:
            yield from bar

    return wrap


def _fail(exc: ServiceError) -> None:
    db.session.rollback()
    details = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.errors.items())
    raise click.ClickException(f"{exc.message} {details}".strip())


@units_cli.command("load")
def load_units_command():
    """Load Vietnam's 2025 units, legacy Gia Lai units and the old→new mapping."""
    counts = units.load_units(progress=_progress("Units"))
    db.session.commit()
    click.echo(", ".join(f"{name}: {count}" for name, count in counts.items()))


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--name", "full_name", default=None, help="Full name (defaults to the e-mail).")
@click.option(
    "--role", required=True, type=click.Choice(["department_admin", "cooperative", "enterprise"])
)
@click.option("--org", "organization", default=None, help="Registration code of the organization.")
def create_user_command(email, password, full_name, role, organization):
    """Create a user."""
    try:
        user = accounts.create_user(
            None,
            {
                "email": email,
                "password": password,
                "full_name": full_name or email,
                "role": role,
                "organization": organization,
            },
        )
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"Created user {user.email} ({user.role.value}).")


@users_cli.command("list")
def list_users_command():
    """List users."""
    for user in accounts.list_all_users():
        org = user.organization.registration_code if user.organization else "-"
        state = "active" if user.active else "disabled"
        click.echo(f"{user.email}\t{user.role.value}\t{org}\t{state}")


@users_cli.command("reset-password")
@click.option("--email", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def reset_password_command(email, password):
    """Set a new password for a user."""
    try:
        accounts.set_password(accounts.user_by_email(email), password)
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"Password changed for {email}.")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate_user_command(email):
    """Deactivate a user: no sign-in; their sessions and API tokens stop at once."""
    try:
        accounts.deactivate(None, accounts.user_by_email(email))
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"Deactivated {email}.")


@users_cli.command("reactivate")
@click.argument("email")
def reactivate_user_command(email):
    """Let a deactivated user sign in again."""
    try:
        accounts.reactivate(None, accounts.user_by_email(email))
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"Reactivated {email}.")


@tokens_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
def create_token_command(email, name):
    """Create an API token for a user and print it (shown only this once)."""
    try:
        _token, secret = accounts.issue_token(accounts.user_by_email(email), name)
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(secret)


def _stages(*labels: str):
    """A progress wrapper that labels each pass over the rows in turn (checking, creating)."""
    names = iter(labels)

    def wrap(rows):
        yield from _progress(next(names, labels[-1]))(rows)

    return wrap


def _operator() -> User:
    # Not saved: the operator at the server's console acts with the department's rights.
    return User(role=Role.DEPARTMENT_ADMIN, email="operator@localhost", full_name="operator")


def _read_upload(path: Path) -> bytes:
    # One byte past the limit is enough for the service to refuse an oversized file.
    with path.open("rb") as handle:
        return handle.read(spreadsheets.MAX_BYTES + 1)


def _finish_import(report: imports.ImportReport) -> None:
    """Commit and say how many rows were created, or roll back, list the errors and fail."""
    if report.ok:
        db.session.commit()
        click.echo(
            f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}"
            f" of {report.total_rows} rows ({report.kind})"
        )
        return
    db.session.rollback()
    for error in report.errors:
        click.echo(f"row {error.row}, {error.column or '-'}: {error.message}", err=True)
    raise click.ClickException(
        f"{len(report.errors)} error(s) in {report.total_rows} rows; nothing was imported."
    )


_FILE = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
_LANG = click.option("--lang", type=click.Choice(["vi", "en"]), help="Language of the messages.")


@import_cli.command("organizations")
@_FILE
@_LANG
def import_organizations_command(file: Path, lang: str | None):
    """Register the organizations of a CSV/XLSX file, all or none (acts as the department)."""
    # gettext needs a locale; outside a request, the app's default unless --lang says otherwise.
    with force_locale(lang or current_app.config["BABEL_DEFAULT_LOCALE"]):
        report = imports.import_organizations(
            _operator(), file.name, _read_upload(file), progress=_stages("Checking", "Creating")
        )
        _finish_import(report)


@import_cli.command("members")
@click.option(
    "--org", "registration_code", required=True, help="Registration code of the cooperative."
)
@_FILE
@_LANG
def import_members_command(registration_code: str, file: Path, lang: str | None):
    """Add the member households of a CSV/XLSX file to a cooperative, all or none."""
    with force_locale(lang or current_app.config["BABEL_DEFAULT_LOCALE"]):
        org = organizations.find_by_registration_code(registration_code)
        if org is None:
            raise click.ClickException(
                f"No single organization has registration code {registration_code}."
            )
        try:
            report = imports.import_members(
                _operator(),
                org.id,
                file.name,
                _read_upload(file),
                progress=_stages("Checking", "Creating"),
            )
        except ServiceError as exc:
            _fail(exc)
        _finish_import(report)


def register(app: Flask) -> None:
    """Attach the registry's command groups to the app."""
    from registry import demo

    for group in (units_cli, users_cli, tokens_cli, import_cli):
        app.cli.add_command(group)
    app.cli.add_command(demo.demo_command)
    app.cli.add_command(demo.setup_command)
