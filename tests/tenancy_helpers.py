"""The tenancy matrix's table and world: roles and markers, ``MATRIX`` (every API operation
→ the roles allowed, their refusals and a body builder), and ``build_world``, which makes
cooperative A's objects (A sells to enterprise X; B sells to Y).

Used by test_tenancy_matrix.py and test_api_fuzz.py; the bodies the calls send are in
tenancy_bodies.py, the two buyers' world in two_buyers_helpers.py.
"""

import io

from PIL import Image

from core.clock import vn_today
from core.extensions import db
from labels.models import LabelPrint, PrintKind
from tests.linkage_helpers import contract_body
from tests.tenancy_bodies import claim_body, policy_body
from tests.trace_helpers import Farm

ROLES = ("department", "coop_a", "coop_b", "ent_x", "ent_y", "anonymous")

DEPT, A, B, X, Y, ANON = ROLES

SIGNED_IN = {DEPT, A, B, X, Y}

EVERYONE = set(ROLES)


# What only A, its buyer X and the department may see: in B's, Y's or a stranger's
# responses any of these is a leak.
MARKERS = ("ZQA-SECRET", "HTX-A-001", "Nguyễn Văn An")

REFUSED = {401, 403, 404}

# Two buyers of one lot (issue 18): what only X, A and the department may see of A's lot
# LOT-TWO, which A sold to X and to Y. In any of Y's responses each of these is a leak.
X_MARKERS = ("INV-XONLY", "PO-XONLY", "CERT-XONLY", "LOT-XONLY")


# A reference to another tenant's object inside a body is refused as an invalid field.
REFUSED_REFERENCE = REFUSED | {422}

TODAY = vn_today()


def png_bytes() -> bytes:
    """A small real PNG image."""
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (31, 111, 67)).save(buffer, "PNG")
    return buffer.getvalue()


