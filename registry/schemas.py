"""marshmallow schemas of the registry: what the API and the web forms accept and return."""

import dataclasses

from flask_babel import lazy_gettext as _l
from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates,
    validates_schema,
)

from core.representation import RefusesFields, WholeRepresentation
from core.validation import InputSchema, Length, Range
from gs1.codes import gs1_check_digit_ok
from registry.inputs import (
    MemberInput,
    MemberPatch,
    NewOrganization,
    OrganizationInput,
    OrganizationPatch,
    StatusChange,
)
from registry.models import MemberType, OrgKind, OrgStatus, Rating, Role, Sector, UnitLevel

PHONE = validate.Regexp(r"^\+?[0-9 .()-]{8,20}$", error=_l("Not a valid phone number."))
REG_CODE = validate.Regexp(
    r"^[A-Za-z0-9./-]{3,32}$",
    error=_l("Use 3 to 32 letters, digits, dots, slashes or hyphens."),
)


def _text(max_len: int, required: bool = False, **kwargs) -> fields.String:
    return fields.String(
        required=required,
        allow_none=not required,
        validate=Length(
            min=1, max=max_len, error=_l("Must be between {min} and {max} characters.")
        ),
        **kwargs,
    )


def _choice(enum_cls, required: bool = False, **kwargs) -> fields.String:
    values = [member.value for member in enum_cls]
    return fields.String(
        required=required,
        allow_none=not required,
        validate=validate.OneOf(values, error=_l("Must be one of: {choices}.")),
        metadata={"enum": values},
        **kwargs,
    )


class AdminUnitSchema(Schema):
    """An administrative unit as the API returns it."""

    code = fields.String()
    level = fields.String()
    name = fields.String()
    full_name = fields.String()
    name_en = fields.String(allow_none=True)
    parent_code = fields.Function(lambda unit: unit.parent.code if unit.parent else None)
    legacy = fields.Boolean(attribute="is_legacy")


class AdminUnitQueryArgsSchema(InputSchema):
    """Filters of the administrative unit list."""

    province = fields.String(metadata={"description": "Province code; default the configured one"})
    level = _choice(UnitLevel)
    q = fields.String(metadata={"description": "Name, with or without diacritics"})
    legacy = fields.Boolean(load_default=False)


class RatingSchema(Schema):
    """One year's rating of a cooperative."""

    year = fields.Integer(
        required=True, validate=Range(min=1990, max=2100, error=_l("Not a valid year."))
    )
    rating = _choice(Rating, required=True)


class OrganizationFieldsSchema(InputSchema):
    """The editable fields of an organization, as every input of one reads them."""

    kind = _choice(OrgKind, required=True)
    name = _text(255, required=True)
    short_name = _text(120)
    registration_code = fields.String(required=True, validate=REG_CODE)
    tax_code = fields.String(
        allow_none=True,
        validate=validate.Regexp(r"^[0-9]{10}(-[0-9]{3})?$", error=_l("Not a valid tax code.")),
    )
    admin_unit = fields.String(
        required=True, metadata={"description": "Code of the commune or ward (GSO code)"}
    )
    address = _text(255)
    latitude = fields.Float(
        allow_none=True, validate=Range(min=-90, max=90, error=_l("Out of range."))
    )
    longitude = fields.Float(
        allow_none=True, validate=Range(min=-180, max=180, error=_l("Out of range."))
    )
    sector = _choice(Sector, load_default=Sector.AGRICULTURAL.value)
    main_products = _text(255)
    representative = _text(120)
    phone = fields.String(allow_none=True, validate=PHONE)
    email = fields.Email(allow_none=True)
    gln = fields.String(allow_none=True)
    established_on = fields.Date(allow_none=True)
    member_count = fields.Integer(
        allow_none=True,
        validate=Range(min=0, max=1_000_000, error=_l("Must be between {min} and {max}.")),
    )
    rating_year = fields.Integer(
        allow_none=True, validate=Range(min=1990, max=2100, error=_l("Not a valid year."))
    )
    rating = _choice(Rating)

    @validates("gln")
    def _check_gln(self, value, **kwargs):
        if value is not None and not (len(value) == 13 and gs1_check_digit_ok(value)):
            raise ValidationError(_l("A GLN has 13 digits and a valid check digit."))


