"""HTML views of batches (lô hàng): keyset list, draft form with households, detail, status."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload

from core.extensions import db
from registry.models import User
from registry.services import members
from registry.views.common import FIELD_ERRORS, form_number, form_text, load, refusal
from trace.models import Batch, BatchStatus, EventLine, Product, TraceEvent
from trace.schemas import (
    BatchEditSchema,
    BatchInputSchema,
    BatchQueryArgsSchema,
    BatchStatusSchema,
)
from trace.services import (
    batch_listing,
    batches,
    completeness,
    events,
    genealogy,
    products,
    quantities,
    sites,
)
from trace.views.common import (
    as_text,
    bp,
    may_record,
    placed,
    query_filters,
    require_recorder,
)

PER_PAGE = 25
EVENTS_PER_PAGE = 50  # a lot's page shows this many of its events, with links to the others
DATE_FIELDS = batches.DATE_FIELDS
STATUS_DONE = {
    "active": _l("The batch is active: its events can be recorded."),
    "closed": _l("The batch has been closed."),
}
FORM_FIELDS = (
    "product_id",
    "lot_code",
    "quantity",
    *DATE_FIELDS,
    "site_ids",
    "households",
    "reason",
)
EDITABLE = (BatchStatus.DRAFT, BatchStatus.ACTIVE)


@bp.get("/batches", endpoint="batches")
def batch_list():
    """Batches the user may see, newest first, one keyset page at a time."""
    filters, errors, args = query_filters(BatchQueryArgsSchema(), ("product_id", "status", "q"))
    filters.pop("with_total", None)
    cursor = request.args.get("cursor")
    if cursor and not cursor.isdigit():
        cursor = None
    rows, next_cursor, _total = batch_listing.batch_page(current_user, filters, cursor, PER_PAGE)
    return render_template(
        "trace/batch_list.html",
        batches=rows,
        next_cursor=next_cursor,
        cursor=cursor,
        args=args,
        errors=errors,
        product_options=_product_options() if current_user.organization_id else [],
    )


@bp.get("/batches/<int:batch_id>", endpoint="batch")
def batch_detail(batch_id: int):
    """A batch: its data, checklist, holdings and event timeline, with the actions allowed."""
    return render_batch(batches.get_batch(current_user, batch_id))


@bp.route("/batches/new", methods=["GET", "POST"], endpoint="batch_new")
def batch_new():
    """Create a draft batch with its sites and contributing households."""
    require_recorder()
    if request.method == "GET":
        values = {"product_id": request.args.get("product_id", ""), "site_ids": [], "hh": {}}
        return _batch_form(None, values, {})
    return _save_batch(None)


@bp.route("/batches/<int:batch_id>/edit", methods=["GET", "POST"], endpoint="batch_edit")
def batch_edit(batch_id: int):
    """Edit a draft batch, or complete an active one (its dates, areas and households; its
    events fix the rest); once labels are printed, the change is a correction with a reason."""
    require_recorder()
    batch = batches.get_batch(current_user, batch_id)
    if batch.status not in EDITABLE:
        flash(_("Only a draft or an active batch can be edited."), "error")
        return redirect(url_for(".batch", batch_id=batch.id))
    if request.method == "GET":
        return _batch_form(batch, _batch_values(batch), {})
    return _save_batch(batch)


@bp.post("/batches/<int:batch_id>/status", endpoint="batch_status")
def batch_status(batch_id: int):
    """Activate a draft batch or close an active one."""
    require_recorder()
    batch = batches.get_batch(current_user, batch_id)
    values, errors = load(BatchStatusSchema(), {"status": form_text("status")})
    if values is not None:
        try:
            batches.set_status(current_user, batch.id, values["status"])
        except FIELD_ERRORS as exc:
            errors = refusal(exc)
        else:
            db.session.commit()
            flash(STATUS_DONE[values["status"]], "success")
            return redirect(url_for(".batch", batch_id=batch.id))
    return render_batch(batches.get_batch(current_user, batch_id), status_errors=errors), 422


@bp.get("/batches/<int:batch_id>/chain", endpoint="batch_chain")
def batch_chain(batch_id: int):
    """The batch's genealogy, backward or forward, as an indented tree, a page of lots at a
    time: ``?from=<lot id>`` shows the part of the chain below one of its lots."""
    asked = request.args.get("direction")
    direction = "backward" if asked == "backward" else "forward"
    start = request.args.get("from", type=int)
    view = genealogy.chain_view(current_user, batch_id, direction, start)
    if asked is None and start is None and not (view.trace.links or view.trace.shipments):
        # Nothing was made from it nor shipped (a final product): open on where it came from.
        direction = "backward"
        view = genealogy.chain_view(current_user, batch_id, direction, start)
    return render_template(
        "trace/batch_chain.html",
        trace=view.trace,
        view=view,
        direction=direction,
        tree=_tree(view),
    )


def render_batch(batch: Batch, status_errors=None, correction_errors=None):
    """The batch page; a refused status change or correction shows its messages on it."""
    items = completeness.checklist(batch)
    # The department holds nothing: it sees what the lot's own cooperative still holds.
    holder = current_user.organization
    if holder is None or current_user.is_department:
        holder = batch.organization
    timeline = _timeline(batch)
    own = batch.organization_id == current_user.organization_id
    produced = quantities.produced_quantities([batch.id])[batch.id]
    return render_template(
        "trace/batch_detail.html",
        batch=batch,
        checklist=items,
        fixes=checklist_fixes(batch, own),
        traced=all(item.ok for item in items),
        held=quantities.held_quantities([batch.id], holder.id)[batch.id],
        holder=holder,
        produced=produced,
        transitions=[
            target.value for target in batches.allowed_transitions(batch.status, produced > 0)
        ],
        timeline=timeline.events,
        page=timeline,
        events_by_id=timeline.originals,
        corrected=timeline.corrected,
        own=own,
        sees_households=own or current_user.is_department,
        incoming=incoming_shipments(batch),
        status_errors=status_errors or {},
        correction_errors=correction_errors or {},
    )


def checklist_fixes(batch: Batch, own: bool) -> dict[str, str]:
    """For each checklist item, the page of the form that supplies it (as far as the user may
    use that form): the lot's own data, its product, its harvest, its labels."""
    fixes: dict[str, str] = {}
    if current_user.is_department:
        edit_org = url_for("registry.organization_edit", org_id=batch.organization_id)
        fixes.update(producer_name=edit_org, producer_address=edit_org)
    if not (own and may_record()):
        return fixes
    edit_product = url_for(".product_edit", product_id=batch.product_id)
    fixes.update(product_name=edit_product, product_image=edit_product, standards=edit_product)
    if batch.status in EDITABLE:
        edit = url_for(".batch_edit", batch_id=batch.id)
        fixes.update(
            origin=edit + "#f-site_ids",
            lot_code=edit,
            expiry=edit + "#f-expiry_date",
            households=edit + "#households",
            tracking_event=url_for(".event_new", batch_id=batch.id, kind="harvest"),
        )
    fixes["label"] = url_for("labels.batch_labels", batch_id=batch.id)
    fixes["next_recipient"] = url_for(".batch", batch_id=batch.id) + "#events"
    return fixes