# (method, path) -> (roles allowed, refusal statuses, body builder or None).
# Lists are open to every signed-in role and scoped: the leak check covers them.
MATRIX: dict[tuple[str, str], tuple[set[str], set[int], str | None]] = {
    ("GET", "/auth/tokens"): (SIGNED_IN, REFUSED, None),
    ("POST", "/auth/tokens"): (EVERYONE, REFUSED, "token"),
    ("DELETE", "/auth/tokens/{token_id}"): ({A}, REFUSED, None),
    ("GET", "/admin-units"): (SIGNED_IN, REFUSED, None),
    ("GET", "/organizations"): (SIGNED_IN, REFUSED, None),
    ("POST", "/organizations"): ({DEPT}, REFUSED, "organization"),
    ("GET", "/organizations/{org_id}"): ({DEPT, A}, REFUSED, None),
    ("PUT", "/organizations/{org_id}"): ({DEPT}, REFUSED, "organization_edit"),
    ("PATCH", "/organizations/{org_id}"): ({DEPT}, REFUSED, "organization_patch"),
    ("POST", "/organizations/{org_id}/suspend"): ({DEPT}, REFUSED, "org_status"),
    ("POST", "/organizations/{org_id}/reactivate"): ({DEPT}, REFUSED, "org_status"),
    ("POST", "/organizations/{org_id}/dissolve"): ({DEPT}, REFUSED, "org_status"),
    ("GET", "/organizations/{org_id}/members"): ({DEPT, A}, REFUSED, None),
    ("POST", "/organizations/{org_id}/members"): ({DEPT, A}, REFUSED, "member"),
    ("GET", "/members/{member_id}"): ({DEPT, A}, REFUSED, None),
    ("PUT", "/members/{member_id}"): ({DEPT, A}, REFUSED, "member_edit"),
    ("PATCH", "/members/{member_id}"): ({DEPT, A}, REFUSED, "member_patch"),
    ("POST", "/members/{member_id}/leave"): ({DEPT, A}, REFUSED, "leave"),
    ("GET", "/users"): ({DEPT}, REFUSED, None),
    ("POST", "/users"): ({DEPT}, REFUSED, "user"),
    # A spare user of X's (not one whose token the matrix calls with) is deactivated.
    ("POST", "/users/{user_id}/deactivate"): ({DEPT}, REFUSED, None),
    ("POST", "/users/{user_id}/reactivate"): ({DEPT}, REFUSED, None),
    ("POST", "/users/{user_id}/link"): ({DEPT}, REFUSED, None),
    ("GET", "/products"): (SIGNED_IN, REFUSED, None),
    ("POST", "/products"): (SIGNED_IN - {DEPT}, REFUSED, "product"),
    ("GET", "/products/{product_id}"): ({DEPT, A}, REFUSED, None),
    ("PUT", "/products/{product_id}"): ({A}, REFUSED, "product_edit"),
    ("PATCH", "/products/{product_id}"): ({A}, REFUSED, "product_patch"),
    ("GET", "/products/{product_id}/image"): ({DEPT, A}, REFUSED, None),
    ("PUT", "/products/{product_id}/image"): ({A}, REFUSED, "image"),
    ("GET", "/sites"): (SIGNED_IN, REFUSED, None),
    ("POST", "/sites"): ({A}, REFUSED_REFERENCE, "site"),
    ("GET", "/sites/{site_id}"): ({DEPT, A}, REFUSED, None),
    ("PUT", "/sites/{site_id}"): ({A}, REFUSED_REFERENCE, "site_edit"),
    ("PATCH", "/sites/{site_id}"): ({A}, REFUSED_REFERENCE, "site_patch"),
    ("GET", "/batches"): (SIGNED_IN, REFUSED, None),
    ("POST", "/batches"): ({A}, REFUSED_REFERENCE, "batch"),
    ("GET", "/batches/{batch_id}"): ({DEPT, A, X}, REFUSED, None),
    ("PUT", "/batches/{batch_id}"): ({A}, REFUSED, "batch_edit"),
    ("PATCH", "/batches/{batch_id}"): ({A}, REFUSED, "batch_patch"),
    # A's lot is active (harvested): activating it is refused by the rules (422), closing it
    # is allowed and runs last.
    ("POST", "/batches/{batch_id}/activate"): ({A}, REFUSED, None),
    ("POST", "/batches/{batch_id}/close"): ({A}, REFUSED, None),
    ("GET", "/batches/{batch_id}/completeness"): ({DEPT, A, X}, REFUSED, None),
    ("GET", "/batches/{batch_id}/trace"): ({DEPT, A, X}, REFUSED, None),
    ("GET", "/events"): (SIGNED_IN, REFUSED, None),
    ("POST", "/events"): ({A, X}, REFUSED_REFERENCE, "event"),
    ("GET", "/events/{event_id}"): ({DEPT, A, X}, REFUSED, None),
    ("POST", "/events/{event_id}/corrections"): ({A}, REFUSED, "correction"),
    ("GET", "/contracts"): (SIGNED_IN, REFUSED, None),
    ("POST", "/contracts"): (SIGNED_IN - {DEPT}, REFUSED, "contract"),
    ("GET", "/contracts/export"): (SIGNED_IN, REFUSED, None),
    ("GET", "/contracts/{contract_id}"): ({DEPT, A, X}, REFUSED, None),
    ("PUT", "/contracts/{contract_id}"): ({X}, REFUSED | {409}, "contract_draft"),
    ("PATCH", "/contracts/{contract_id}"): ({X}, REFUSED | {409}, "contract_patch"),
    ("GET", "/contracts/{contract_id}/versions"): ({DEPT, A, X}, REFUSED, None),
    ("POST", "/contracts/{contract_id}/amendments"): ({X}, REFUSED, "amendment"),
    ("POST", "/contracts/{contract_id}/confirm"): ({A, X}, REFUSED, None),
    ("POST", "/contracts/{contract_id}/verify"): ({DEPT}, REFUSED, None),
    ("POST", "/contracts/{contract_id}/terminate"): ({A, X}, REFUSED, "reason"),
    ("POST", "/contracts/{contract_id}/complete"): ({A, X}, REFUSED, "reason"),
    ("GET", "/contracts/{contract_id}/fulfilment"): ({DEPT, A, X}, REFUSED, None),
    ("GET", "/contracts/{contract_id}/deliveries"): ({DEPT, A, X}, REFUSED, None),
    ("POST", "/contracts/{contract_id}/deliveries"): ({A, X}, REFUSED, "delivery"),
    # X's delivery waits for A: only A, the seller, decides it (X and the department: 403).
    ("POST", "/deliveries/{delivery_id}/confirm"): ({A}, REFUSED, None),
    ("POST", "/deliveries/{delivery_id}/reject"): ({A}, REFUSED, "reason"),
    ("POST", "/contracts/{contract_id}/attachments"): ({A, X}, REFUSED, "attachment"),
    ("GET", "/contracts/{contract_id}/attachments/{attachment_id}"): (
        {DEPT, A, X},
        REFUSED,
        None,
    ),
    ("GET", "/support-policies"): (SIGNED_IN, REFUSED, None),
    ("POST", "/support-policies"): ({DEPT}, REFUSED, "policy"),
    ("PUT", "/support-policies/{policy_id}"): ({DEPT}, REFUSED, "policy"),
    ("GET", "/support-claims"): (SIGNED_IN, REFUSED, None),
    ("POST", "/support-claims"): ({A, X}, REFUSED_REFERENCE, "claim"),
    ("POST", "/support-claims/{claim_id}/decision"): ({DEPT}, REFUSED, "decision"),
    ("GET", "/epcis/events"): (SIGNED_IN, REFUSED, None),
    ("POST", "/epcis/capture"): (SIGNED_IN - {DEPT}, REFUSED, "epcis"),
    ("GET", "/trace-report"): ({DEPT, A, X}, REFUSED_REFERENCE, None),
    ("GET", "/batches/{batch_id}/scans"): ({DEPT, A}, REFUSED, None),
    ("GET", "/scans/totals"): (SIGNED_IN, REFUSED_REFERENCE, None),
    ("GET", "/labels/layouts"): (SIGNED_IN, REFUSED, None),
    ("GET", "/batches/{batch_id}/units"): ({DEPT, A, X}, REFUSED, None),
    ("POST", "/batches/{batch_id}/units"): ({A}, REFUSED, "units"),
    ("GET", "/batches/{batch_id}/label.png"): ({DEPT, A, X}, REFUSED, None),
    ("GET", "/batches/{batch_id}/label.svg"): ({DEPT, A, X}, REFUSED, None),
    ("GET", "/batches/{batch_id}/labels.pdf"): ({DEPT, A, X}, REFUSED, None),
    # A lot's print jobs are its producer's business (and the department's), not its buyer's.
    ("GET", "/batches/{batch_id}/label-prints"): ({DEPT, A}, REFUSED, None),
    ("POST", "/batches/{batch_id}/label-prints"): ({A}, REFUSED, "label_print"),
    ("GET", "/batches/{batch_id}/label-prints/{print_id}"): ({DEPT, A}, REFUSED, None),
    ("GET", "/batches/{batch_id}/label-prints/{print_id}/labels.pdf"): ({DEPT, A}, REFUSED, None),
    ("GET", "/recalls"): (SIGNED_IN, REFUSED, None),
    ("POST", "/recalls"): ({DEPT, A}, REFUSED, "recall"),
    ("GET", "/recalls/{recall_id}"): ({DEPT, A, X}, REFUSED, None),
    ("POST", "/recalls/{recall_id}/acknowledge"): ({X}, REFUSED, "acknowledge"),
    ("POST", "/recalls/{recall_id}/close"): ({DEPT, A}, REFUSED, "close"),
    ("GET", "/recalls/{recall_id}/report.{fmt}"): ({DEPT, A, X}, REFUSED, None),
    ("GET", "/indicators/linkage"): ({DEPT, A, B}, REFUSED, None),
    ("GET", "/indicators/traceability"): ({DEPT, A, B}, REFUSED, None),
    ("GET", "/indicators/open-data"): (EVERYONE, REFUSED, None),
    ("GET", "/portal/status"): ({DEPT}, REFUSED, None),
    ("GET", "/portal/problems"): ({DEPT}, REFUSED, None),
    ("GET", "/eudr/sites/{site_id}/plots"): (SIGNED_IN, REFUSED, None),
    ("POST", "/eudr/sites/{site_id}/plots"): ({A}, REFUSED, "plot"),
    ("POST", "/eudr/sites/{site_id}/plots/import"): ({A}, REFUSED, "attachment"),
    ("GET", "/eudr/plots"): (SIGNED_IN, REFUSED, None),
    ("GET", "/eudr/plots/export"): (SIGNED_IN, REFUSED, None),
    ("GET", "/eudr/plots/{plot_id}"): ({DEPT, A}, REFUSED, None),
    ("PUT", "/eudr/plots/{plot_id}"): ({A}, REFUSED, "plot"),
    ("DELETE", "/eudr/plots/{plot_id}"): ({A}, REFUSED, None),
    ("GET", "/eudr/plots/{plot_id}/document"): ({DEPT, A}, REFUSED, None),
    ("PUT", "/eudr/plots/{plot_id}/document"): ({A}, REFUSED, "document"),
    ("POST", "/eudr/plots/{plot_id}/checks"): ({A}, REFUSED, "check"),
    ("POST", "/eudr/checks/import"): (SIGNED_IN - {DEPT}, REFUSED, "attachment"),
    ("PUT", "/eudr/households/{member_id}/consent"): ({A}, REFUSED, "consent"),
    ("GET", "/eudr/lots/{batch_id}/evidence"): ({DEPT, A, X}, REFUSED, None),
    ("GET", "/eudr/lots/{batch_id}/evidence.zip"): ({DEPT, A, X}, REFUSED, None),
    ("GET", "/eudr/lots/{batch_id}/evidence.geojson"): ({DEPT, A, X}, REFUSED, None),
    ("GET", "/eudr/deliveries/{delivery_id}/evidence"): ({DEPT, A, X}, REFUSED, None),
    ("GET", "/eudr/deliveries/{delivery_id}/evidence.zip"): ({DEPT, A, X}, REFUSED, None),
    ("GET", "/eudr/shipments/evidence"): (SIGNED_IN, REFUSED, None),
    ("GET", "/eudr/shipments/evidence.zip"): (SIGNED_IN, REFUSED, None),
    ("POST", "/eudr/statements"): ({A, X}, REFUSED_REFERENCE, "statement"),
    ("GET", "/eudr/lots/{batch_id}/statements"): ({DEPT, A, X}, REFUSED, None),
    # The field app: each organization's own reference data and records (the department
    # records nothing); another's lot in a record is refused in that record's result.
    ("GET", "/field/reference"): (SIGNED_IN - {DEPT}, REFUSED, None),
    ("POST", "/field/records"): (SIGNED_IN - {DEPT}, REFUSED, "field_records"),
    # Season imports: a cooperative's own business, not its buyers' nor the department's.
    ("POST", "/trace/imports/{kind}"): ({A, B}, REFUSED, "attachment"),
    ("GET", "/trace/imports/{job_id}"): ({A}, REFUSED, None),
    ("GET", "/trace/imports/{job_id}/errors"): ({A}, REFUSED, None),
    ("GET", "/trace/imports/templates/{kind}.{fmt}"): ({A, B}, REFUSED, None),
}