def _enums(data: dict, **enums) -> dict:
    """``data`` with each named choice turned into its enum (None and absent stay so)."""
    return {
        name: enums[name](value) if name in enums and value is not None else value
        for name, value in data.items()
    }


def _organization_values(data: dict) -> dict:
    return _enums(data, kind=OrgKind, sector=Sector, rating=Rating, status=OrgStatus)


def _patch(patch_type, data: dict):
    """A patch of the fields sent that ``patch_type`` has (an import's salvaged row)."""
    names = {field.name for field in dataclasses.fields(patch_type)}
    return patch_type(**{name: value for name, value in data.items() if name in names})


class OrganizationInputSchema(OrganizationFieldsSchema):
    """An organization to register, with the status its records show; loads a NewOrganization.

    A partial load (a bad import row's valid fields) gives an OrganizationPatch.
    """

    status = _choice(OrgStatus, load_default=OrgStatus.ACTIVE.value)
    status_since = fields.Date(allow_none=True)

    @post_load
    def _make(self, data, partial=None, **kwargs):
        values = _organization_values(data)
        return _patch(OrganizationPatch, values) if partial else NewOrganization(**values)


_STATUS_ENDPOINTS = _l(
    "The status changes through POST /organizations/{id}/suspend, /reactivate or /dissolve."
)


class OrganizationEditSchema(RefusesFields, OrganizationFieldsSchema):
    """An organization's editable fields; loads an OrganizationInput, or, partial, a patch.

    The status is not among them: it has rules of its own, and endpoints.
    """

    refused = {"status": _STATUS_ENDPOINTS, "status_since": _STATUS_ENDPOINTS}

    @post_load
    def _make(self, data, partial=None, **kwargs):
        values = _organization_values(data)
        return OrganizationPatch(**values) if partial else OrganizationInput(**values)


class OrganizationPutSchema(WholeRepresentation, OrganizationEditSchema):
    """An organization's whole representation (PUT): every editable field, null to clear one."""

    not_required = ("rating_year", "rating")


class OrganizationPatchSchema(OrganizationEditSchema):
    """Some editable fields of an organization (PATCH); loads an OrganizationPatch."""

    def __init__(self, **kwargs):
        super().__init__(partial=True, **kwargs)


class StatusChangeSchema(InputSchema):
    """When an organization's status changes (default today)."""

    on = fields.Date(load_default=None)

    @post_load
    def _make(self, data, **kwargs):
        return StatusChange(**data)


