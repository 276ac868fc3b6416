"""Season imports through the service: lots with their harvest and households, inputs,
shipments; all or nothing, every error located, a file sent twice adding nothing."""

from decimal import Decimal

from sqlalchemy import func, select

from core.extensions import db
from registry.models import User
from tests.conftest import row_count
from tests.trace.season_helpers import LOT_HEADER, csv_file, day, lot_rows, season, xlsx_file
from trace.chain_models import BatchRevision
from trace.models import Batch, BatchStatus, EventKind, TraceEvent
from trace.services import completeness
from trace.services.season_import import import_season

__all__ = ["season"]


def _run(app, world, kind, data, filename="mua-vu.csv"):
    with app.test_request_context():
        user = db.session.get(User, world["users"]["coop_a"])
        report = import_season(user, kind, filename, data)
        if report.ok:
            db.session.commit()
        else:
            db.session.rollback()
        return report


def test_lots_with_households_become_harvested_lots(app, world, season):
    report = _run(app, world, "lots", csv_file(LOT_HEADER, *lot_rows(3)))
    assert report.ok, report.errors
    assert (report.total_rows, report.created, report.unchanged) == (6, 3, 0)
    with app.app_context():
        lots = db.session.scalars(select(Batch).order_by(Batch.lot_code)).all()
        assert [lot.lot_code for lot in lots] == ["L00001", "L00002", "L00003"]
        lot = lots[0]
        assert lot.status == BatchStatus.ACTIVE
        assert lot.quantity == Decimal(300)
        assert sorted(share.quantity for share in lot.households) == [100, 200]
        assert [site.name for site in lot.sites] == ["Làng Kon"]
        harvests = db.session.scalar(
            select(func.count()).where(TraceEvent.kind == EventKind.HARVEST)
        )
        assert harvests == 3


def test_imported_lot_misses_what_a_lot_entered_by_hand_misses(app, world, season):
    farm = season["farm"]
    by_hand = farm.batch(season["product"]["id"], quantity=300, site_ids=[season["site"]["id"]])
    farm.harvest(by_hand["id"], season["site"]["id"])
    assert _run(app, world, "lots", csv_file(LOT_HEADER, *lot_rows(1))).ok
    with app.app_context():
        lots = db.session.scalars(select(Batch).order_by(Batch.id)).all()
        missing = [[item.key for item in completeness.missing(lot)] for lot in lots]
        assert missing[0] == missing[1]
        assert "tracking_event" not in missing[1] and "households" not in missing[1]
        assert [lot.traced for lot in lots] == [lots[0].traced] * 2


def test_the_same_file_twice_adds_nothing(app, world, season):
    data = csv_file(LOT_HEADER, *lot_rows(2))
    assert _run(app, world, "lots", data).created == 2
    again = _run(app, world, "lots", data)
    assert again.ok and (again.created, again.unchanged) == (0, 2)
    with app.app_context():
        assert row_count(Batch) == 2
        assert row_count(TraceEvent) == 2


def test_one_bad_row_stores_nothing_and_is_located(app, world, season):
    rows = lot_rows(3)
    rows[3] = rows[3].replace(",200", ",abc")  # L00002's second household
    report = _run(app, world, "lots", csv_file(LOT_HEADER, *rows))
    assert not report.ok
    assert [(e.row, e.column) for e in report.errors] == [(5, "Sản lượng của hộ")]
    with app.app_context():
        assert row_count(Batch) == 0
        assert row_count(TraceEvent) == 0


def test_service_rules_refuse_a_lot_whose_shares_do_not_add_up(app, world, season):
    rows = lot_rows(2)
    rows[0] = rows[0].replace(",300,", ",999,")
    report = _run(app, world, "lots", csv_file(LOT_HEADER, *rows))
    assert [(e.row, e.column) for e in report.errors] == [(2, "Sản lượng của hộ")]
    assert "999" in report.errors[0].message
    with app.app_context():
        assert row_count(Batch) == 0


def test_names_without_accents_match_when_unambiguous(app, world, season, make_member):
    rows = [
        f"A1,ca phe nhan xanh robusta,lang kon,{day()},,,nguyen van an,40",
        f"A2,{season['product']['gtin']},{season['site']['code']},{day()},,,0905000111,50",
    ]
    report = _run(app, world, "lots", csv_file(LOT_HEADER, *rows))
    assert report.ok, report.errors
    make_member(world["coop_a"], "Nguyễn Văn Án")  # now "nguyen van an" folds to two
    rows = [f"A3,Cà phê nhân xanh Robusta,Làng Kon,{day()},,,nguyen van an,40"]
    report = _run(app, world, "lots", csv_file(LOT_HEADER, *rows))
    assert [(e.row, e.column) for e in report.errors] == [(2, "Hộ thành viên")]
    assert "Nguyễn Văn Án" in report.errors[0].message
    assert "Nguyễn Văn An" in report.errors[0].message
    # Typed exactly, the name is not ambiguous.
    rows = [f"A3,Cà phê nhân xanh Robusta,Làng Kon,{day()},,,Nguyễn Văn An,40"]
    assert _run(app, world, "lots", csv_file(LOT_HEADER, *rows)).ok


