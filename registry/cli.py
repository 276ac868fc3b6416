"""Operator commands: ``flask units …``, ``flask users …``, ``flask tokens …``, imports, demo."""

import click
from flask import Flask
from flask.cli import AppGroup

from core.errors import ServiceError
from core.extensions import db
from registry.services import accounts, units

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


def register(app: Flask) -> None:
    """Attach the registry's command groups to the app."""
    from registry import demo

    for group in (units_cli, users_cli, tokens_cli, import_cli):
        app.cli.add_command(group)
    app.cli.add_command(demo.demo_command)
    app.cli.add_command(demo.setup_command)
