"""The vocabulary of import files: the headers and choice values a department spreadsheet uses.

Headers and choices may be the API's field names and values, or the Vietnamese below;
case and diacritics do not matter (they are compared through ``header_key``).
"""

from registry.services.spreadsheets import header_key

_UNIT_LABELS = "Mã xã|Mã đơn vị hành chính|Mã ĐVHC|Mã xã/phường"
_PHONE_LABELS = "Điện thoại|Số điện thoại|SĐT|ĐT"
# Field -> the headers a department spreadsheet uses, "|"-separated; the first is the
# template's. The field's own name is accepted too; case and diacritics do not matter.
ORG_HEADERS = {
    "kind": "Loại hình|Loại hình tổ chức|Loại",
    "name": "Tên|Tên HTX|Tên tổ chức|Tên đơn vị|Tên hợp tác xã|Tên doanh nghiệp",
    "short_name": "Tên viết tắt|Tên ngắn",
    "registration_code": "Mã số đăng ký|Mã số|Mã số HTX|Mã số doanh nghiệp|Số đăng ký|Mã số ĐKKD",
    "tax_code": "Mã số thuế|MST",
    "admin_unit": _UNIT_LABELS,
    "address": "Địa chỉ|Địa chỉ trụ sở|Trụ sở",
    "latitude": "Vĩ độ",
    "longitude": "Kinh độ",
    "sector": "Lĩnh vực|Ngành",
    "main_products": "Sản phẩm chính|Sản phẩm",
    "representative": "Người đại diện|Người đại diện theo pháp luật|Đại diện",
    "phone": _PHONE_LABELS,
    "email": "Email|E-mail|Thư điện tử",
    "gln": "GLN|Mã GLN|Mã địa điểm toàn cầu",
    "status": "Trạng thái|Tình trạng|Tình trạng hoạt động",
    "status_since": "Trạng thái từ ngày|Ngày chuyển trạng thái",
    "established_on": "Ngày thành lập",
    "member_count": "Số thành viên",
    "rating_year": "Năm xếp loại|Năm đánh giá",
    "rating": "Xếp loại|Kết quả xếp loại|Đánh giá",
}
MEMBER_HEADERS = {
    "head_name": "Họ tên chủ hộ|Chủ hộ|Tên chủ hộ|Họ và tên chủ hộ|Họ tên|Họ và tên",
    "admin_unit": _UNIT_LABELS,
    "village": "Thôn, làng|Thôn|Làng|Buôn|Thôn, buôn|Tổ dân phố",
    "phone": _PHONE_LABELS,
    "planted_area_ha": "Diện tích (ha)|Diện tích|Diện tích canh tác (ha)",
    "member_type": "Loại thành viên|Loại",
    "joined_on": "Ngày vào|Ngày gia nhập|Ngày tham gia",
}
ROW_NUMBER_HEADERS = {"stt", "tt", "so tt", "so thu tu"}
# Choice value -> its Vietnamese names; the value itself is accepted too.
_CHOICES = {
    "kind": {
        "cooperative": "HTX|Hợp tác xã",
        "cooperative_group": "THT|Tổ hợp tác",
        "cooperative_union": "Liên hiệp HTX|Liên hiệp hợp tác xã",
        "enterprise": "Doanh nghiệp|DN|Công ty",
        "agency": "Cơ quan|Cơ quan nhà nước",
    },
    "sector": {"agricultural": "Nông nghiệp", "non_agricultural": "Phi nông nghiệp"},
    "status": {
        "active": "Đang hoạt động|Hoạt động",
        "suspended": "Tạm ngừng|Tạm ngừng hoạt động",
        "dissolved": "Giải thể|Đã giải thể",
    },
    "rating": {"good": "Tốt", "fair": "Khá", "average": "Trung bình", "weak": "Yếu"},
    "member_type": {
        "official": "Chính thức|Thành viên chính thức",
        "associate": "Liên kết|Thành viên liên kết",
    },
}
# Field -> {header_key of a value or of one of its names: the value}.
CHOICE_KEYS = {
    name: {
        header_key(alias): value
        for value, names in table.items()
        for alias in (value, *names.split("|"))
    }
    for name, table in _CHOICES.items()
}
# Excel turns codes typed as numbers into numbers and drops their leading zeros.
DIGITS = {"admin_unit": 5, "tax_code": 10, "registration_code": 10, "phone": 10}


def choice_names(name: str) -> list[str]:
    """The Vietnamese a template suggests for each value of a choice column ("HTX", "Tốt")."""
    return [names.split("|")[0] for names in _CHOICES.get(name, {}).values()]