def test_future_dates_unknown_products_and_headers_are_reported(app, world, season):
    rows = [
        f"B1,Cà phê chè,Làng Kon,{day()},,,Nguyễn Văn An,10",
        f"B2,Cà phê nhân xanh Robusta,Làng Kon,{day(-3)},,,Nguyễn Văn An,10",
    ]
    report = _run(app, world, "lots", csv_file(LOT_HEADER, *rows))
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "Sản phẩm"),
        (3, "Ngày thu hoạch"),
    ]
    report = _run(app, world, "lots", csv_file(LOT_HEADER + ",Ghi chú", *rows))
    assert [(e.row, e.column) for e in report.errors] == [(1, "Ghi chú")]


def test_xlsx_lots_then_inputs_then_shipments(app, world, season):
    header = LOT_HEADER.split(",")
    rows = [
        header,
        ["X1", "Cà phê nhân xanh Robusta", "Làng Kon", day(5), 300, "kg", "Nguyễn Văn An", 300],
    ]
    assert _run(app, world, "lots", xlsx_file(rows), "lo.xlsx").created == 1
    inputs = csv_file(
        "Mã lô,Ngày sử dụng,Vật tư,Liều lượng,Đơn vị liều,Thời gian cách ly (ngày)",
        f'X1,{day(4)},Phân NPK 16-16-8,"2,5",kg/ha,7',
        f",{day(4)},Phân hữu cơ,10,kg/ha,",
    )
    report = _run(app, world, "inputs", inputs)
    # The second row has no lot and no site: nothing says where the input went.
    assert [(e.row, e.column) for e in report.errors] == [(3, "Mã lô")]
    inputs = inputs.replace(",Phân hữu cơ".encode(), "Phân hữu cơ".encode())
    inputs = csv_file(
        "Mã lô,Vùng trồng,Ngày sử dụng,Vật tư,Liều lượng,Đơn vị liều,Thời gian cách ly (ngày)",
        f'X1,,{day(4)},Phân NPK 16-16-8,"2,5",kg/ha,7',
        f",Làng Kon,{day(4)},Phân hữu cơ,10,kg/ha,",
    )
    assert _run(app, world, "inputs", inputs).created == 2
    again = _run(app, world, "inputs", inputs)
    assert (again.created, again.unchanged, again.ok) == (0, 2, True)
    shipments = csv_file(
        "Mã lô,Ngày giao,Số lượng,Bên mua,Số chứng từ,Loại chứng từ",
        f"X1,{day(2)},120,0101234567,HD-0001,Hóa đơn",
        f"X1,{day(1)},500,cong ty tnhh x,HD-0002,Hóa đơn",
    )
    report = _run(app, world, "shipments", shipments)
    assert [(e.row, e.column) for e in report.errors] == [(3, "Số lượng")]
    shipments = shipments.replace(b",500,", b",80,")
    assert _run(app, world, "shipments", shipments).created == 2
    again = _run(app, world, "shipments", shipments)
    assert (again.created, again.unchanged, again.ok) == (0, 2, True)
    with app.app_context():
        shipped = db.session.scalars(
            select(TraceEvent).where(TraceEvent.kind == EventKind.SHIPPING)
        ).all()
        assert {e.destination_org_id for e in shipped} == {world["ent_x"]}
        assert {e.reference for e in shipped} == {"HD-0001", "HD-0002"}


def test_each_imported_lot_gets_one_revision_of_its_final_state(app, world, season, runner):
    """An import writes one chained revision per lot, as it stands after its harvest (the
    states in between are never committed), and the chains verify."""
    assert _run(app, world, "lots", csv_file(LOT_HEADER, *lot_rows(3))).ok
    with app.app_context():
        revisions = db.session.execute(
            select(BatchRevision.batch_id, BatchRevision.data).order_by(BatchRevision.id)
        ).all()
        lots = set(db.session.scalars(select(Batch.id)))
    assert sorted(batch_id for batch_id, _data in revisions) == sorted(lots)
    assert {data["status"] for _id, data in revisions} == {"active"}
    assert all(data["households"] and data["harvest_date"] for _id, data in revisions)
    verified = runner.invoke(args=["trace", "verify"])
    assert verified.exit_code == 0, verified.output
