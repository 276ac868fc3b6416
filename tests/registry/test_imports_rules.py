"""The import's rules: one bad row imports nothing and every bad row is reported, the
services' own refusals in the same words, records built as the services build them,
and as few queries for many rows as for few."""

import pytest
from sqlalchemy import event, inspect

from core.errors import ServiceError
from core.extensions import db
from registry.models import MemberHousehold, Organization
from registry.schemas import MemberInputSchema, OrganizationInputSchema
from registry.services import members, organizations
from tests.conftest import row_count
from tests.import_files import (
    CHU_SE,
    DAK_DOA,
    GAO,
    ORG_HEADER,
    PLEIKU,
    csv_file,
    department,
    households_of,
    import_members,
    import_orgs,
    org_by_code,
    where,
)


def test_one_bad_row_among_many_imports_nothing_and_reports_every_bad_row(ctx, make_org):
    make_org(registration_code="5900999999", name="HTX đã có")
    before = row_count(Organization)
    lines = [ORG_HEADER + ",gln"]
    for n in range(40):
        lines.append(f"cooperative,HTX {n},59001{n:05d},{DAK_DOA},agricultural,active,,,")
    lines[5] = "cooperative,HTX xã lạ,5900100004,99999,agricultural,active,,,"  # row 6
    lines[8] = f"cooperative,HTX trùng,5900100001,{DAK_DOA},agricultural,active,,,"  # row 9
    # Row 12 names the registered one: an update, not an error (none is written, though).
    lines[11] = f"cooperative,HTX cũ,5900999999,{DAK_DOA},agricultural,active,,,"
    lines[15] = f"cooperative,HTX ngày,5900100014,{DAK_DOA},agricultural,active,31/02/2024,,"
    lines[20] = f"cooperative,,5900100019,{DAK_DOA},agricultural,active,,,"  # row 21
    lines[22] = "cooperative,HTX tỉnh,5900100021,52,agricultural,active,,,"  # row 23
    lines[25] = f"cooperative,HTX GLN,5900100024,{DAK_DOA},agricultural,active,,,8930000000018"
    lines[30] = f"hợp tác,HTX loại,5900100029,{DAK_DOA},agricultural,active,,tuyệt,"
    report = import_orgs(csv_file(*lines))
    assert not report.ok and report.created == 0 and report.total_rows == 40
    assert where(report) == {
        (6, "admin_unit"),  # unknown unit
        (9, "registration_code"),  # the same as row 3
        (16, "established_on"),  # 31 February
        (21, "name"),  # required value missing
        (23, "admin_unit"),  # a province, not a commune
        (26, "gln"),  # bad check digit
        (31, "kind"),
        (31, "rating"),
    }
    assert all(error.message for error in report.errors)
    repeated = next(e for e in report.errors if e.row == 9)
    assert "3" in repeated.message and "5900100001" in repeated.message
    assert "99999" in next(e.message for e in report.errors if e.row == 6)
    db.session.rollback()
    assert row_count(Organization) == before
    assert org_by_code("5900999999").name == "HTX đã có"


def test_duplicate_gln_in_file_and_registry(ctx, make_org):
    make_org(gln="8930000000019")
    data = csv_file(
        "kind,name,registration_code,admin_unit,gln",
        f"cooperative,HTX 1,5900200001,{DAK_DOA},8930000000019",
        f"cooperative,HTX 2,5900200002,{DAK_DOA},8930000000026",
        f"cooperative,HTX 3,5900200003,{DAK_DOA},8930000000026",
        f"enterprise,Công ty 4,5900200001,{DAK_DOA},",  # another kind may share the code
    )
    report = import_orgs(data)
    assert where(report) == {(2, "gln"), (4, "gln")}


