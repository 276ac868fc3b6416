"""The whole chain: contract → confirmation → delivery of a complete batch → QR page and EPCIS."""

import io

from PIL import Image

from tests.linkage_helpers import TODAY


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 70, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_contract_delivery_reaches_the_consumer_page_and_epcis(
    client, world, linkage, farm, token_for
):
    # The department completes the producer's address (a checklist item).
    address = {"address": "Thôn 3, xã Đak Đoa, tỉnh Gia Lai"}
    assert (
        client.patch(
            f"/api/v1/organizations/{world['coop_a']}", json=address, headers=linkage.dept
        ).status_code
        == 200
    )
    # The cooperative makes a complete lot: photo, origin, harvest, households, label.
    product, site = farm.product(), farm.site()
    photo = client.put(
        f"/api/v1/products/{product['id']}/image",
        headers=farm.headers,
        data={"image": (io.BytesIO(_jpeg()), "ca-phe.jpg")},
        content_type="multipart/form-data",
    )
    assert photo.status_code == 200, photo.json
    batch = farm.batch(product["id"], 1000, site_ids=[site["id"]])
    farm.harvest(batch["id"], site["id"])
    label = farm.post(f"/batches/{batch['id']}/label-prints", {"layout": "roll-50x30"})
    assert label["issued_label"] is True
    assert farm.get(f"/batches/{batch['id']}/completeness")["traced"] is True

    # The enterprise drafts the contract, both parties confirm, the enterprise records a
    # delivery and the cooperative confirms it.
    contract = linkage.signed_contract("HĐLK-CHAIN-01")
    delivery = linkage.call(
        "post",
        f"/contracts/{contract['id']}/deliveries",
        linkage.ent,
        {
            "delivered_on": TODAY.isoformat(),
            "lines": [{"batch_id": batch["id"], "quantity": 400}],
        },
        expect=201,
    ).json
    delivery = linkage.call(
        "post", f"/deliveries/{delivery['id']}/confirm", linkage.coop, expect=200
    ).json
    assert delivery["shipping_event_id"]

    # The consumer scanning the QR sees who bought it under which contract.
    page = client.get(f"/q/{batch['public_code']}?lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Công ty TNHH X" in html and "HĐLK-CHAIN-01" in html

    # The EPCIS export carries the shipment to that enterprise under that contract.
    document = client.get(f"/api/v1/epcis/events?batch_id={batch['id']}", headers=farm.headers).json
    shipping = [e for e in document["epcisBody"]["eventList"] if e.get("bizStep") == "shipping"]
    assert len(shipping) == 1
    assert shipping[0]["destinationList"][0]["destination"].endswith(f"/p/{world['ent_x']}")
    transaction = shipping[0]["bizTransactionList"][0]["bizTransaction"]
    assert "/ref/contract/" in transaction and "CHAIN-01" in transaction
    assert shipping[0]["quantityList"][0]["quantity"] == 400