def _timeline(batch: Batch) -> events.Timeline:
    """One page (``?page=``) of the batch's events, oldest first."""
    options = (
        selectinload(TraceEvent.lines).selectinload(EventLine.batch),
        selectinload(TraceEvent.site),
        selectinload(TraceEvent.organization),
        selectinload(TraceEvent.source_org),
        selectinload(TraceEvent.destination_org),
        # Who recorded it: a delivery's receipt is often written by the seller's clerk.
        selectinload(TraceEvent.recorded_by).selectinload(User.organization),
    )
    page = request.args.get("page", 1, type=int)
    return events.lot_timeline(current_user, batch.id, page, EVENTS_PER_PAGE, options)


def incoming_shipments(batch: Batch) -> list:
    """Shipments of this batch to the user's organization whose receipt is still owed (what
    a receipt may confirm): none once each one's receipt is recorded, by anybody."""
    mine = current_user.organization_id
    if mine is None or current_user.is_department:
        return []
    owed = {source for _batch, source in quantities.receipts_owed(mine, [batch.id])}
    return [
        (event, line)
        for event, line in genealogy.shipments_of([batch.id])
        if event.destination_org_id == mine and event.organization_id in owed
    ]


def _tree(view: genealogy.ChainView) -> list[dict]:
    """The page of the trace as nested nodes from where it starts; a lot reached twice is
    listed, not expanded; ``hidden`` counts the lots right below a node left off the page."""
    trace = view.trace
    forward = trace.direction == "forward"
    children: dict[int, list] = {}
    for link in trace.links:
        start, end = (link.parent_id, link.child_id) if forward else (link.child_id, link.parent_id)
        children.setdefault(start, []).append((end, link))
    shipped: dict[int, list] = {}
    for event, line in trace.shipments:
        shipped.setdefault(line.batch_id, []).append((event, line))
    seen: set[int] = set()

    def node(batch_id: int, edge, depth: int) -> dict:
        repeated = batch_id in seen
        seen.add(batch_id)
        below = [] if repeated or depth >= 50 else children.get(batch_id, [])
        return {
            "batch": trace.batches[batch_id],
            "link": edge,
            "repeated": repeated,
            "hidden": 0 if repeated else view.hidden_below.get(batch_id, 0),
            "shipments": shipped.get(batch_id, []),
            "children": [node(end, below_edge, depth + 1) for end, below_edge in below],
        }

    return [node(view.start, None, 0)]


