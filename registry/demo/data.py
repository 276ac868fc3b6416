"""The fixed material of the demo dataset: places, crops, organizations and name parts.

Commune codes are those of the 2025 list (``data/vn_admin_units_2025.csv``), Gia Lai = 52.
Names of organizations and people are invented.
"""

from dataclasses import dataclass
from datetime import date

DEFAULT_SEED = 1003
DEPARTMENT_CODE = "SNNMT-52"
EMAIL_DOMAIN = "gialai.example"  # RFC 2606: a domain that can never reach a real mailbox
RATING_YEARS = (2024, 2025)
LAST_DATE = date(2025, 12, 31)  # every invented date lies before this
HIGHLANDS = "23500"  # commune codes from here on are the old Gia Lai's; below, Bình Định's

# (commune code, main product) of each cooperative; codes of the 2025 list, Gia Lai = 52.
COOPERATIVES = (
    ("23677", "coffee"),
    ("23764", "coffee"),
    ("23722", "coffee"),
    ("23749", "coffee"),
    ("23590", "coffee"),
    ("23683", "coffee"),
    ("23710", "coffee"),
    ("23887", "coffee"),
    ("23857", "coffee"),
    ("23941", "pepper"),
    ("23942", "pepper"),
    ("23977", "pepper"),
    ("23954", "pepper"),
    ("23869", "pepper"),
    ("23767", "durian"),
    ("23896", "durian"),
    ("23986", "durian"),
    ("23794", "passion_fruit"),
    ("23812", "passion_fruit"),
    ("23638", "passion_fruit"),
    ("23824", "cashew"),
    ("21715", "cashew"),
    ("21853", "cashew"),
    ("23701", "macadamia"),
    ("23799", "macadamia"),
    ("24043", "rice"),
    ("24061", "rice"),
    ("21952", "rice"),
    ("23611", "vegetables"),
    ("23602", "vegetables"),
)
GROUPS = (
    ("23881", "durian"),
    ("23590", "vegetables"),
    ("23734", "coffee"),
    ("23818", "passion_fruit"),
)
UNIONS = (("23575", "coffee"), ("23941", "pepper"))
# (name, short name, commune, main products, tax-code prefix)
ENTERPRISES = (
    (
        "Công ty CP Xuất nhập khẩu Cà phê Phố Núi",
        "Phố Núi Coffee",
        "23563",
        "Cà phê nhân Robusta xuất khẩu",
        "59",
    ),
    (
        "Công ty TNHH Cà phê Đại Ngàn Tây Nguyên",
        "Đại Ngàn Coffee",
        "23575",
        "Cà phê nhân, cà phê đặc sản",
        "59",
    ),
    ("Công ty CP Chế biến Hồ tiêu Chư Sê", "Tiêu Chư Sê", "23941", "Tiêu đen, tiêu trắng", "59"),
    (
        "Công ty TNHH Trái cây Xuất khẩu Cao Nguyên",
        "Cao Nguyên Fruit",
        "23602",
        "Sầu riêng, chanh leo xuất khẩu",
        "59",
    ),
    (
        "Công ty CP Chuỗi Siêu thị Phố Biển",
        "Siêu thị Phố Biển",
        "21583",
        "Bán lẻ nông sản, rau an toàn",
        "41",
    ),
    ("Công ty TNHH Hạt điều An Nhơn Xanh", "Điều An Nhơn", "21910", "Nhân điều xuất khẩu", "41"),
    ("Công ty CP Nông sản Mắc ca Hàm Rồng", "Mắc ca Hàm Rồng", "23677", "Hạt mắc ca", "59"),
    ("Công ty TNHH Lương thực Tây Sơn Xanh", "Gạo Tây Sơn", "21808", "Gạo, lúa giống", "41"),
)


@dataclass(frozen=True)
class Crop:
    """How a main product shows up in names and fields."""

    label: str
    products: str
    area: tuple[float, float]  # planted area of one household, ha


CROPS = {
    "coffee": Crop("Cà phê", "Cà phê nhân Robusta, cà phê rang xay", (0.8, 3.0)),
    "pepper": Crop("Hồ tiêu", "Hồ tiêu đen, tiêu sọ", (0.3, 1.5)),
    "durian": Crop("Sầu riêng", "Sầu riêng Ri6, Monthong", (0.5, 2.5)),
    "passion_fruit": Crop("Chanh leo", "Chanh leo tím", (0.3, 1.5)),
    "cashew": Crop("Điều", "Hạt điều thô", (0.5, 3.0)),
    "macadamia": Crop("Mắc ca", "Hạt mắc ca", (0.5, 2.0)),
    "rice": Crop("Lúa gạo", "Lúa, gạo chất lượng cao", (0.3, 1.2)),
    "vegetables": Crop("Rau an toàn", "Rau ăn lá, rau củ theo VietGAP", (0.1, 0.5)),
}
COOP_NAMES = (
    "HTX Nông nghiệp {crop} {place}",
    "HTX Nông nghiệp Dịch vụ {crop} {place}",
    "HTX {crop} bền vững {place}",
    "HTX Sản xuất và Kinh doanh {crop} {place}",
)
KINH_SURNAMES = [
    "Nguyễn",
    "Nguyễn",
    "Nguyễn",
    "Trần",
    "Trần",
    "Lê",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Phan",
]
KINH_MALE = [
    "Hùng",
    "Dũng",
    "Tuấn",
    "Hải",
    "Sơn",
    "Thắng",
    "Quang",
    "Tâm",
    "Phúc",
    "Lộc",
    "Hòa",
    "Bình",
    "Cường",
    "Trung",
    "Nam",
    "Long",
]
KINH_FEMALE = [
    "Lan",
    "Hoa",
    "Hương",
    "Mai",
    "Hạnh",
    "Nga",
    "Thủy",
    "Hằng",
    "Liên",
    "Dung",
    "Nhung",
    "Yến",
]
MALE_MIDDLE = ("Văn", "Đình", "Hữu", "Minh")
FEMALE_MIDDLE = ("Thị", "Thị Thu", "Thị Kim")
ETHNIC_SURNAMES = ("Rơ Mah", "Ksor", "Siu", "Kpă", "Puih", "Nay", "Rơ Châm", "Rơ Lan", "Rcom")
ETHNIC_MALE = ["Blơh", "Thuyên", "Nhang", "Hyon", "Jú", "Byơ", "Đel", "Phơ", "Tuk", "Yul"]
ETHNIC_FEMALE = ("H'Bla", "H'Lan", "H'Yơn", "H'Nhi", "H'Rin", "H'Mai")
VILLAGES = (
    "Thôn 1",
    "Thôn 2",
    "Thôn 3",
    "Thôn 4",
    "Thôn 5",
    "Thôn 7",
    "Thôn Tân Lập",
    "Thôn Hòa Bình",
    "Thôn Quyết Thắng",
    "Thôn Đoàn Kết",
    "Thôn Thanh Bình",
)
PLEI = ("Làng Plei Bông", "Làng Plei Ơi", "Làng Kon Brung", "Làng Đê Kjiêng", "Làng Ia Jút")
STREETS = ("Hùng Vương", "Trường Chinh", "Lê Lợi", "Trần Hưng Đạo", "Phạm Văn Đồng", "Quang Trung")
MOBILE_PREFIXES = ("090", "093", "098", "097", "086", "035", "038", "091", "094", "088", "077")
RATINGS = (("good", 30), ("fair", 40), ("average", 22), ("weak", 8))
