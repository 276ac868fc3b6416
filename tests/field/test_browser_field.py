"""The field app in a real browser (Debian's Chromium through Playwright), on a phone-sized
screen: opened online, then used with no signal, closed and reopened, and synced; the
events are stored once each however often and from however many tabs the queue is sent."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from core.extensions import db
from field.models import FieldPhoto, FieldRecord
from tests.browser_helpers import PHONE, fits_the_phone
from tests.conftest import PASSWORD
from tests.field.conftest import photo_data
from trace.models import EventKind, EventLine, TraceEvent

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser):
    """A phone's browser in Vietnam; fails the test if any response was a server error."""
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
    )  # fmt: skip
    errors = []
    context.on("response", lambda r: errors.append(r.url) if r.status >= 500 else None)
    yield context
    context.close()
    assert errors == [], f"server errors: {errors}"


def sign_in(context, base_url):
    page = context.new_page()
    page.goto(f"{base_url}/login")
    page.locator("main input[name=email]").fill("a@htx.vn")
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{base_url}/")
    return page


def open_app(page, base_url):
    """Open /field online and wait until its service worker runs it and its lists came."""
    page.goto(f"{base_url}/field")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    expect(page.locator("#org")).to_contain_text("HTX Cà phê Đăk Đoa")
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def photo_file(tmp_path, name, color):
    import base64

    path = tmp_path / name
    path.write_bytes(base64.b64decode(photo_data((2400, 1800), color).split(",", 1)[1]))
    return path


def save(page, form):
    page.locator(f"#{form} button[type=submit]").click()
    expect(page.locator("#notice")).to_be_visible()


def stored(app) -> tuple[int, int]:
    with app.app_context():
        events = db.session.scalar(select(func.count(TraceEvent.id)))
        return events, db.session.scalar(select(func.count(FieldRecord.id)))


def requeue(page) -> None:
    """Mark every record of the phone's queue as waiting again (a resend of the queue)."""
    page.evaluate(
        """() => new Promise((resolve) => {
          const open = indexedDB.open("htx-field", 1);
          open.onsuccess = () => {
            const t = open.result.transaction("records", "readwrite");
            const records = t.objectStore("records");
            records.getAll().onsuccess = (e) => {
              for (const r of e.target.result) { r.state = "waiting"; records.put(r); }
            };
            t.oncomplete = () => { open.result.close(); resolve(true); };
          };
        })"""
    )


def test_records_made_offline_are_stored_once_with_their_photo(
    app, base_url, phone, field, world, tmp_path
):
    lot = field["lot"]
    page = sign_in(phone, base_url)
    open_app(page, base_url)
    # Its inline style is allowed by the page's CSP (hashed), so the first paint is styled.
    header = page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor")
    assert header == "rgb(31, 111, 67)"
    fits_the_phone(page, "field-app")

    phone.set_offline(True)
    page.reload()
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("#org")).to_contain_text("HTX Cà phê Đăk Đoa")  # lists from the phone

    page.locator("#tabs a[data-tab=harvest]").click()
    page.locator("#harvest select[name=product_id]").select_option(str(field["product"]))
    page.locator("#harvest select[name=site_id]").select_option(str(field["site"]))
    page.locator("#harvest .hh select").select_option(str(world["member_a"]))
    page.locator("#harvest .hh input").fill("320,5")
    expect(page.locator("#harvest input[name=quantity]")).to_have_value("320.5")
    page.locator("#harvest input[name=photo]").set_input_files(
        photo_file(tmp_path, "a.jpg", (150, 90, 30))
    )
    expect(page.locator("#harvest .preview")).to_be_visible()
    fits_the_phone(page, "field-harvest")
    save(page, "harvest")

    page.locator("#tabs a[data-tab=input_applied]").click()
    page.locator("#input_applied select[name=lot_id]").select_option(str(lot))
    page.locator("#input_applied input[name=input_name]").fill("Phân hữu cơ vi sinh")
    page.locator("#input_applied input[name=dose]").fill("2,5")
    page.locator("#input_applied input[name=dose_unit]").fill("tấn/ha")
    page.locator("#input_applied input[name=pre_harvest_interval_days]").fill("0")
    save(page, "input_applied")

    page.locator("#tabs a[data-tab=inspection]").click()
    page.locator("#inspection select[name=lot_id]").select_option(str(lot))
    page.locator("#inspection textarea[name=note]").fill("Vườn sạch cỏ, cây khoẻ")
    page.locator("#inspection input[name=photo]").set_input_files(
        photo_file(tmp_path, "b.jpg", (20, 140, 60))
    )
    expect(page.locator("#inspection .preview")).to_be_visible()
    save(page, "inspection")
    expect(page.locator("#waiting")).to_have_text("3")

    before = stored(app)
    page.close()  # closed with no signal: the queue stays on the phone
    page = phone.new_page()
    page.goto(f"{base_url}/field#queue")
    expect(page.locator("#records li[data-state=waiting]")).to_have_count(3)
    fits_the_phone(page, "field-queue")
    assert stored(app) == before

    phone.set_offline(False)  # signal: the queue is sent by itself
    expect(page.locator("#records li[data-state=sent]")).to_have_count(3, timeout=15000)
    assert stored(app) == (before[0] + 3, before[1] + 3)

    # Sent again, then from two tabs at once: still once each.
    requeue(page)
    page.reload()
    expect(page.locator("#records li[data-state=sent]")).to_have_count(3, timeout=15000)
    requeue(page)
    tabs = [phone.new_page(), phone.new_page()]
    for tab in tabs:
        tab.goto(f"{base_url}/field#queue", wait_until="commit")
    for tab in tabs:
        expect(tab.locator("#records li[data-state=sent]")).to_have_count(3, timeout=15000)
    assert stored(app) == (before[0] + 3, before[1] + 3)

    with app.app_context():
        kinds = db.session.execute(
            select(TraceEvent.kind, TraceEvent.time_zone_offset).join(
                FieldRecord, FieldRecord.event_id == TraceEvent.id
            )
        ).all()
        assert sorted(k.value for k, _o in kinds) == ["harvest", "input_applied", "inspection"]
        assert {offset for _k, offset in kinds} == {"+07:00"}
        photos = db.session.scalars(select(FieldPhoto)).all()
        assert len(photos) == 2
        inspected = db.session.scalar(
            select(TraceEvent.id)
            .join(EventLine, EventLine.event_id == TraceEvent.id)
            .where(EventLine.batch_id == lot, TraceEvent.kind == EventKind.INSPECTION)
        )
    page.goto(f"{base_url}/trace/batches/{lot}")
    photo = page.locator(f"#photos #photo-{inspected} img")
    photo.scroll_into_view_if_needed()
    expect(photo).to_be_visible()
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=photo.element_handle()
    )
    expect(page.locator("#timeline li.event-inspection")).to_be_visible()
    expect(page.locator("#timeline li.event-input_applied")).to_be_visible()
    fits_the_phone(page, "field-lot-photos")