def test_bad_member_rows_import_nothing(ctx, make_org):
    coop = make_org()
    before = row_count(MemberHousehold)
    data = csv_file(
        "head_name,admin_unit,joined_on,planted_area_ha,member_type,phone",
        f"Hộ tốt,{DAK_DOA},2020-01-01,1.5,official,0905000001",
        f"Hộ tương lai,{DAK_DOA},2999-01-01,,,",
        f",{DAK_DOA},,,,",
        "Hộ xã lạ,12345,,-3,khách,abc",
    )
    report = import_members(coop, data)
    assert not report.ok and report.created == 0
    assert where(report) == {
        (3, "joined_on"),
        (4, "head_name"),
        (5, "admin_unit"),
        (5, "planted_area_ha"),
        (5, "member_type"),
        (5, "phone"),
    }
    db.session.rollback()
    assert row_count(MemberHousehold) == before


# Rows that the services (and so the API and the web forms) refuse; the import must refuse
# them too, in the same words, because it runs the services' own rule checks.
# A registration code in use is not among them: the import updates that organization
# (tests/registry/test_imports_orgs_again.py).
ORG_REFUSALS = {
    "GLN in use": {"gln": "8930000000019"},
    "unknown commune": {"admin_unit": "99999"},
    "a province": {"admin_unit": "52"},
    "a legacy district": {"admin_unit": "622"},
}
MEMBER_REFUSALS = {
    "joining date in the future": {"joined_on": "2999-01-01"},
    "unknown commune": {"admin_unit": "99999"},
    "a province": {"admin_unit": "52"},
}


def _refusal(create, schema, raw: dict) -> dict[str, list[str]]:
    """What a service answers to ``raw`` loaded as the API loads it: {field: [messages]}."""
    with pytest.raises(ServiceError) as refused:
        create(schema().load(raw))
    return refused.value.errors


def _messages(report) -> dict[str, list[str]]:
    assert {error.row for error in report.errors} == {2}
    found: dict[str, list[str]] = {}
    for error in report.errors:
        found.setdefault(error.column, []).append(error.message)
    return found


@pytest.mark.parametrize("case", ORG_REFUSALS.values(), ids=ORG_REFUSALS.keys())
def test_the_import_refuses_an_organization_as_the_service_does(ctx, make_org, case):
    make_org(registration_code="5901000001", gln="8930000000019", name="HTX đã có")
    raw = {
        "kind": "cooperative",
        "name": "HTX mới",
        "registration_code": "5901000002",
        "admin_unit": DAK_DOA,
    } | case
    refused = _refusal(
        lambda values: organizations.create_organization(department(), values),
        OrganizationInputSchema,
        raw,
    )
    report = import_orgs(csv_file(",".join(raw), ",".join(raw.values())))
    found = _messages(report)
    # The service stops at its first refusal; the import reports every one of the row.
    assert {name: found.get(name) for name in refused} == refused


@pytest.mark.parametrize("case", MEMBER_REFUSALS.values(), ids=MEMBER_REFUSALS.keys())
def test_the_import_refuses_a_household_as_the_service_does(ctx, make_org, case):
    coop = make_org()
    raw = {"head_name": "Hộ mới", "admin_unit": DAK_DOA} | case
    refused = _refusal(
        lambda values: members.add_member(department(), coop, values), MemberInputSchema, raw
    )
    assert (
        _messages(import_members(coop, csv_file(",".join(raw), ",".join(raw.values())))) == refused
    )


def test_a_row_with_a_bad_value_is_still_checked_against_the_rules(ctx, make_org):
    coop = make_org()
    data = csv_file("head_name,admin_unit,phone,joined_on", f"Hộ A,{DAK_DOA},abc,2999-01-01")
    assert where(import_members(coop, data)) == {(2, "phone"), (2, "joined_on")}


def test_an_edited_organization_may_keep_its_code_and_the_import_updates_it(ctx, make_org):
    org_id = make_org(registration_code="5901000011", gln="8930000000026")
    values = OrganizationInputSchema().load(
        {
            "kind": "cooperative",
            "name": "HTX đổi tên",
            "registration_code": "5901000011",
            "admin_unit": CHU_SE,
            "gln": "8930000000026",
        }
    )
    assert organizations.update_organization(department(), org_id, values).name == "HTX đổi tên"
    report = import_orgs(
        csv_file("kind,name,registration_code,admin_unit", f"HTX,X,5901000011,{CHU_SE}")
    )
    assert report.ok, report.errors
    assert (report.created, report.updated) == (0, 1)
    assert org_by_code("5901000011").name == "X"


