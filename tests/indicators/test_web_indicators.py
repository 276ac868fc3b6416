"""The indicators' web pages: the department's dashboard, drill-down lists, exports and the
printed report; an organization's own figures; the public open-data page.

The data is made through the real API (tests/indicators_helpers.py, ``dash_scenario``):
cooperative A linked and with one of its two products traced, cooperative B neither.
Exports are read back with openpyxl and csv and compared with the page's own table; the
PDF's text is read with poppler's pdftotext; every chart is parsed as XML.
"""

import csv
import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import openpyxl
import pytest
from markupsafe import escape

from core.extensions import db
from indicators.services.rates import definitions
from registry.models import OrgRating, Rating
from tests.missing import unavailable

SVG = "{http://www.w3.org/2000/svg}"


def text(response) -> str:
    return response.get_data(as_text=True)


class _Tables(HTMLParser):
    """The cells' text of every <table> with an id, and every inline <svg> as a string."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table = self._row = self._cell = None
        self.feed(html)
        self.svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id"):
            self._table = self.tables.setdefault(attrs["id"], [])
        elif tag == "tr" and self._table is not None:
            self._row = []
            self._table.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._table = self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def vi_number(value: str) -> float | None:
    """A number as the Vietnamese page writes it (``1.234,5``); None for "—"."""
    if value in ("—", ""):
        return None
    return float(value.replace(".", "").replace(",", "."))


def rate_on_page(html: str, section: str) -> str:
    match = re.search(rf'id="{section}".*?class="rate"[^>]*data-value="([^"]*)"', html, re.S)
    assert match, section
    return match.group(1)


@pytest.fixture
def department(login, world):
    return login(world["users"]["department"])


# The dashboard ----------------------------------------------------------------------------


def test_dashboard_shows_both_numbers_targets_definitions_and_charts(
    app, department, dash_scenario
):
    response = department.get("/indicators/")
    assert response.status_code == 200
    html = text(response)
    assert float(rate_on_page(html, "linkage-rate")) == pytest.approx(0.5)
    assert float(rate_on_page(html, "traceability-rate")) == pytest.approx(0.5)
    assert "50,0%" in html and "100,0%" in html  # the rates and the traceability target
    with app.test_request_context():
        written = definitions()
    definitions_part = html.split('id="definitions"')[1].split("</details>")[0]
    for key in ("linkage", "traceability"):
        assert escape(written[key]) in definitions_part
    page = _Tables(html)
    communes = page.tables["table-by-commune"]
    names = [row[0] for row in communes[1:]]
    assert names == ["Xã Chư Sê", "Xã Đak Đoa"] or sorted(names) == ["Xã Chư Sê", "Xã Đak Đoa"]
    # The line chart is valid SVG with a title and a description; the bar charts are HTML
    # lists with a name and a description, one bar per commune.
    assert len(page.svgs) == 1
    for svg in page.svgs:
        root = ET.fromstring(svg)  # noqa: S314 - our own page
        assert root.find(f"{SVG}title").text and root.find(f"{SVG}desc").text
        assert root.get("viewBox") and not root.findall(f".//{SVG}script")
    bar_charts = re.findall(r'<div class="chart hbars chart-([\w-]+)".*?</div>', html, re.S)
    assert bar_charts == ["commune-linkage", "commune-traceability", "category"]
    commune_chart = html.split('chart-commune-linkage"', 1)[1].split("</div>", 1)[0]
    assert re.search(r'aria-labelledby="[\w-]+-t" aria-describedby="[\w-]+-d"', commune_chart)
    values = re.findall(r'class="bar" style="width: [\d.]+%" data-value="([^"]*)"', commune_chart)
    assert len(values) == len(names)
    by_name = dict(zip(names, (float(value) for value in values), strict=True))
    assert by_name == {"Xã Đak Đoa": 1.0, "Xã Chư Sê": 0.0}
    line = ET.fromstring(page.svgs[0])  # noqa: S314 - the monthly series
    assert len(line.findall(f".//{SVG}g[@class='series series-linkage']/{SVG}circle")) == 24


def test_registry_figures_by_commune_and_rating_share(app, department, dash_scenario, world):
    with app.app_context():
        db.session.add_all(
            [
                OrgRating(organization_id=world["coop_a"], year=2025, rating=Rating.GOOD),
                OrgRating(organization_id=world["coop_b"], year=2025, rating=Rating.WEAK),
                OrgRating(organization_id=world["coop_b"], year=2024, rating=Rating.FAIR),
            ]
        )
        db.session.commit()
    html = text(department.get("/indicators/"))
    rows = _Tables(html).tables["table-registry"]
    assert sorted(rows[1:-1]) == [
        ["Xã Chư Sê", "1", "0", "0", "1"],
        ["Xã Đak Đoa", "1", "0", "0", "1"],
    ]
    assert rows[-1][1:] == ["2", "0", "0", "2"]
    share = re.search(r'id="rating-share">\s*<span class="tile-number">([^<]+)<', html).group(1)
    assert share == "50,0%"  # 2025: one good, one weak


def test_filters_by_commune_legacy_district_and_category(department, dash_scenario):
    chu_se = text(department.get("/indicators/?admin_unit=23941"))
    assert float(rate_on_page(chu_se, "linkage-rate")) == 0
    # Huyện Đăk Đoa (626, before July 2025) groups what is now Xã Đak Đoa.
    legacy = text(department.get("/indicators/?admin_unit=626"))
    assert float(rate_on_page(legacy, "linkage-rate")) == 1
    assert "Huyện Đăk Đoa" in legacy
    pepper = text(department.get("/indicators/?category=pepper"))
    assert float(rate_on_page(pepper, "traceability-rate")) == 0
    # A period with no batch in it: nothing traced, nothing to trace.
    old = text(department.get("/indicators/?from=2020-01-01&to=2020-12-31"))
    assert "31/12/2020" in old
    assert re.search(r"<dt>[^<]+</dt><dd>0 / 0 \(—\)", old), "batches of 2020"


def test_a_bad_filter_is_shown_on_its_field_and_the_page_still_answers(department, dash_scenario):
    response = department.get("/indicators/?as_of=2026-13-45")
    assert response.status_code == 200
    assert 'id="e-as_of"' in text(response)
    both = department.get("/indicators/?as_of=2026-01-01&from=2025-01-01")
    assert 'id="e-as_of"' in text(both)


# Drill-down lists -------------------------------------------------------------------------


def test_drill_down_to_the_lists_behind_the_numbers(department, dash_scenario):
    dashboard = text(department.get("/indicators/"))
    path = re.search(r'href="([^"]+)" id="unlinked-count"', dashboard).group(1)
    rows = _Tables(text(department.get(path))).tables["drilldown"]
    assert [row[:3] for row in rows[1:]] == [["HTX Hồ tiêu Chư Sê", "Xã Chư Sê", "0269 3820 111"]]

    # From the table by commune: Chư Sê's linkage rate (0 %) opens its unlinked cooperatives.
    link = re.search(r'href="(/indicators/unlinked\?admin_unit=23941[^"]*)">0</a>', dashboard)
    assert link, "no link behind Chư Sê's rate"
    in_commune = _Tables(text(department.get(link.group(1).replace("&amp;", "&"))))
    assert [row[0] for row in in_commune.tables["drilldown"][1:]] == ["HTX Hồ tiêu Chư Sê"]

    linked = _Tables(text(department.get("/indicators/linked"))).tables["drilldown"]
    assert linked[1][0] == "HTX Cà phê Đăk Đoa" and "Công ty TNHH X" in linked[1][4]

    products = _Tables(text(department.get("/indicators/untraced-products"))).tables["drilldown"]
    assert [row[0] for row in products[1:]] == ["Hồ tiêu đen"]

    batches = _Tables(text(department.get("/indicators/untraced-batches"))).tables["drilldown"]
    assert [row[0] for row in batches[1:]] == [dash_scenario["untraced_lot"]]
    assert batches[1][-1], "what the batch is missing is named"


def test_lists_paginate(department, dash_scenario, make_org):
    for n in range(26):
        make_org("cooperative", name=f"HTX chưa liên kết {n:02d}")
    first = text(department.get("/indicators/unlinked"))
    assert len(_Tables(first).tables["drilldown"]) == 1 + 25
    assert 'rel="next"' in first
    second = _Tables(text(department.get("/indicators/unlinked?page=2"))).tables["drilldown"]
    assert len(second) == 1 + 2


# Exports ----------------------------------------------------------------------------------


def _xlsx_rows(data: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize("name", ["by-commune", "by-category", "monthly", "registry"])
def test_every_table_downloads_with_the_numbers_of_the_page(department, dash_scenario, name):
    page = _Tables(text(department.get("/indicators/"))).tables[f"table-{name}"]
    xlsx = department.get(f"/indicators/tables/{name}.xlsx")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    sheet = _xlsx_rows(xlsx.data)
    csv_rows = _csv_rows(department.get(f"/indicators/tables/{name}.csv").data)
    assert len(sheet) == len(csv_rows) == len(page)
    assert [str(h) for h in sheet[0]] == csv_rows[0] == page[0]
    for on_page, in_xlsx, in_csv in zip(page[1:], sheet[1:], csv_rows[1:], strict=True):
        assert on_page[0] == str(in_xlsx[0]) == in_csv[0]
        for shown, cell, written in zip(on_page[1:], in_xlsx[1:], in_csv[1:], strict=True):
            assert vi_number(shown) == (None if cell is None else float(cell))
            assert (float(written) if written else None) == (None if cell is None else cell)


def test_lists_download_as_xlsx_and_csv(department, dash_scenario):
    rows = _xlsx_rows(department.get("/indicators/lists/unlinked.xlsx").data)
    assert rows[1][:3] == ["HTX Hồ tiêu Chư Sê", "Xã Chư Sê", "0269 3820 111"]
    rows = _csv_rows(department.get("/indicators/lists/untraced_batches.csv").data)
    assert rows[1][0] == dash_scenario["untraced_lot"] and rows[1][-1]
    assert department.get("/indicators/lists/unknown.csv").status_code == 404
    assert department.get("/indicators/tables/by-commune.pdf").status_code == 404


def test_printed_report_is_in_vietnamese(department, dash_scenario, tmp_path):
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        unavailable("pdftotext is missing (apt-get install -y poppler-utils)")
    response = department.get("/indicators/report.pdf?lang=en")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    (tmp_path / "report.pdf").write_bytes(response.data)
    done = subprocess.run(  # noqa: S603 - a found tool on our own file
        [pdftotext, "-layout", str(tmp_path / "report.pdf"), "-"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    pdf = done.stdout.decode()
    for heading in (
        "BÁO CÁO CHỈ TIÊU TRUY XUẤT NGUỒN GỐC",
        "Hai chỉ tiêu so với mục tiêu",
        "Diễn biến theo tháng",
        "Chỉ tiêu theo xã, phường",
        "hợp tác xã đã liên kết và doanh nghiệp đối tác",
    ):
        assert heading in pdf, heading
    assert "50,0%" in pdf and "Xã Đak Đoa" in pdf
    assert "HTX Cà phê Đăk Đoa" in pdf and "Công ty TNHH X" in pdf


# Who sees what ----------------------------------------------------------------------------


def test_a_cooperative_sees_only_its_own_figures(login, world, dash_scenario):
    coop = login(world["users"]["coop_a"])
    assert coop.get("/indicators/").status_code == 403
    assert coop.get("/indicators/unlinked").status_code == 403
    assert coop.get("/indicators/tables/by-commune.xlsx").status_code == 403
    html = text(coop.get("/indicators/mine"))
    assert float(rate_on_page(html, "own-traceability")) == pytest.approx(0.5)
    assert "Đã liên kết với doanh nghiệp" in html
    batches = _Tables(html).tables["own-untraced-batches"]
    assert [row[0] for row in batches[1:]] == [dash_scenario["untraced_lot"]]
    assert "HTX Hồ tiêu Chư Sê" not in html
    other = text(login(world["users"]["coop_b"]).get("/indicators/mine"))
    assert float(rate_on_page(other, "own-traceability") or 0) == 0
    assert dash_scenario["untraced_lot"] not in other


def test_an_enterprise_sees_the_traced_share_of_what_it_bought(login, world, dash_scenario):
    buyer = login(world["users"]["ent_x"])
    assert buyer.get("/indicators/").status_code == 403
    html = text(buyer.get("/indicators/mine"))
    assert float(rate_on_page(html, "bought-traceability")) == pytest.approx(0.5)
    assert re.search(r'id="bought-batches">1 / 2<', html)
    other = text(login(world["users"]["ent_y"]).get("/indicators/mine"))
    assert rate_on_page(other, "bought-traceability") == ""


def test_visitors_are_sent_to_log_in_but_read_the_open_data_page(client, world, dash_scenario):
    response = client.get("/indicators/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = client.get("/open-data")
    assert page.status_code == 200
    html = text(page)
    rows = _Tables(html).tables["open-communes"]
    assert sorted(row[0] for row in rows[1:]) == ["Xã Chư Sê", "Xã Đak Đoa"]
    for private in ("HTX Cà phê", "HTX Hồ tiêu", "Nguyễn Văn An", "0905", "Công ty", "HĐLK"):
        assert private not in html, private
    # The page names its JSON twin, which holds the same province figures.
    json_path = re.search(r'href="([^"]+)"[^>]*id="open-data-json"', html).group(1)
    data = client.get(json_path).json
    linkage = data["province"]["linkage"]
    assert (linkage["numerator"], linkage["denominator"]) == (1, 2)
    assert re.search(r'id="open-linkage">.*?50,0%', html, re.S)


def test_the_department_nav_and_the_organization_home_link_here(login, world):
    assert "/indicators/" in text(login(world["users"]["department"]).get("/"))
    assert "/indicators/mine" in text(login(world["users"]["coop_a"]).get("/"))


# The charts -------------------------------------------------------------------------------


def test_charts_escape_their_text_and_scale_by_viewbox():
    from indicators.charts import Point, Series, bar_chart, line_chart

    hostile = 'Xã <script>alert("x")</script> & Co'
    html = str(
        bar_chart(
            [Point(hostile, 0.25, "25%"), Point("Xã B", None, "—")],
            "Tỷ lệ <b>",
            "desc & more",
            maximum=1,
            target=0.5,
            target_text="Target 50%",
        )
    )
    assert "<script" not in html and "<b>" not in html
    assert 'Xã &lt;script&gt;alert("x")&lt;/script&gt; &amp; Co' in html
    assert "Tỷ lệ &lt;b&gt;" in html and 'style="--target: 50%"' in html
    bars = re.findall(r'class="bar" style="width: ([\d.]+)%" data-value="([^"]*)"', html)
    assert bars == [("25", "0.25"), ("0", "")]
    labels = re.findall(r'<span class="bar-label">([^<]*)</span>', html)
    assert labels == ['Xã &lt;script&gt;alert("x")&lt;/script&gt; &amp; Co', "Xã B"]
    line = line_chart(
        ["01/26", "02/26", "03/26"],
        [Series("A", "series-linkage", [0.1, None, 0.3])],
        "t",
        "d",
        fmt=lambda value: f"{value:.0%}",
    )
    svg = re.search(r"<svg\b.*?</svg>", str(line), re.S).group(0)
    root = ET.fromstring(svg)  # noqa: S314
    assert len(root.findall(f".//{SVG}circle")) == 2
