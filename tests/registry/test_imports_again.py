"""Importing a household file again: the households already there are found by their head's
name, commune and phone, updated from the file's columns or left as they are, never added
twice; a household named twice in one file is refused."""

from core.extensions import db
from tests.import_files import (
    CHU_SE,
    DAK_DOA,
    csv_file,
    households_of,
    import_members,
    where,
)

HEADER = "head_name,admin_unit,phone,village,planted_area_ha"
FIVE = [
    f"Hồ Văn Khánh,{DAK_DOA},0905 111 222,Thôn 1,1.5",
    f"Trần Thị Bình,{DAK_DOA},0905111333,Thôn 1,0.8",
    f"Lê Văn Cường,{DAK_DOA},,Thôn 2,2",
    f"Phạm Thị Dung,{CHU_SE},0905111444,Thôn 3,1",
    f"Đinh Văn Em,{CHU_SE},0905111555,Thôn 3,0.5",
]


def _names(org_id):
    return [member.head_name for member in households_of(org_id)]


def test_the_same_file_twice_adds_nothing(ctx, world):
    org = world["coop_a"]
    before = len(households_of(org))
    first = import_members(org, csv_file(HEADER, *FIVE))
    assert (first.created, first.updated, first.unchanged) == (5, 0, 0)
    db.session.flush()
    again = import_members(org, csv_file(HEADER, *FIVE))
    assert again.ok, again.errors
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert len(households_of(org)) == before + 5


def test_a_changed_row_updates_the_household_and_a_new_row_is_added(ctx, world):
    org = world["coop_a"]
    import_members(org, csv_file(HEADER, *FIVE))
    db.session.flush()
    # Typed again without accents and in capitals, the phone without spaces, a new village
    # for Khánh; Cường's phone now known; and one new household.
    changed = [
        f"HO VAN KHANH,{DAK_DOA},0905111222,Thôn 4,1.5",
        f"Lê Văn Cường,{DAK_DOA},0905111666,Thôn 2,2",
        f"Võ Thị Giang,{DAK_DOA},0905111777,Thôn 1,0.3",
    ]
    report = import_members(org, csv_file(HEADER, *changed))
    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == (1, 2, 0)
    members = {member.head_name: member for member in households_of(org)}
    assert members["Hồ Văn Khánh"].village == "Thôn 4"  # the name keeps its accents
    assert "HO VAN KHANH" not in members
    assert members["Lê Văn Cường"].phone == "0905111666"
    assert _names(org).count("Võ Thị Giang") == 1


def test_columns_the_file_lacks_are_left_as_they_are(ctx, world):
    org = world["coop_a"]
    import_members(org, csv_file(HEADER, *FIVE))
    db.session.flush()
    report = import_members(org, csv_file("head_name,admin_unit", f"Trần Thị Bình,{DAK_DOA}"))
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)
    (binh,) = [m for m in households_of(org) if m.head_name == "Trần Thị Bình"]
    assert (binh.phone, binh.village, binh.planted_area_ha) == ("0905111333", "Thôn 1", 0.8)


def test_a_household_twice_in_one_file_is_refused(ctx, world):
    org = world["coop_a"]
    before = len(households_of(org))
    report = import_members(
        org,
        csv_file(
            HEADER,
            FIVE[0],
            FIVE[1],
            f"hồ văn  khánh,{DAK_DOA},0905111222,Thôn 9,3",
        ),
    )
    assert not report.ok
    assert where(report) == {(4, "head_name")}
    assert "row 2" in report.errors[0].message or "dòng 2" in report.errors[0].message
    assert len(households_of(org)) == before


def test_namesakes_with_different_phones_are_two_households(ctx, world):
    org = world["coop_a"]
    report = import_members(
        org,
        csv_file(
            HEADER,
            f"Nguyễn Văn Hải,{DAK_DOA},0905000001,Thôn 1,1",
            f"Nguyễn Văn Hải,{DAK_DOA},0905000002,Thôn 2,1",
        ),
    )
    assert report.created == 2
    db.session.flush()
    # Without a phone, the name and commune alone are ambiguous: a third household is added.
    again = import_members(org, csv_file("head_name,admin_unit", f"Nguyễn Văn Hải,{DAK_DOA}"))
    assert (again.created, again.updated, again.unchanged) == (1, 0, 0)