# Writes that end or use up an object run last, so the others still find it usable.
# Dissolving A comes last of all: A's users can no longer sign in after it.
RUN_LAST = (
    ("POST", "/batches/{batch_id}/close"),
    ("POST", "/recalls/{recall_id}/close"),
    ("POST", "/contracts/{contract_id}/terminate"),
    ("POST", "/contracts/{contract_id}/complete"),
    ("POST", "/members/{member_id}/leave"),
    ("DELETE", "/eudr/plots/{plot_id}"),
    ("DELETE", "/auth/tokens/{token_id}"),
    ("POST", "/organizations/{org_id}/dissolve"),
)


# Query strings an operation needs to say anything at all.
QUERIES = {
    ("GET", "/trace-report"): "batch_id={batch_id}",
    ("GET", "/scans/totals"): "batch_ids={batch_id}",
    ("GET", "/batches/{batch_id}/labels.pdf"): "layout=a4-3x8",
    ("GET", "/eudr/plots/export"): "format=geojson",
    ("POST", "/eudr/checks/import"): "tool=GFW&checked_on=2026-11-30",
    ("GET", "/eudr/shipments/evidence"): "shipped_from=2026-01-01&shipped_to=2026-12-31",
    ("GET", "/eudr/shipments/evidence.zip"): "shipped_from=2026-01-01&shipped_to=2026-12-31",
}


