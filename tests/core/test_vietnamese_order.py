"""Names in Vietnamese dictionary order ("Đinh" before "Trần", tones after letters), in Python
and in the database on either engine: the household list as a cooperative sees it."""

import os

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from core.config import _database_url
from core.text import vietnamese_sort_key
from tests.missing import unavailable

# As a Vietnamese dictionary orders them: a ă â b c d đ e ê … o ô ơ … u ư …, and for one
# letter the tones none, huyền, hỏi, ngã, sắc, nặng.
ORDERED = [
    "anh",
    "Anh",
    "Ành",
    "Ảnh",
    "Ãnh",
    "Ánh",
    "Ạnh",
    "Ăn",
    "Ân",
    "Bình",
    "Dương",
    "Đinh",
    "H Hen",
    "Nguyễn Văn An",
    "Nguyễn Văn Ánh",
    "Nguyễn Văn Ân",
    "On",
    "Ôn",
    "Ơn",
    "Trần",
    "Ung",
    "Ưng",
    "Y Bhim",
]


def test_the_python_key_follows_the_dictionary():
    assert sorted(reversed(ORDERED), key=vietnamese_sort_key) == ORDERED
    assert sorted(ORDERED[::2] + ORDERED[1::2], key=vietnamese_sort_key) == ORDERED


def test_the_python_key_agrees_with_icu():
    url = os.environ.get("TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
    engine = create_engine(_database_url(url))
    try:
        with engine.connect() as connection:
            icu = connection.execute(
                text('SELECT x FROM unnest(:names) AS x ORDER BY x COLLATE "vi-VN-x-icu"'),
                {"names": list(reversed(ORDERED))},
            )
            assert list(icu.scalars()) == ORDERED
    except OperationalError as exc:
        unavailable(f"PostgreSQL is not reachable: {exc}")
    finally:
        engine.dispose()


def test_households_are_listed_in_vietnamese_order(client, world, make_member, token_for):
    names = ["Trần Văn Tư", "Đinh Thị Hoa", "Dương Văn Nam", "Ánh Dương", "Âu Văn Sơn"]
    for name in names:
        make_member(world["coop_b"], name)
    response = client.get(
        f"/api/v1/organizations/{world['coop_b']}/members?per_page=50",
        headers=token_for(world["users"]["coop_b"]),
    )
    assert response.status_code == 200, response.json
    listed = [m["head_name"] for m in response.json if m["head_name"] in names]
    assert listed == ["Ánh Dương", "Âu Văn Sơn", "Dương Văn Nam", "Đinh Thị Hoa", "Trần Văn Tư"]