def test_a_record_for_a_lot_closed_meanwhile_is_refused_then_corrected(
    app, base_url, phone, field, world
):
    farm = field["farm"]
    other = farm.batch(field["product"], quantity=80)
    farm.harvest(other["id"], field["site"])
    page = sign_in(phone, base_url)
    open_app(page, base_url)

    phone.set_offline(True)
    page.locator("#tabs a[data-tab=inspection]").click()
    page.locator("#inspection select[name=lot_id]").select_option(str(field["lot"]))
    page.locator("#inspection select[name=result]").select_option("fail")
    save(page, "inspection")
    farm.post(f"/batches/{field['lot']}/close", {}, expect=200)  # meanwhile, on the server
    before = stored(app)

    phone.set_offline(False)
    refused = page.locator("#records li[data-state=refused]")
    expect(refused).to_have_count(1, timeout=15000)
    lot_code = farm.get(f"/batches/{field['lot']}")["lot_code"]
    expect(refused.locator(".reason")).to_contain_text(lot_code)
    assert stored(app) == before

    page.locator("#tabs a[data-tab=queue]").click()
    fits_the_phone(page, "field-refused")
    refused.locator("button.fix").click()
    expect(page.locator("#inspection")).to_be_visible()
    expect(page.locator("#inspection select[name=result]")).to_have_value("fail")
    # The closed lot left the refreshed list: the user chooses the open one.
    assert (
        page.locator(f"#inspection select[name=lot_id] option[value='{field['lot']}']").count() == 0
    )
    page.locator("#inspection select[name=lot_id]").select_option(str(other["id"]))
    save(page, "inspection")
    page.locator("#tabs a[data-tab=queue]").click()
    expect(page.locator("#records li[data-state=sent]")).to_have_count(1, timeout=15000)
    expect(page.locator("#records li[data-state=refused]")).to_have_count(0)
    assert stored(app) == (before[0] + 1, before[1] + 1)


def test_private_mode_and_full_storage_are_told_plainly(base_url, phone, field):
    page = sign_in(phone, base_url)
    open_app(page, base_url)
    # Storage full: the phone refuses to write; the record stays in the form, not lost.
    page.evaluate(
        """() => { IDBObjectStore.prototype.put = function () {
             throw new DOMException("full", "QuotaExceededError"); }; }"""
    )
    page.locator("#tabs a[data-tab=inspection]").click()
    page.locator("#inspection select[name=lot_id]").select_option(str(field["lot"]))
    page.locator("#inspection textarea[name=note]").fill("Ghi chú chưa lưu")
    page.locator("#inspection button[type=submit]").click()
    expect(page.locator("#notice.bad")).to_contain_text("đầy")
    expect(page.locator("#inspection textarea[name=note]")).to_have_value("Ghi chú chưa lưu")
    # A browser that keeps nothing (private mode): said at once, and again on saving.
    private = phone.new_page()
    private.add_init_script(
        "indexedDB.open = () => { throw new DOMException('no', 'InvalidStateError'); };"
    )
    private.goto(f"{base_url}/field#inspection")
    expect(private.locator("#notice.bad")).to_contain_text("ẩn danh")