_SEASON_FILE = (
    "Mã lô,Sản phẩm,Vùng trồng,Ngày thu hoạch,Hộ thành viên,Sản lượng của hộ\n"
    f"S-ZQA,Cà phê ZQA-SECRET,Vùng ZQA-SECRET,{TODAY:%d/%m/%Y},Trần Thị Bình,10\n"
).encode()


def build_world(client, world, token_for, linkage) -> dict:
    """A's product, site, lot, events, contract with X, delivery, attachment and claim;
    B's own lot and contract with Y. Returns ids, tokens and path parameter values."""
    headers = {role: token_for(world["users"][role]) for role in SIGNED_IN}
    headers[ANON] = {}
    farm_a = Farm(client, headers[A], world)
    product = farm_a.product(name="Cà phê ZQA-SECRET")
    site = farm_a.site(name="Vùng ZQA-SECRET")
    batch = farm_a.batch(product["id"], lot_code="LOT-ZQA-SECRET")
    harvest = farm_a.harvest(batch["id"], site["id"])
    farm_a.ship(batch["id"], 100, world["ent_x"])
    client.put(
        f"/api/v1/products/{product['id']}/image",
        headers=headers[A],
        data={"image": (io.BytesIO(png_bytes()), "a.png")},
        content_type="multipart/form-data",
    )
    contract = linkage.signed_contract(number="HĐ-ZQA-SECRET")
    delivered = linkage.call(
        "post",
        f"/contracts/{contract['id']}/deliveries",
        headers[X],
        {"delivered_on": TODAY.isoformat(), "lines": [{"batch_id": batch["id"], "quantity": 50}]},
    )
    attachment = client.post(
        f"/api/v1/contracts/{contract['id']}/attachments",
        headers=headers[A],
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(b"%PDF-1.4\n%%EOF"), "ZQA-SECRET.pdf")},
    )
    claim = linkage.call("post", "/support-claims", headers[A], claim_body(contract["id"]))
    # A row of its own to edit: the Decree's reference rows outlive the test.
    policy = linkage.call("post", "/support-policies", headers[DEPT], policy_body())
    token_id = client.get("/api/v1/auth/tokens", headers=headers[A]).json[0]["id"]
    print_id = _print_job(client.application, batch["id"], world["users"][A])
    # A second lot of A, sold to X and recalled, so the first stays usable.
    recalled = farm_a.batch(product["id"], lot_code="LOT-ZQA-R")
    farm_a.harvest(recalled["id"], site["id"])
    farm_a.ship(recalled["id"], 100, world["ent_x"])
    recall = client.post(
        "/api/v1/recalls",
        json={"batch_id": recalled["id"], "reason": "Dư lượng ZQA-SECRET", "severity": "serious"},
        headers=headers[A],
    )

    plot = farm_a.post(
        f"/eudr/sites/{site['id']}/plots",
        {
            "name": "Thửa ZQA-SECRET",
            "geometry": {"type": "Point", "coordinates": [108.123457, 14.123457]},
            "declared_area_ha": 1.5,
            "household_ids": [world["member_a"]],
        },
    )
    client.put(
        f"/api/v1/eudr/plots/{plot['id']}/document",
        headers=headers[A],
        data={"document": (io.BytesIO(b"%PDF-1.4\n%%EOF"), "ZQA-SECRET.pdf")},
        content_type="multipart/form-data",
    ).close()

    farm_b = Farm(client, headers[B], world, org_key="coop_b")
    product_b = farm_b.product(name="Hồ tiêu của B")
    farm_b.batch(
        product_b["id"],
        households=[{"member_id": world["member_b"], "quantity": 1000}],
    )
    contract_b = client.post(
        "/api/v1/contracts",
        json=contract_body(world["coop_b"], "HĐ-B-Y"),
        headers=headers[Y],
    )
    for response in (delivered, attachment, claim, contract_b, recall, policy):
        assert response.status_code == 201, response.get_data(as_text=True)[:300]
    spare = client.post(
        "/api/v1/users",
        json={
            "email": "spare@dn.vn",
            "full_name": "Spare",
            "role": "enterprise",
            "organization": "0101234567",
        },
        headers=headers[DEPT],
    )
    assert spare.status_code == 201, spare.get_data(as_text=True)[:300]
    # A season file of A's refused (its household is not A's), kept to be given back.
    season = client.post(
        "/api/v1/trace/imports/lots",
        headers=headers[A],
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(_SEASON_FILE), "ZQA-SECRET.csv")},
    )
    assert season.status_code == 422, season.get_data(as_text=True)[:300]
    params = {
        "kind": "lots",
        "job_id": season.json["id"],
        "user_id": spare.json["id"],
        "token_id": token_id,
        "org_id": world["coop_a"],
        "member_id": world["member_a"],
        "product_id": product["id"],
        "site_id": site["id"],
        "batch_id": batch["id"],
        "event_id": harvest["id"],
        "contract_id": contract["id"],
        "attachment_id": attachment.json["id"],
        "policy_id": policy.json["id"],
        "claim_id": claim.json["id"],
        "recall_id": recall.json["id"],
        "print_id": print_id,
        "fmt": "xlsx",
        "plot_id": plot["id"],
        "delivery_id": delivered.json["id"],
    }
    return {"headers": headers, "params": params, "world": world, "batch": batch}


def _print_job(app, batch_id: int, user_id: int) -> int:
    """A print job of A's lot, stored as is: the lot lacks what a print needs today (its
    producer's address, its origin), as a lot may after its labels were printed."""
    with app.app_context():
        job = LabelPrint(
            batch_id=batch_id,
            printed_by_id=user_id,
            layout="a4-3x8",
            kind=PrintKind.BATCH,
            labels=24,
        )
        db.session.add(job)
        db.session.commit()
        return job.id
