"""Text helpers: folding Vietnamese text for accent-insensitive search."""

import unicodedata

_SPECIAL = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str | None) -> str:
    """Lower-case text without diacritics, so "dak doa" matches "Đăk Đoa"."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.translate(_SPECIAL))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.lower().split())


def clean(text: str | None) -> str | None:
    """Trim and NFC-normalise a user-supplied string; empty becomes None."""
    if text is None:
        return None
    text = unicodedata.normalize("NFC", str(text)).strip()
    return text or None
