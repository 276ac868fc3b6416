"""What an import template tells the person filling it in.

Each column's note (also the header cell's comment), example rows, and the sheet of
the province's communes with their GSO codes, which the "Mã xã" column takes (a
commune's name, exactly as listed there, is accepted too).
"""

from datetime import date
from decimal import Decimal

from flask_babel import format_date
from flask_babel import gettext as _
from marshmallow import Schema

from core.numbers import number
from registry.models import AdminUnit
from registry.services import units
from registry.services.import_columns import choice_names

_EXAMPLE_DAY = date(2021, 3, 15)


def communes_sheet_title() -> str:
    """The title of the communes' sheet, as the notes and the errors name it."""
    return _("Communes")


def day_formats() -> str:
    """The date formats an import reads, with an example: as cell_date accepts them."""
    return _(
        "dd/mm/yyyy (e.g. %(example)s), yyyy-mm-dd or a date cell",
        example=format_date(_EXAMPLE_DAY, "dd/MM/yyyy"),
    )


def column_note(name: str, required: bool) -> str:
    """What to write in the column of field ``name``."""
    note = _notes().get(name) or ""
    need = _("Required.") if required else _("Optional.")
    return f"{need} {note}".strip()


def _notes() -> dict[str, str]:
    choices = {name: ", ".join(choice_names(name)) for name in ("kind", "status", "rating")}
    return {
        "head_name": _("The household head's full name."),
        "admin_unit": _(
            "The commune's or ward's code (5 digits) from the sheet “%(sheet)s”, or its name "
            "as listed there.",
            sheet=communes_sheet_title(),
        ),
        "village": _("The village (thôn, làng, buôn) or residential group."),
        "phone": _(
            "10 digits. With the head's name and the commune it tells a household apart "
            "when a file is imported again."
        ),
        "planted_area_ha": _(
            "The area farmed, in hectares, with a decimal comma or point: %(example)s.",
            example=number(Decimal("1.5")),
        ),
        "member_type": _("“Chính thức” (the default) or “Liên kết”."),
        "joined_on": _("The day the household joined: %(formats)s.", formats=day_formats()),
        "established_on": _("A date: %(formats)s.", formats=day_formats()),
        "status_since": _("A date: %(formats)s.", formats=day_formats()),
        "kind": _("One of: %(choices)s.", choices=choices["kind"]),
        "status": _("One of: %(choices)s.", choices=choices["status"]),
        "rating": _("One of: %(choices)s.", choices=choices["rating"]),
        "latitude": _("Decimal degrees, e.g. %(example)s", example=number(13.98)),
        "longitude": _("Decimal degrees, e.g. %(example)s", example=number(108.12)),
    }


def example_rows(kind: str, communes: list[AdminUnit]) -> list[dict[str, object]]:
    """Two rows as a department would fill them in, in real communes of the province."""
    first = communes[0] if communes else None
    second = communes[1] if len(communes) > 1 else first
    if kind != "members":
        return []
    day = format_date(_EXAMPLE_DAY, "dd/MM/yyyy")
    return [
        {
            "head_name": "Nguyễn Văn An",
            "admin_unit": first.code if first else "",
            "village": "Thôn 1",
            "phone": "0912345678",
            "planted_area_ha": 1.5,
            "member_type": "Chính thức",
            "joined_on": day,
        },
        {
            "head_name": "Rơ Mah H'Lan",
            "admin_unit": second.name if second else "",
            "village": "Làng Ia Pết",
            "phone": "0987654321",
            "planted_area_ha": 0.75,
            "member_type": "Liên kết",
            "joined_on": "2022-06-01",
        },
    ]


def guide_sheets(
    kind: str, schema: Schema, labels: dict[str, str]
) -> tuple[dict[str, str], list[tuple[str, list[list]]]]:
    """(each header's note, the extra sheets: the communes, then the guide) for a template.

    ``labels`` maps each field to its header in the template, in order.
    """
    communes = units.communes_of()
    notes = {
        label: column_note(name, schema.fields[name].required) for name, label in labels.items()
    }
    commune_rows = [[_("Commune code"), _("Commune or ward")]]
    commune_rows += [[unit.code, unit.full_name] for unit in communes]
    guide = [[_("Column"), _("What to write")]]
    guide += [[label, notes[label]] for label in labels.values()]
    examples = example_rows(kind, communes)
    if examples:
        guide += [[], [_("Examples (copy them to the first sheet, or write yours alike):")]]
        guide += [list(labels.values())]
        guide += [[row.get(name, "") for name in labels] for row in examples]
    return notes, [(communes_sheet_title(), commune_rows), (_("Guide"), guide)]
