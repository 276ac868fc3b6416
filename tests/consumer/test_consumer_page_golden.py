"""The consumer page's bytes are unchanged by the faster first view (issue #23): every lot
of the demo dataset, in Vietnamese and in English, rendered by the old reading (ORM
objects, ``tests.consumer.old_pages``) and by the new one, gives the same text.

What the page shows changed on purpose with issue #20 (the recall's reason, date, advice
and the producer's phone; certificates suspended during a recall; English names;
processing steps by name; "Item no."): the reference reads those its own way and both
must still agree. Half the demo's products and growing areas get an English name here,
so the English pages cover both cases."""

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import delete, select, update

from consumer import images, rendering, slots
from consumer.models import LotPage
from core.extensions import db
from tests.consumer import old_pages
from trace.models import Batch, BatchStatus, Product, Site

# Parts of a page the comparison must have covered (in English).
_PARTS = (
    'id="recall"',
    "Reason: ",
    "What to do:",
    "Suspended while the lot is recalled",
    'id="sales"',
    'class="ok"',
    "used to make this lot",
    "household",
    "(EN)",
    "Hulling",  # processing steps by name
    "Roasting",
)


def _name_half_in_english() -> None:
    for model in (Product, Site):
        db.session.execute(
            update(model).where(model.id % 2 == 0).values(name_en=model.name + " (EN)")
        )
    db.session.commit()


def _old_render(batch_id: int, helpers: dict, english: bool) -> str:
    """``consumer.rendering.render_lot`` as it was before issue #23, showing what #20 added."""
    page = old_pages.consumer_page(old_pages.lot(batch_id), english)
    return render_template(
        "public/lot.html",
        page=page,
        image=images.image_url(page.product),
        slot=slots.slot,
        **{**helpers, "lang_url": lambda code: slots.slot(f"lang:{code}")},
    )


def test_every_demo_lot_renders_the_same_bytes_as_before(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    compared, shown = 0, set()
    with app.test_request_context("/q/x"):
        _name_half_in_english()
        lots = db.session.execute(
            select(Batch.id, Batch.status).where(Batch.status != BatchStatus.DRAFT)
        ).all()
        statuses = {status for _id, status in lots}
        assert len(lots) > 20 and BatchStatus.RECALLED in statuses
        for language in app.config["LANGUAGES"]:
            with force_locale(language):
                for batch_id, _status in lots:
                    old = _old_render(batch_id, rendering.helpers(), language == "en")
                    db.session.expunge_all()  # the new reading may not lean on loaded objects
                    new = rendering.render_lot(batch_id, rendering.helpers())[0]
                    assert new == old, (language, batch_id)
                    compared += 1
                    shown.update(part for part in _PARTS if part in new)
    assert compared == 2 * len(lots)
    assert shown == set(_PARTS)  # the demo lots show every part of a page


def test_every_demo_lot_sends_the_same_bytes_from_its_kept_page(
    app, client, runner, renders, monkeypatch
):
    """The page kept in the database (``flask consumer keep-pages``), sent on a first view,
    is the page a request renders: every public demo lot, in both languages."""
    monkeypatch.setitem(app.config, "PUBLIC_RATE_LIMIT", 10_000)
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        codes = db.session.scalars(
            select(Batch.public_code).where(Batch.status != BatchStatus.DRAFT)
        ).all()
    result = runner.invoke(args=["consumer", "keep-pages"])
    assert f"{2 * len(codes)} pages rendered and kept for {len(codes)} lots." in result.output
    rendered = len(renders)
    kept = {
        (code, lang): client.get(f"/q/{code}?lang={lang}")
        for code in codes
        for lang in ["vi", "en"]
    }
    assert len(renders) == rendered  # every one read from lot_pages
    with app.app_context():
        db.session.execute(delete(LotPage))
        db.session.commit()
    for (code, language), answer in kept.items():
        fresh = client.get(f"/q/{code}?lang={language}")
        assert answer.status_code == fresh.status_code == 200
        assert answer.data == fresh.data, (code, language)
    assert len(renders) == rendered + 2 * len(codes)
