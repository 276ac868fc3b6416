"""Shortcuts for the season import tests: a cooperative with a product, a site and
households (through the API), CSV and XLSX season files built in memory."""

import io
from datetime import date, timedelta

import openpyxl
import pytest

from tests.trace_helpers import GTIN

LOT_HEADER = (
    "Mã lô,Sản phẩm,Vùng trồng,Ngày thu hoạch,Sản lượng lô,Đơn vị,Hộ thành viên,Sản lượng của hộ"
)


def day(days_ago: int = 3) -> str:
    """A date ``days_ago`` days back, as a Vietnamese sheet writes it (dd/mm/yyyy)."""
    return (date.today() - timedelta(days=days_ago)).strftime("%d/%m/%Y")


def csv_file(*lines: str) -> bytes:
    """A CSV file (UTF-8) of these lines."""
    return ("\n".join(lines) + "\n").encode()


def xlsx_file(rows: list[list]) -> bytes:
    """An XLSX workbook whose first sheet holds ``rows``."""
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def lot_rows(count: int, households=("Nguyễn Văn An", "Lê Thị Hoa"), start: int = 1) -> list:
    """``count`` lots of 300 kg, 100 + 200 from two households, harvested three days ago."""
    rows = []
    for n in range(start, start + count):
        code = f"L{n:05d}"
        rows.append(f"{code},Cà phê nhân xanh Robusta,Làng Kon,{day()},300,kg,{households[0]},100")
        rows.append(f"{code},,,,,,{households[1]},200")
    return rows


@pytest.fixture
def season(farm, make_member, world):
    """The cooperative ``farm`` with a product (GTIN), a site and a second household."""
    product = farm.product(gtin=GTIN)
    site = farm.site(name="Làng Kon")
    second = make_member(world["coop_a"], "Lê Thị Hoa", phone="0905000111")
    return {"product": product, "site": site, "member_b": second, "farm": farm}
