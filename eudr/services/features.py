"""Each plot's GeoJSON Feature in the EU Information System's format, kept as stored text.

The evidence for a shipment concatenates these texts (``eudr_plots.eu_feature``) instead of
writing 30,000 features on every download. The text depends on the plot (geometry, area, name),
its growing area (name, commune), its households and their consent to be named; a flush that
changes any of these through the ORM rewrites the features of the plots concerned, in the same
transaction (``after_flush``). A plot without stored text (written around the ORM, or before
the column existed) is written on the fly by the same function at export (``missing``).
"""

import json
from dataclasses import dataclass, field

from sqlalchemy import bindparam, event, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, attributes

from eudr.models import NameConsent, Plot, plot_households
from registry.models import AdminUnit, MemberHousehold
from trace.models import Site


def feature_text(
    name: str, site_name: str, commune: str, area_ha: float, geometry: str, producers: list[str]
) -> str:
    """One GeoJSON Feature with exactly the EU Information System's properties.

    ``ProducerCountry`` and ``Area`` (hectares, a number) always; ``ProductionPlace`` (the
    plot and its growing area); ``ProducerName`` only with the households' consent.
    """
    properties = {
        "ProducerCountry": "VN",
        "Area": round(area_ha, 4),
        "ProductionPlace": f"{name}, {site_name}, {commune}",
    }
    if producers:
        properties["ProducerName"] = ", ".join(producers)
    props = json.dumps(properties, ensure_ascii=False, separators=(",", ":"))
    return f'{{"type":"Feature","geometry":{geometry},"properties":{props}}}'


def compute(connection: Connection, plot_ids) -> dict[int, str]:
    """The feature text of these plots (ids, or a select of them), by plot id: two queries."""
    producers: dict[int, list[str]] = {}
    named = connection.execute(
        select(plot_households.c.plot_id, MemberHousehold.head_name)
        .join(MemberHousehold, MemberHousehold.id == plot_households.c.member_id)
        .join(NameConsent, NameConsent.member_id == MemberHousehold.id)
        .where(plot_households.c.plot_id.in_(plot_ids), NameConsent.agreed)
        .order_by(plot_households.c.plot_id, MemberHousehold.id)
    )
    for plot_id, head_name in named:
        producers.setdefault(plot_id, []).append(head_name)
    rows = connection.execute(
        select(Plot.id, Plot.name, Site.name, AdminUnit.full_name, Plot.area_ha, Plot.geometry)
        .join(Site, Site.id == Plot.site_id)
        .join(AdminUnit, AdminUnit.id == Site.admin_unit_id)
        .where(Plot.id.in_(plot_ids))
    )
    return {
        plot_id: feature_text(name, site, commune, area, geometry, producers.get(plot_id, []))
        for plot_id, name, site, commune, area, geometry in rows
    }


def store(connection: Connection, plot_ids) -> dict[int, str]:
    """Write the feature text of these plots (ids or a select) and return it by plot id."""
    texts = compute(connection, plot_ids)
    if texts:
        table = Plot.__table__
        # updated_at kept as it was: the plot itself has not changed, only what it shows.
        stmt = (
            update(table)
            .where(table.c.id == bindparam("plot"))
            .values(eu_feature=bindparam("text"), updated_at=table.c.updated_at)
        )
        connection.execute(stmt, [{"plot": k, "text": v} for k, v in texts.items()])
    return texts


def affected_plots(plot_ids=(), member_ids=(), site_ids=()):
    """A select of the plots whose feature depends on these plots, households or areas."""
    via_members = select(plot_households.c.plot_id).where(
        plot_households.c.member_id.in_(list(member_ids))
    )
    return select(Plot.id).where(
        Plot.id.in_(list(plot_ids)) | Plot.id.in_(via_members) | Plot.site_id.in_(list(site_ids))
    )


@dataclass
class _Touched:
    plots: set[int] = field(default_factory=set)
    members: set[int] = field(default_factory=set)
    sites: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.plots or self.members or self.sites)


def _changed(obj, *names: str) -> bool:
    state = attributes.instance_state(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _note(touched: _Touched, obj, deleted: bool) -> None:
    if isinstance(obj, Plot) and not deleted:
        touched.plots.add(obj.id)
    elif isinstance(obj, NameConsent):
        touched.members.add(obj.member_id)
    elif isinstance(obj, MemberHousehold) and not deleted and _changed(obj, "head_name"):
        touched.members.add(obj.id)
    elif isinstance(obj, Site) and not deleted and _changed(obj, "name", "admin_unit_id"):
        touched.sites.add(obj.id)


@event.listens_for(Session, "after_flush")
def _collect(session, _flush_context) -> None:
    # Still the state before the flush here: what was new, changed or deleted, with history.
    touched = session.info.setdefault("eudr_features_touched", _Touched())
    for obj in session.new:
        _note(touched, obj, False)
    for obj in session.dirty:
        _note(touched, obj, False)
    for obj in session.deleted:
        _note(touched, obj, True)


@event.listens_for(Session, "after_flush_postexec")
def _refresh(session, _flush_context) -> None:
    touched = session.info.pop("eudr_features_touched", None)
    if not touched:
        return
    plots = affected_plots(touched.plots, touched.members, touched.sites)
    texts = store(session.connection(), plots)
    # The UPDATE went around the ORM: loaded plots take the new text as their committed value.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Plot) and obj.id in texts:
            attributes.set_committed_value(obj, "eu_feature", texts[obj.id])
