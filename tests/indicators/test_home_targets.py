"""The department's home (issue 20 item 1): both targets as of today with the communes
furthest from them, lowest first; portal-sync problems when there are some."""

import re

from core.extensions import db
from indicators.services.home import targets_summary
from portal.models import OutboxRecord, OutboxStatus, RecordKind
from tests.conftest import GIA_LAI_COMMUNES
from tests.web_helpers import text


def test_targets_with_the_weakest_communes_first(app, linkage, login, world, make_org):
    # Commune 0: cooperative A, linked (100%, at the target: not weak). Commune 1:
    # cooperative B, not linked (0%). A third commune: two cooperatives, none linked (0%,
    # more of them, so first).
    third = GIA_LAI_COMMUNES[2]
    make_org("cooperative", commune=third, registration_code="HTX-C-3")
    make_org("cooperative", commune=third, registration_code="HTX-C-4")
    linkage.signed_contract()
    with app.test_request_context():
        link, _trace = targets_summary()
    assert link.key == "linkage" and link.target == 0.5
    assert (link.numerator, link.denominator) == (1, 4)
    assert [row.key for row in link.weakest] == [third, GIA_LAI_COMMUNES[1]]
    html = text(login(world["users"]["department"]).get("/?lang=en"))
    panel = re.search(r'<div class="target" id="target-linkage">.*?</div>', html, re.S).group(0)
    assert "25%" in panel and "target 50%" in panel
    assert panel.index(f'data-commune="{third}"') < panel.index(
        f'data-commune="{GIA_LAI_COMMUNES[1]}"'
    )
    assert f'data-commune="{GIA_LAI_COMMUNES[0]}"' not in panel
    # Not on the cooperative's home.
    assert 'id="targets"' not in text(login(world["users"]["coop_a"]).get("/"))


def test_portal_problems_show_only_when_there_are_some(app, login, world):
    client = login(world["users"]["department"])
    assert 'id="portal-problems"' not in text(client.get("/"))
    with app.app_context():
        for n, state in enumerate(
            [OutboxStatus.FAILING, OutboxStatus.RETRYING, OutboxStatus.RETRYING]
        ):
            db.session.add(
                OutboxRecord(
                    destination="national",
                    kind=RecordKind.EVENT,
                    record_key=f"k{n}",
                    record_id=n,
                    status=state,
                )
            )
        db.session.add(
            OutboxRecord(
                destination="national",
                kind=RecordKind.EVENT,
                record_key="ok",
                record_id=9,
                status=OutboxStatus.SENT,
            )
        )
        db.session.commit()
    html = text(client.get("/?lang=en"))
    assert "1 record failing" in html and "2 records being retried" in html
