"""Importing an organization file again: the organizations already registered are found by
kind and registration code, updated from the file's columns or left as they are, never
refused as a clash with themselves; a GLN of another organization is still refused, and an
import never changes an organization's status. Through the service, the web page and
``flask import organizations``."""

from sqlalchemy import select

from core.extensions import db
from registry.models import Organization, OrgRating, OrgStatus
from tests.conftest import row_count
from tests.import_files import CHU_SE, DAK_DOA, csv_file, import_orgs, org_by_code, where
from tests.registry.test_web_registry_imports import upload
from tests.web_helpers import count, text

HEADER = "kind,name,registration_code,admin_unit,phone,gln"
THREE = [
    f"cooperative,HTX Lại Một,5902000001,{DAK_DOA},0905000001,8930000000019",
    f"cooperative,HTX Lại Hai,5902000002,{DAK_DOA},,",
    f"enterprise,Công ty Lại Ba,5902000003,{CHU_SE},0905000003,",
]


def test_the_same_file_twice_adds_nothing(ctx, world):
    before = row_count(Organization)
    first = import_orgs(csv_file(HEADER, *THREE))
    assert (first.created, first.updated, first.unchanged) == (3, 0, 0)
    db.session.flush()
    again = import_orgs(csv_file(HEADER, *THREE))
    assert again.ok, again.errors
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert row_count(Organization) == before + 3


def test_a_changed_row_updates_the_organization_and_a_new_row_is_added(ctx, world):
    import_orgs(csv_file(HEADER, *THREE))
    db.session.flush()
    one_id = org_by_code("5902000001").id
    changed = [
        # A new name and phone; its own GLN kept.
        f"cooperative,HTX Lại Một (mới),5902000001,{CHU_SE},0905999999,8930000000019",
        f"cooperative,HTX Lại Hai,5902000002,{DAK_DOA},,",  # as it is
        f"cooperative,HTX Lại Bốn,5902000004,{DAK_DOA},,",  # new
        # The same code as Ba's, but another kind: another organization, added.
        f"cooperative,HTX Lại Ba,5902000003,{DAK_DOA},,",
    ]
    report = import_orgs(csv_file(HEADER, *changed))
    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == (2, 1, 1)
    one = db.session.get(Organization, one_id)
    assert (one.name, one.phone, one.gln) == ("HTX Lại Một (mới)", "0905999999", "8930000000019")
    assert one.admin_unit.code == CHU_SE
    assert "moi" in one.search_text  # found by its new name
    codes = db.session.scalars(
        select(Organization.kind).where(Organization.registration_code == "5902000003")
    ).all()
    assert sorted(codes) == ["cooperative", "enterprise"]


def test_columns_the_file_lacks_are_left_as_they_are(ctx, world):
    import_orgs(csv_file(HEADER, *THREE))
    db.session.flush()
    report = import_orgs(
        csv_file("kind,name,registration_code,admin_unit", f"HTX,HTX Lại Một,5902000001,{DAK_DOA}")
    )
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)
    one = org_by_code("5902000001")
    assert (one.phone, one.gln) == ("0905000001", "8930000000019")


def test_a_gln_of_another_organization_is_still_refused(ctx, world, make_org):
    make_org(registration_code="5902000009", gln="8930000000026", name="HTX có GLN")
    import_orgs(csv_file(HEADER, *THREE))
    db.session.commit()
    report = import_orgs(
        csv_file(
            HEADER,
            f"cooperative,HTX Lại Một,5902000001,{DAK_DOA},0905000001,8930000000026",
            f"cooperative,HTX Lại Hai,5902000002,{DAK_DOA},,8930000000019",  # Một's GLN
            f"cooperative,HTX Lại Hai bis,5902000002,{DAK_DOA},,",  # Hai twice in the file
        )
    )
    assert not report.ok and report.updated == 0
    assert where(report) == {(2, "gln"), (3, "gln"), (4, "registration_code")}
    assert "HTX có GLN" in report.errors[0].message
    db.session.rollback()
    assert org_by_code("5902000001").gln == "8930000000019"


def test_an_import_changes_no_status_but_updates_a_rating(ctx, world, make_org):
    org_id = make_org(
        registration_code="5902000010",
        name="HTX tạm ngừng",
        status="suspended",
        status_since="2025-06-01",
        rating="good",
        rating_year=2025,
    )
    header = "kind,name,registration_code,admin_unit,status,rating,rating_year"
    same = import_orgs(csv_file(header, f"HTX,HTX tạm ngừng,5902000010,{DAK_DOA},active,good,2025"))
    assert same.ok, same.errors
    assert (same.created, same.updated, same.unchanged) == (0, 0, 1)
    rated = import_orgs(csv_file(header, f"HTX,HTX tạm ngừng,5902000010,{DAK_DOA},active,Khá,2025"))
    assert rated.ok, rated.errors
    assert (rated.created, rated.updated, rated.unchanged) == (0, 1, 0)
    db.session.flush()
    org = db.session.get(Organization, org_id)
    assert org.status == OrgStatus.SUSPENDED
    ratings = db.session.scalars(select(OrgRating).where(OrgRating.organization_id == org_id))
    assert [(r.year, r.rating.value) for r in ratings] == [(2025, "fair")]


def test_the_web_page_says_what_the_second_import_did(app, world, login):
    client = login(world["users"]["department"])
    data = "\n".join([HEADER, *THREE]) + "\n"
    before = count(app, Organization)
    assert upload(client, "/registry/organizations/import", data).status_code == 302
    client.get("/registry/organizations")  # the first message, read
    changed = data.replace("HTX Lại Hai,", "HTX Lại Hai (đổi tên),")
    response = upload(client, "/registry/organizations/import", changed)
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "Thêm mới: 0. Cập nhật: 1. Không thay đổi: 2." in page
    assert count(app, Organization) == before + 3


def test_the_command_imports_the_same_file_twice(app, runner, tmp_path, world):
    path = tmp_path / "to-chuc.csv"
    path.write_bytes(csv_file(HEADER, *THREE))
    with app.app_context():
        before = row_count(Organization)
    first = runner.invoke(args=["import", "organizations", "--lang", "en", str(path)])
    assert first.exit_code == 0, first.output
    assert "created 3, updated 0, unchanged 0" in first.output
    again = runner.invoke(args=["import", "organizations", "--lang", "en", str(path)])
    assert again.exit_code == 0, again.output
    assert "created 0, updated 0, unchanged 3" in again.output
    with app.app_context():
        assert row_count(Organization) == before + 3