# The draft batch form ----------------------------------------------------------------------


def _save_batch(batch: Batch | None):
    members_shown = _members_for(batch)
    raw, contributed = _posted_batch(members_shown)
    if batch is not None:
        raw["reason"] = form_text("reason")
    values, errors = load(BatchEditSchema() if batch else BatchInputSchema(), raw)
    status = 422
    if values is not None:
        try:
            if batch is None:
                saved = batches.create_batch(current_user, values)
            else:
                saved = batches.update_batch(current_user, batch.id, values)
        except FIELD_ERRORS as exc:
            errors, status = refusal(exc), exc.status
        else:
            db.session.commit()
            flash(_("Batch %(lot)s has been saved.", lot=saved.lot_code), "success")
            return redirect(url_for(".batch", batch_id=saved.id))
    renames = {f"households.{i}.quantity": f"hh-{m}" for i, m in enumerate(contributed)}
    renames.update({f"households.{i}.member_id": f"hh-{m}" for i, m in enumerate(contributed)})
    shown = {**raw, "quantity": form_text("quantity"), "site_ids": request.form.getlist("site_ids")}
    shown["hh"] = {str(m.id): form_text(f"hh-{m.id}") or "" for m in members_shown}
    fields = {*FORM_FIELDS, *(f"hh-{m.id}" for m in members_shown)}
    return _batch_form(batch, shown, placed(errors, fields, renames), members_shown), status


def _posted_batch(members_shown) -> tuple[dict, list[int]]:
    raw = {name: form_text(name) for name in ("product_id", "lot_code", *DATE_FIELDS)}
    raw["quantity"] = form_number("quantity")
    raw["site_ids"] = request.form.getlist("site_ids")
    raw["households"], contributed = [], []
    for member in members_shown:
        quantity = form_number(f"hh-{member.id}")
        if quantity:
            raw["households"].append({"member_id": member.id, "quantity": quantity})
            contributed.append(member.id)
    return raw, contributed


def _batch_values(batch: Batch) -> dict:
    names = ("lot_code", "quantity", *DATE_FIELDS)
    values = {name: as_text(getattr(batch, name)) for name in names}
    values["product_id"] = str(batch.product_id)
    values["site_ids"] = [str(site.id) for site in batch.sites]
    values["hh"] = {str(h.member_id): as_text(h.quantity) for h in batch.households}
    return values


def _batch_form(batch: Batch | None, values: dict, errors: dict, members_shown=None):
    return render_template(
        "trace/batch_form.html",
        batch=batch,
        values=values,
        errors=errors,
        product_options=_product_options(active_only=True),
        site_options=list(db.session.scalars(sites.sites_query(current_user))),
        households=members_shown if members_shown is not None else _members_for(batch),
    )


def _members_for(batch: Batch | None) -> list:
    """The cooperative's current households, plus any already on the batch."""
    org_id = current_user.organization_id
    current = list(db.session.scalars(members.members_query(current_user, org_id)))
    listed = {m.id for m in current}
    extra = [h.member for h in batch.households if h.member_id not in listed] if batch else []
    return current + extra


def _product_options(active_only: bool = False) -> list[tuple[str, str]]:
    stmt = products.products_query(current_user)
    if active_only:
        stmt = stmt.where(Product.active.is_(True))
    return [(str(p.id), p.name) for p in db.session.scalars(stmt)]