class OrganizationSchema(Schema):
    """An organization as the API returns it."""

    id = fields.Integer()
    kind = fields.String()
    name = fields.String()
    short_name = fields.String(allow_none=True)
    registration_code = fields.String()
    tax_code = fields.String(allow_none=True)
    admin_unit = fields.Nested(AdminUnitSchema)
    address = fields.String(allow_none=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    sector = fields.String()
    main_products = fields.String(allow_none=True)
    representative = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    gln = fields.String(allow_none=True)
    status = fields.String()
    established_on = fields.Date(allow_none=True)
    status_since = fields.Date(allow_none=True)
    member_count = fields.Integer(allow_none=True)
    ratings = fields.List(fields.Nested(RatingSchema))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class OrganizationQueryArgsSchema(InputSchema):
    """Filters of the organization list."""

    kind = _choice(OrgKind)
    admin_unit = fields.String(metadata={"description": "Commune code, or a province code"})
    sector = _choice(Sector)
    status = _choice(OrgStatus)
    q = fields.String(metadata={"description": "Name, code or address; diacritics optional"})


class MemberInputSchema(InputSchema):
    """A member household's fields; loads a MemberInput, or, partial, a MemberPatch."""

    head_name = _text(120, required=True)
    admin_unit = fields.String(required=True, metadata={"description": "Commune code"})
    village = _text(120)
    phone = fields.String(allow_none=True, validate=PHONE)
    planted_area_ha = fields.Float(
        allow_none=True,
        validate=Range(min=0, max=10_000, error=_l("Must be between {min} and {max}.")),
    )
    member_type = _choice(MemberType, load_default=MemberType.OFFICIAL.value)
    joined_on = fields.Date(allow_none=True)

    @post_load
    def _make(self, data, partial=None, **kwargs):
        values = _enums(data, member_type=MemberType)
        return MemberPatch(**values) if partial else MemberInput(**values)


class MemberPutSchema(WholeRepresentation, MemberInputSchema):
    """A member household's whole representation (PUT): every field, null to clear one."""


class MemberPatchSchema(MemberInputSchema):
    """Some fields of a member household (PATCH); loads a MemberPatch."""

    def __init__(self, **kwargs):
        super().__init__(partial=True, **kwargs)


class MemberLeaveSchema(InputSchema):
    """The date a household left the cooperative."""

    left_on = fields.Date(required=True)


class MemberSchema(Schema):
    """A member household as the API returns it (only to its cooperative and the department)."""

    id = fields.Integer()
    organization_id = fields.Integer()
    head_name = fields.String()
    admin_unit = fields.Nested(AdminUnitSchema)
    village = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    planted_area_ha = fields.Float(allow_none=True)
    member_type = fields.String()
    joined_on = fields.Date(allow_none=True)
    left_on = fields.Date(allow_none=True)


class MemberQueryArgsSchema(InputSchema):
    """Filters of a cooperative's member list."""

    q = fields.String()
    include_left = fields.Boolean(load_default=False)


class UserInputSchema(InputSchema):
    """Fields accepted when an administrator creates a user."""

    email = fields.Email(required=True)
    full_name = _text(120, required=True)
    password = fields.String(
        load_only=True,
        allow_none=True,
        validate=Length(min=10, max=128, error=_l("Use between {min} and {max} characters.")),
        metadata={"description": "Left out: the user chooses one through the invitation link"},
    )
    role = _choice(Role, required=True)
    organization = fields.String(
        allow_none=True,
        metadata={"description": "Registration code, or exact name, of the user's organization"},
    )


class UserSchema(Schema):
    """A user as the API returns it."""

    id = fields.Integer()
    email = fields.String()
    full_name = fields.String()
    role = fields.String()
    organization_id = fields.Integer(allow_none=True)
    active = fields.Boolean()
    has_password = fields.Boolean()
    last_login_at = fields.DateTime(allow_none=True)
    invitation_url = fields.String(
        dump_only=True,
        metadata={"description": "Only when the user was just created or re-invited"},
    )


class PasswordChangeSchema(InputSchema):
    """The current password and the new one."""

    current_password = fields.String(required=True, load_only=True)
    new_password = fields.String(
        required=True,
        load_only=True,
        validate=Length(min=10, max=128, error=_l("Use between {min} and {max} characters.")),
    )
    new_password_again = fields.String(required=True, load_only=True)
    revoke_tokens = fields.Boolean(load_default=False, load_only=True)

    @validates_schema
    def _twice_the_same(self, data, **kwargs):
        _same_twice(data)


def _same_twice(data: dict) -> None:
    if data.get("new_password") != data.get("new_password_again"):
        raise ValidationError(
            _l("The two passwords are not the same."), field_name="new_password_again"
        )


class NewPasswordSchema(InputSchema):
    """A password chosen through an invitation or reset link, typed twice."""

    new_password = fields.String(
        required=True,
        load_only=True,
        validate=Length(min=10, max=128, error=_l("Use between {min} and {max} characters.")),
    )
    new_password_again = fields.String(required=True, load_only=True)

    @validates_schema
    def _twice_the_same(self, data, **kwargs):
        _same_twice(data)


class TokenRequestSchema(InputSchema):
    """Credentials and a name for a new API token."""

    email = fields.Email(required=True)
    password = fields.String(required=True, load_only=True)
    name = _text(80, load_default="api")


class TokenSchema(Schema):
    """An API token's public details; ``token`` is present only in the creating response."""

    id = fields.Integer()
    name = fields.String()
    prefix = fields.String()
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    token = fields.String(dump_only=True)
