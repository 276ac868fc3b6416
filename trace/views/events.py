"""HTML forms that record a batch's events (harvest, inputs, processing, shipping, receipt,
inspection) and declare an earlier event erroneous.

Each form posts a few plain fields; ``_posted_<kind>`` turns them into the body the
API's ``EventInputSchema`` loads, so the web and the API check events the same way.
"""

from decimal import Decimal

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from core.errors import Forbidden
from core.i18n import ngettext
from registry.models import OrgKind
from registry.services.organizations import directory
from registry.views.common import FIELD_ERRORS, done, form_number, form_text, load, refusal
from trace.event_schemas import CorrectionInputSchema, EventInputSchema
from trace.models import Batch, LineRole
from trace.names import EVENT_LABELS
from trace.process_steps import STEP_NAMES, steps_for
from trace.services import batches, events, quantities
from trace.views.batches import incoming_shipments, render_batch
from trace.views.common import aware_time, bp, compact, local_now, placed, require_recorder

OUTPUT_ROWS = 3
OUTPUT_FIELDS = ("product_id", "quantity", "lot_code", "production_date", "packing_date")
OUTPUT_FIELDS += ("expiry_date",)
HELD_LOTS_SHOWN = 100
# The fields each form shows; any other message goes to the top of the form.
FORM_FIELDS = {
    "harvest": ("event_time", "site_id", "quantity"),
    "input_applied": (
        "event_time",
        "site_id",
        "input_name",
        "dose",
        "dose_unit",
        "pre_harvest_interval_days",
    ),
    "transformation": (
        "event_time",
        "site_id",
        "transformation",
        "process_step",
        "inputs",
        "outputs",
    ),
    "shipping": ("event_time", "site_id", "destination_org_id", "quantity", "reference_type"),
    "receiving": ("event_time", "source_org_id", "quantity", "reference_type"),
    "inspection": ("event_time", "site_id", "result", "certificate"),
}
RENAMES = {
    "lines": "quantity",
    "lines.0.quantity": "quantity",
    "reference": "reference_type",
    "reference.type": "reference_type",
    "reference.id": "reference_id",
}


@bp.route(
    "/batches/<int:batch_id>/events/<kind>/new", methods=["GET", "POST"], endpoint="event_new"
)
def event_new(batch_id: int, kind: str):
    """Record one event of a batch: the form for its kind, then the service's checks."""
    if kind not in FORM_FIELDS:
        abort(404)
    _require_may_record(kind)
    batch = batches.get_batch(current_user, batch_id)
    if kind == "receiving" and not incoming_shipments(batch):
        abort(404)
    if request.method == "GET":
        return _event_form(batch, kind, _defaults(batch), [], {})
    raw, context = POSTED[kind](batch)
    values, errors = load(EventInputSchema(), {"kind": kind, **raw})
    if values is not None:
        try:
            event = events.record_event(current_user, values)
        except FIELD_ERRORS as exc:
            errors = refusal(exc)
        else:
            message = _("%(kind)s has been recorded.", kind=EVENT_LABELS[kind])
            return done(_with_new_lots(message, event), url_for(".batch", batch_id=batch.id))
    fields = {*FORM_FIELDS[kind], "reference_id", *context.get("fields", ())}
    renames = {**RENAMES, **context.get("renames", {})}
    errors = placed(errors, fields, renames)
    return _event_form(batch, kind, request.form, context.get("outputs", []), errors), 422


@bp.post("/batches/<int:batch_id>/events/<int:event_id>/erroneous", endpoint="event_erroneous")
def event_erroneous(batch_id: int, event_id: int):
    """Declare one of the cooperative's events erroneous, with the reason (a new event)."""
    require_recorder()
    batch = batches.get_batch(current_user, batch_id)
    values, errors = load(CorrectionInputSchema(), {"reason": form_text("reason")})
    if values is not None:
        try:
            events.declare_erroneous(current_user, event_id, values["reason"])
        except FIELD_ERRORS as exc:
            errors = refusal(exc)
        else:
            message = _("The event has been declared erroneous.")
            return done(message, url_for(".batch", batch_id=batch.id))
    shown = placed(errors, {"reason"})
    batch = batches.get_batch(current_user, batch_id)
    return render_batch(batch, correction_errors={event_id: shown}), 422


def _with_new_lots(message: str, event) -> str | Markup:
    """The success message, with a link to each lot a transformation made (packing makes the
    lot that gets labels: the user goes on there)."""
    made = [line.batch for line in event.lines if line.role == LineRole.OUTPUT]
    if not made:
        return message
    link = Markup('<a class="new-lot" href="{}"><code>{}</code></a>')
    links = Markup(", ").join(
        link.format(url_for(".batch", batch_id=lot.id), lot.lot_code) for lot in made
    )
    heading = ngettext("New batch:", "New batches:", len(made))
    return Markup("{} {} {}").format(message, heading, links)


def _require_may_record(kind: str) -> None:
    if kind != "receiving":
        require_recorder()
    elif current_user.is_department or current_user.organization_id is None:
        raise Forbidden(_("The department reads these records but does not change them."))


def _defaults(batch: Batch) -> dict:
    own_sites = [s for s in batch.sites if s.organization_id == current_user.organization_id]
    return {"event_time": local_now(), "site_id": str(own_sites[0].id) if own_sites else ""}


