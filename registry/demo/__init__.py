"""Demo data for a believable Gia Lai deployment (``flask demo``, ``flask setup``).

Everything is made through the registry's services, as the department and the
operator would make it, in one transaction. The content follows from a seed;
only the passwords are random, and they are printed once.
"""

import secrets
import time
from collections.abc import Callable

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import func, select

from core.extensions import db
from registry.demo.data import DEFAULT_SEED, EMAIL_DOMAIN
from registry.demo.planner import DemoPlanner, OrgPlan, demo_plan
from registry.inputs import OrganizationPatch
from registry.models import AdminUnit, Organization, Rating, Role, User
from registry.schemas import MemberInputSchema, OrganizationInputSchema
from registry.services import accounts, members, organizations, units

DemoStep = Callable[[int], dict[str, int]]
# Parts of the demo that features above the registry add (trace, linkage); see add_demo_step.
_STEPS: dict[str, DemoStep] = {}


def add_demo_step(name: str, step: DemoStep) -> None:
    """Add a feature's part to ``flask demo`` (the composition root calls this).

    Steps run in the order they were added, after the registry's part and in the same
    transaction; each gets the seed and returns counts for the summary. Adding a name
    again replaces that step.
    """
    _STEPS[name] = step


@click.command("demo")
@click.option("--seed", default=DEFAULT_SEED, show_default=True, help="Seed of the content.")
@with_appcontext
def demo_command(seed):
    """Create a demo Gia Lai dataset and print its users' passwords (once)."""
    if not units.units_loaded():
        raise click.ClickException("Administrative units are not loaded: run `flask setup`.")
    plans = demo_plan(seed, _unit_names())
    clash = _existing_demo_records(plans)
    if clash:
        raise click.ClickException(f"Demo data is already here ({clash}); nothing was changed.")
    started = time.perf_counter()
    # Outside a request the app's locale selector has no request to read; services translate
    # their messages, so fix the locale for the command.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        credentials = create_demo(plans)
        lines = [f"registry ({time.perf_counter() - started:.1f} s): {_summary(plans)}"]
        lines += [_run_step(name, step, seed) for name, step in _STEPS.items()]
    db.session.commit()
    click.echo(f"Demo data created in {time.perf_counter() - started:.1f} s:")
    click.echo("\n".join(f"  {line}" for line in lines))
    _print_credentials(credentials)


@click.command("setup")
@with_appcontext
def setup_command():
    """Load the administrative units if missing, then the demo data if there is no organization."""
    if units.units_loaded():
        click.echo("Administrative units: already loaded.")
    else:
        counts = units.load_units()
        db.session.commit()
        click.echo(
            "Administrative units loaded: " + ", ".join(f"{k} {v}" for k, v in counts.items())
        )
    if db.session.scalar(select(func.count()).select_from(Organization)):
        click.echo("Organizations exist: demo data not added.")
        return
    click.get_current_context().invoke(demo_command)


def _run_step(name: str, step: DemoStep, seed: int) -> str:
    started = time.perf_counter()
    made = step(seed)
    what = ", ".join(f"{count} {thing}" for thing, count in made.items())
    return f"{name} ({time.perf_counter() - started:.1f} s): {what}"


def create_demo(plans: list[OrgPlan]) -> list[tuple[str, str, str, str]]:
    """Create the planned organizations, households and users; returns the credentials."""
    # An unsaved department user: the registry's services check the actor's role only.
    actor = User(role=Role.DEPARTMENT_ADMIN, email="demo", full_name="demo", password_hash="")
    # Users' names come from a generator of their own, so the plans stay as they are.
    names = DemoPlanner(len(plans), {})
    credentials = []
    for plan in plans:
        _create_org(actor, plan)
        if plan.login:
            credentials.append(_create_user(plan, names.person(plan.values["admin_unit"])))
    return credentials


def _create_org(actor: User, plan: OrgPlan) -> Organization:
    years = sorted(plan.ratings)
    first = {"rating_year": years[0], "rating": plan.ratings[years[0]]} if years else {}
    data = OrganizationInputSchema().load({**plan.values, **first})
    org = organizations.create_organization(actor, data)
    for year in years[1:]:
        rating = OrganizationPatch(rating_year=year, rating=Rating(plan.ratings[year]))
        organizations.update_organization(actor, org.id, rating)
    member_schema = MemberInputSchema()
    for household in plan.households:
        left_on = household.get("left_on")
        data = member_schema.load({k: v for k, v in household.items() if k != "left_on"})
        member = members.add_member(actor, org.id, data)
        if left_on:
            members.leave_member(actor, member.id, left_on)
    return org


def _create_user(plan: OrgPlan, full_name: str) -> tuple[str, str, str, str]:
    kind = plan.values["kind"]
    role = {"agency": Role.DEPARTMENT_ADMIN, "enterprise": Role.ENTERPRISE}.get(
        kind, Role.COOPERATIVE
    )
    password = secrets.token_urlsafe(12)
    user = accounts.create_user(
        None,
        {
            "email": f"{plan.login}@{EMAIL_DOMAIN}",
            "full_name": full_name,
            "password": password,
            "role": role.value,
            "organization": plan.values["registration_code"],
        },
    )
    return user.email, role.value, plan.values.get("short_name") or plan.values["name"], password


def _unit_names(province: str = "52") -> dict[str, str]:
    """Full names of the province's current communes and wards, by code."""
    parent = select(AdminUnit.id).where(AdminUnit.code == province, AdminUnit.valid_to.is_(None))
    rows = db.session.execute(
        select(AdminUnit.code, AdminUnit.full_name).where(AdminUnit.parent_id.in_(parent))
    )
    return dict(rows.all())


def _existing_demo_records(plans: list[OrgPlan]) -> str | None:
    codes = [plan.values["registration_code"] for plan in plans]
    emails = [f"{plan.login}@{EMAIL_DOMAIN}" for plan in plans if plan.login]
    org = db.session.scalar(select(Organization).where(Organization.registration_code.in_(codes)))
    if org is not None:
        return f"organization {org.registration_code} {org.name}"
    user = db.session.scalar(select(User).where(User.email.in_(emails)))
    return f"user {user.email}" if user is not None else None


def _summary(plans: list[OrgPlan]) -> str:
    kinds: dict[str, int] = {}
    for plan in plans:
        kinds[plan.values["kind"]] = kinds.get(plan.values["kind"], 0) + 1
    households = sum(len(plan.households) for plan in plans)
    parts = [f"{count} {kind}" for kind, count in kinds.items()]
    return ", ".join([*parts, f"{households} member households"])


def _print_credentials(credentials: list[tuple[str, str, str, str]]) -> None:
    header = ("E-mail", "Role", "Organization", "Password")
    rows = [header, *[(e, r, _shorten(o, 44), p) for e, r, o, p in credentials]]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    base_url = current_app.config["PUBLIC_BASE_URL"]
    click.echo(f"\nDemo accounts; log in at {base_url}/login. Passwords are shown only now:")
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    click.echo("(Lost one? flask users reset-password --email …)\n")


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
