"""The layout's promises that need no browser (issue 20 item 4).

Colour contrast: every foreground/background pair the stylesheets declare (static/css/*.css
and the <style> blocks of the templates) reaches WCAG's 4.5:1, computed from the CSS itself:
a pair in one rule; a text colour on the white of a card and on the page's background; white
text on the background of the rule its selector sits in (".topbar a" on ".topbar").
Then the chain page's default direction, the label stock's option text and the monthly
chart's gaps.
"""

import re
from pathlib import Path

import pytest

from indicators.charts import Series, line_chart
from tests import labels_helpers

complete_batch = labels_helpers.complete_batch

ROOT = Path(__file__).resolve().parents[2]
SHEETS = sorted((ROOT / "static" / "css").glob("*.css"))  # app.css first
INLINE = [ROOT / "templates" / name for name in ("recall/_layout.html", "public/_style.html")]
RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
WHITE, PAGE = "#ffffff", "#f6f8f7"


def _css(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        text = "".join(re.findall(r"<style>(.*?)</style>", text, re.S))
        text = re.sub(r"\{#.*?#\}", "", text, flags=re.S)
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def _rules(css: str) -> list[tuple[str, dict[str, str]]]:
    """(selector, declarations) for every rule, media queries flattened."""
    css = re.sub(r"@media[^{]*\{", "", css)
    rules = []
    for selectors, body in RULE.findall(css):
        props = {}
        for declaration in body.split(";"):
            if ":" in declaration:
                name, value = declaration.split(":", 1)
                props[name.strip().lower()] = value.strip().lower()
        for selector in selectors.split(","):
            rules.append((selector.strip(), props))
    return rules


def _hex(value: str, variables: dict[str, str]) -> str | None:
    """A colour value as #rrggbb, or None where it is not one solid colour."""
    value = value.replace("!important", "").strip()
    match = re.fullmatch(r"var\((--[\w-]+)\)", value)
    if match:
        value = variables.get(match.group(1), "")
    if value in ("#fff", "white"):
        return WHITE
    match = re.fullmatch(r"#([0-9a-f]{3}|[0-9a-f]{6})", value)
    if not match:
        return None
    digits = match.group(1)
    return "#" + ("".join(c * 2 for c in digits) if len(digits) == 3 else digits)


def contrast(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _pairs(path: Path) -> list[tuple[str, str, str]]:
    """(where, foreground, background) for every pair the sheet declares or implies."""
    rules = _rules(_css(path))
    variables = {}  # the custom properties of app.css's :root, used by every sheet
    for _selector, props in _rules(_css(SHEETS[0])) + rules:
        variables.update({k: v for k, v in props.items() if k.startswith("--")})
    backgrounds = {}
    for selector, props in rules:
        colour = _hex(props.get("background-color", props.get("background", "")), variables)
        if colour:
            backgrounds[selector] = colour
    pairs = []
    for selector, props in rules:
        text = _hex(props.get("color", ""), variables)
        if selector.startswith("svg") or re.search(r"label|axis|value|text", selector):
            text = text or _hex(props.get("fill", ""), variables)
        if not text:
            continue
        where = f"{path.name}: {selector}"
        own = backgrounds.get(selector)
        if own:
            pairs.append((where, text, own))
        elif text == WHITE:
            outer = selector.split()[0]
            pairs.append((where, text, backgrounds.get(outer, backgrounds.get(selector, PAGE))))
        else:
            pairs += [(where, text, WHITE), (where, text, PAGE)]
    return pairs


def test_the_stylesheets_are_read():
    pairs = [pair for path in SHEETS + INLINE for pair in _pairs(path)]
    assert len(pairs) > 60
    assert any("topbar" in where for where, _fg, _bg in pairs)
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("path", SHEETS + INLINE, ids=lambda path: path.name)
def test_every_declared_colour_pair_reaches_4_5_to_1(path):
    low = [
        f"{where}: {fg} on {bg} = {contrast(fg, bg):.2f}"
        for where, fg, bg in _pairs(path)
        if contrast(fg, bg) < 4.5
    ]
    assert low == []


def test_a_final_product_s_chain_opens_on_where_it_came_from(buyer, farm, login, world):
    from tests.recall_helpers import build_chain

    chain = build_chain(farm, buyer)
    client = login(world["users"]["ent_x"])
    final = client.get(f"/trace/batches/{chain.id('PACK')}/chain").get_data(as_text=True)
    assert re.search(r'direction=backward"\s+aria-current="page"', final)
    assert chain.lots["ROAST"]["lot_code"] in final.split('id="tree"')[1]
    coop = login(world["users"]["coop_a"])
    raw = coop.get(f"/trace/batches/{chain.id('RAW')}/chain").get_data(as_text=True)
    assert re.search(r'direction=forward"\s+aria-current="page"', raw)  # it went somewhere
    asked = client.get(f"/trace/batches/{chain.id('PACK')}/chain?direction=forward")
    assert re.search(r'direction=forward"\s+aria-current="page"', asked.get_data(as_text=True))


def test_the_label_stock_is_named_once(complete_batch, farm, login, world):
    batch = complete_batch()
    page = login(world["users"]["coop_a"]).get(f"/trace/batches/{batch['id']}/labels")
    options = re.findall(r"<option [^>]*>([^<]*)</option>", page.get_data(as_text=True))
    assert options and all(option.count("mm") == 1 for option in options), options


def test_a_month_without_data_is_a_gap_in_the_line():
    svg = str(
        line_chart(
            ["01/26", "02/26", "03/26", "04/26", "05/26"],
            [Series("A", "series-traceability", [0.2, 0.4, None, 0.5, 0.6])],
            "t",
            "d",
            fmt=lambda value: f"{value:.0%}",
        )
    )
    lines = re.findall(r'<polyline fill="none" points="([^"]+)"', svg)
    assert [len(points.split()) for points in lines] == [2, 2]  # broken at March
    assert svg.count("<circle") == 4
    # Axis labels and legend are page text (axe-core cannot measure the contrast of SVG text).
    assert "<text" not in svg and svg.count('class="tick tick-y"') == 5
    assert 'class="chart-legend"' in svg


def test_months_without_batches_have_no_traceability_rate(app, farm):
    from datetime import date

    from indicators.services import IndicatorQuery, monthly_series

    farm.batch(farm.product()["id"], 100)
    with app.app_context():
        rows = monthly_series("traceability", IndicatorQuery(as_of=date.today()), months=24)
    empty = [row for row in rows if row.batches == 0]
    assert empty and all(row.rate is None for row in empty)