def _event_form(batch: Batch, kind: str, values: dict, outputs: list[dict], errors: dict):
    outputs = outputs + [{}] * max(0, OUTPUT_ROWS - len(outputs))
    options = FORM_OPTIONS.get(kind, lambda _batch: {})(batch)
    return render_template(
        "trace/event_form.html",
        batch=batch,
        kind=kind,
        values=values,
        outputs=outputs,
        errors=errors,
        site_options=_site_options(),
        **options,
    )


# What each form posts, as EventInputSchema's body --------------------------------------


def _common() -> dict:
    return {"event_time": aware_time(form_text("event_time")), "site_id": form_text("site_id")}


def _this_lot(batch: Batch) -> list[dict]:
    return [{"batch_id": batch.id, "quantity": form_number("quantity")}]


def _reference() -> dict | None:
    kind, number = form_text("reference_type"), form_text("reference_id")
    return {"type": kind, "id": number} if kind or number else None


def _posted_harvest(batch: Batch) -> tuple[dict, dict]:
    return {**_common(), "lines": _this_lot(batch)}, {}


def _posted_input(batch: Batch) -> tuple[dict, dict]:
    raw = {**_common(), "lines": [{"batch_id": batch.id}], "dose": form_number("dose")}
    raw.update({name: form_text(name) for name in ("input_name", "dose_unit")})
    raw["pre_harvest_interval_days"] = form_number("pre_harvest_interval_days")
    return raw, {}


def _posted_transformation(batch: Batch) -> tuple[dict, dict]:
    lots = [lot for lot, _held in _held_lots(batch)]
    inputs = [
        {"batch_id": lot.id, "quantity": form_number(f"in-{lot.id}")}
        for lot in lots
        if form_text(f"in-{lot.id}")
    ]
    rows = [{name: _output_value(i, name) for name in OUTPUT_FIELDS} for i in range(OUTPUT_ROWS)]
    outputs = compact(rows)
    raw = {**_common(), "transformation": form_text("transformation")}
    raw["process_step"] = form_text("process_step")
    raw.update(inputs=inputs, outputs=outputs)
    renames = {f"inputs.{i}.quantity": f"in-{line['batch_id']}" for i, line in enumerate(inputs)}
    fields = {f"in-{lot.id}" for lot in lots}
    fields |= {f"outputs.{i}.{name}" for i in range(OUTPUT_ROWS) for name in OUTPUT_FIELDS}
    return raw, {"renames": renames, "fields": fields, "outputs": outputs}


def _output_value(row: int, name: str) -> str | None:
    if name == "quantity":
        return form_number(f"outputs.{row}.quantity")
    return form_text(f"outputs.{row}.{name}")


def _posted_shipping(batch: Batch) -> tuple[dict, dict]:
    raw = {**_common(), "lines": _this_lot(batch), "reference": _reference()}
    raw["destination_org_id"] = form_text("destination_org_id")
    return raw, {}


def _posted_receiving(batch: Batch) -> tuple[dict, dict]:
    raw = {**_common(), "lines": _this_lot(batch), "reference": _reference()}
    raw["source_org_id"] = form_text("source_org_id")
    return raw, {}


def _posted_inspection(batch: Batch) -> tuple[dict, dict]:
    raw = {**_common(), "lines": [{"batch_id": batch.id}]}
    raw.update(result=form_text("result"), certificate=form_text("certificate"))
    return raw, {}


POSTED = {
    "harvest": _posted_harvest,
    "input_applied": _posted_input,
    "transformation": _posted_transformation,
    "shipping": _posted_shipping,
    "receiving": _posted_receiving,
    "inspection": _posted_inspection,
}


# Choices the forms offer -------------------------------------------------------------------


def _site_options() -> list[tuple[str, str]]:
    return [(str(s.id), s.name) for s in events.recording_sites(current_user)]


def _harvest_options(batch: Batch) -> dict:
    made = quantities.produced_quantities([batch.id])[batch.id]
    return {"left_to_harvest": Decimal(batch.quantity) - made}


def _held_lots(batch: Batch) -> list[tuple[Batch, Decimal]]:
    """Lots the organization holds some of, this batch first (a transformation's inputs)."""
    return events.held_lots(current_user, batch, HELD_LOTS_SHOWN)


def _transformation_options(batch: Batch) -> dict:
    products = events.output_products(current_user)
    held = _held_lots(batch)
    steps = steps_for({lot.product.category for lot, _held in held} | {batch.product.category})
    return {
        "held_lots": held,
        "product_options": [(str(p.id), p.name) for p in products],
        "process_step_options": [(step, STEP_NAMES[step]) for step in steps],
    }


def _shipping_options(batch: Batch) -> dict:
    held = quantities.held_quantities([batch.id], current_user.organization_id)[batch.id]
    return {"held": held, "partners": _partners()}


def _partners() -> list[tuple[str, list[tuple[str, str]]]]:
    """Active organizations to ship to, grouped by kind, enterprises first."""
    orgs = directory(current_user)
    kinds = [OrgKind.ENTERPRISE, *(kind for kind in OrgKind if kind != OrgKind.ENTERPRISE)]
    groups = []
    for kind in kinds:
        options = [(str(org.id), org.name) for org in orgs if org.kind == kind]
        if options:
            groups.append((kind.value, options))
    return groups


def _receiving_options(batch: Batch) -> dict:
    incoming = incoming_shipments(batch)
    shippers = {str(event.organization_id): event.organization.name for event, _line in incoming}
    return {"incoming": incoming, "shippers": list(shippers.items())}


FORM_OPTIONS = {
    "harvest": _harvest_options,
    "transformation": _transformation_options,
    "shipping": _shipping_options,
    "receiving": _receiving_options,
}
