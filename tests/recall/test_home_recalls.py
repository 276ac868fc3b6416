"""Open recalls on the home pages (issue 20 item 1): the department sees every open one
with its 24-hour clock; the producer its own; a recipient the ones whose notice it has
not acknowledged, until it does; an unconcerned organization none."""

from tests.web_helpers import text

REASON = "Dư lượng thuốc bảo vệ thực vật vượt mức cho phép"


def _open(farm, chain, name="RAW") -> int:
    body = {"batch_id": chain.id(name), "reason": REASON, "severity": "serious"}
    return farm.post("/recalls", body)["id"]


def test_each_role_sees_the_recalls_it_must_act_on(chain, farm, buyer, login, world, no_smtp):
    homes = {
        role: login(world["users"][role]) for role in ("department", "coop_a", "ent_x", "coop_b")
    }
    assert 'id="open-recalls"' not in text(homes["department"].get("/"))
    recall_id = _open(farm, chain)
    marker = f'data-recall="{recall_id}"'
    for role in ("department", "coop_a", "ent_x"):
        html = text(homes[role].get("/?lang=en"))
        assert marker in html, role
        assert "left" in html  # the 24-hour clock
    assert marker not in text(homes["coop_b"].get("/"))
    assert "acknowledge the notice" in text(homes["ent_x"].get("/?lang=en"))
    assert "acknowledge the notice" not in text(homes["coop_a"].get("/?lang=en"))
    buyer.post(f"/recalls/{recall_id}/acknowledge", {}, expect=200)
    assert marker not in text(homes["ent_x"].get("/"))
    # Still open: the department and the producer keep it.
    assert marker in text(homes["department"].get("/"))
    assert marker in text(homes["coop_a"].get("/"))
