"""CSV/XLSX import of organizations and member households: who may import what, the
templates filled in and imported, and the command line."""

import io

import openpyxl
import pytest

from core.errors import Forbidden, NotFound
from core.extensions import db
from registry.models import MemberHousehold, Organization, User
from registry.services import imports
from tests.conftest import row_count
from tests.import_files import (
    CHU_SE,
    DAK_DOA,
    GAO,
    csv_file,
    households_of,
    import_members,
    import_orgs,
    org_by_code,
    xlsx_file,
)


def test_only_the_department_imports_organizations(ctx, world):
    coop_user = db.session.get(User, world["users"]["coop_a"])
    data = csv_file("kind,name,registration_code,admin_unit", f"HTX,A,5900600001,{GAO}")
    with pytest.raises(Forbidden):
        imports.import_organizations(coop_user, "a.csv", data)
    assert import_orgs(data).ok


def test_a_cooperative_imports_only_its_own_members(ctx, world):
    coop_a, coop_b = world["coop_a"], world["coop_b"]
    user_a = db.session.get(User, world["users"]["coop_a"])
    user_b = db.session.get(User, world["users"]["coop_b"])
    before = row_count(MemberHousehold)
    data = csv_file("head_name,admin_unit", f"Hộ mới,{DAK_DOA}")
    with pytest.raises(NotFound):
        import_members(coop_a, data, user=user_b)
    with pytest.raises(NotFound):  # an enterprise has no member households
        import_members(world["ent_x"], data)
    assert row_count(MemberHousehold) == before
    assert import_members(coop_a, data, user=user_a).created == 1
    assert import_members(coop_b, data).created == 1  # the department, into any cooperative


@pytest.mark.parametrize("kind", ["organizations", "members"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_templates_import_once_filled_in(ctx, make_org, kind, fmt):
    content, mimetype, filename = imports.template_file(kind, fmt)
    assert filename.endswith("." + fmt) and mimetype
    values = {
        "organizations": {"Loại hình": "HTX", "Tên": "HTX Mẫu", "Mã số đăng ký": "5900700001"},
        "members": {"Họ tên chủ hộ": "Hộ Mẫu"},
    }[kind] | {"Mã xã": DAK_DOA}
    if fmt == "csv":
        assert content.startswith(b"\xef\xbb\xbf")  # so that Excel reads it as UTF-8
        header = content.decode("utf-8-sig").strip().split(",")
        data = content + csv_file(",".join(values.get(label, "") for label in header))
    else:
        book = openpyxl.load_workbook(io.BytesIO(content))
        header = [cell.value for cell in book.active[1]]
        book.active.append([values.get(label) for label in header])
        buffer = io.BytesIO()
        book.save(buffer)
        data = buffer.getvalue()
    report = import_orgs(data) if kind == "organizations" else import_members(make_org(), data)
    assert report.ok and report.created == 1, report.errors


def test_unknown_template(ctx):
    with pytest.raises(NotFound):
        imports.template_file("products", "csv")


def test_cli_imports_organizations_and_members(app, runner, tmp_path, world):
    orgs = tmp_path / "to-chuc.csv"
    orgs.write_bytes(
        csv_file(
            "Tên HTX;Mã số HTX;Loại hình;Mã xã",
            f"HTX Một;5900800001;HTX;{DAK_DOA}",
            f"HTX Hai;5900800002;HTX;{CHU_SE}",
            newline="\r\n",
        )
    )
    result = runner.invoke(args=["import", "organizations", str(orgs)])
    assert result.exit_code == 0, result.output
    assert "created 2" in result.output
    households = tmp_path / "ho.xlsx"
    households.write_bytes(xlsx_file(("Chủ hộ", "Mã xã"), ("Hộ A", DAK_DOA), ("Hộ B", GAO)))
    result = runner.invoke(args=["import", "members", "--org", "HTX-A-001", str(households)])
    assert result.exit_code == 0, result.output
    assert "created 2" in result.output
    with app.app_context():
        assert org_by_code("5900800002").admin_unit.code == CHU_SE
        assert len(households_of(world["coop_a"])) == 3  # the world's household and two new


def test_cli_failure_writes_nothing_and_prints_the_report(app, runner, tmp_path, world):
    path = tmp_path / "orgs.csv"
    path.write_bytes(
        csv_file(
            "kind,name,registration_code,admin_unit",
            f"cooperative,HTX tốt,5900900001,{DAK_DOA}",
            "cooperative,HTX xấu,5900900002,99999",
            f"cooperative,HTX trùng,5900900001,{DAK_DOA}",  # repeats row 2
        )
    )
    with app.app_context():
        before = row_count(Organization)
    result = runner.invoke(args=["import", "organizations", "--lang", "en", str(path)])
    assert result.exit_code != 0
    assert "row 3, admin_unit" in result.output and "99999" in result.output
    assert "row 4, registration_code" in result.output
    assert "created" not in result.output
    with app.app_context():
        assert row_count(Organization) == before
    result = runner.invoke(args=["import", "members", "--org", "NO-SUCH", str(path)])
    assert result.exit_code != 0 and "NO-SUCH" in result.output
    result = runner.invoke(args=["import", "members", "--org", "0101234567", str(path)])
    assert result.exit_code != 0  # an enterprise has no households