def _columns(obj, skip: set[str]) -> dict:
    return {
        column.key: getattr(obj, column.key)
        for column in inspect(type(obj)).column_attrs
        if column.key not in skip
    }


def test_an_imported_organization_is_built_as_the_service_builds_it(ctx):
    raw = {
        "kind": "Hợp tác xã",
        "name": "HTX Cà phê Ia Grai",
        "short_name": "HTX Ia Grai",
        "registration_code": "5901000021",
        "admin_unit": DAK_DOA,
        "address": "Thôn 3",
        "sector": "Phi nông nghiệp",
        "gln": "8930000000033",
        "status": "Tạm ngừng",
        "established_on": "15/03/2019",
        "member_count": "42",
        "rating": "Khá",
    }
    assert import_orgs(csv_file(",".join(raw), ",".join(raw.values()))).ok
    api_values = raw | {
        "kind": "cooperative",
        "registration_code": "5901000022",
        "sector": "non_agricultural",
        "gln": "8930000000040",
        "status": "suspended",
        "established_on": "2019-03-15",
        "rating": "fair",
    }
    created = organizations.create_organization(
        department(), OrganizationInputSchema().load(api_values)
    )
    imported = org_by_code("5901000021")
    skip = {"id", "registration_code", "gln", "search_text", "created_at", "updated_at"}
    assert _columns(imported, skip) == _columns(created, skip)
    assert imported.search_text == created.search_text.replace("5901000022", "5901000021")
    assert [(r.year, r.rating) for r in imported.ratings] == [
        (r.year, r.rating) for r in created.ratings
    ]


def test_an_imported_household_is_built_as_the_service_builds_it(ctx, make_org):
    coop = make_org()
    raw = {
        "head_name": "Rơ Châm H'Lin",
        "admin_unit": GAO,
        "village": "Làng Kon Brung",
        "phone": "0905000222",
        "planted_area_ha": "1,5",
        "member_type": "Liên kết",
        "joined_on": "01/03/2020",
    }
    assert import_members(
        coop, csv_file(",".join(raw), ",".join(f'"{v}"' for v in raw.values()))
    ).ok
    api_values = raw | {
        "planted_area_ha": "1.5",
        "member_type": "associate",
        "joined_on": "2020-03-01",
    }
    created = members.add_member(department(), coop, MemberInputSchema().load(api_values))
    [imported, _created] = households_of(coop)
    skip = {"id", "created_at"}
    assert _columns(imported, skip) == _columns(created, skip)


@pytest.fixture
def count_selects(app):
    """Counts the SELECT statements run while the test's block runs."""
    selects = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield selects
    event.remove(db.engine, "before_cursor_execute", record)


@pytest.mark.parametrize("kind", ["organizations", "members"])
def test_the_import_queries_as_often_for_many_rows_as_for_few(ctx, make_org, count_selects, kind):
    coop = make_org()
    counts = []
    for size in (2, 40):
        communes = (DAK_DOA, CHU_SE, PLEIKU, GAO)
        count_selects.clear()
        if kind == "organizations":
            lines = ["kind,name,registration_code,admin_unit,gln,rating"]
            lines += [f"HTX,HTX {n},59011{n:05d},{communes[n % 4]},,Tốt" for n in range(size)]
            report = import_orgs(csv_file(*lines))
        else:
            lines = ["head_name,admin_unit,joined_on"]
            lines += [f"Hộ {n},{communes[n % 4]},2020-01-0{n % 9 + 1}" for n in range(size)]
            report = import_members(coop, csv_file(*lines))
        assert report.ok and report.created == size, report.errors
        counts.append(len(count_selects))
        db.session.rollback()
    assert counts[0] == counts[1], counts
