"""Text helpers: folding Vietnamese text for accent-insensitive search, and the Vietnamese
alphabet's order for sorting names."""

import unicodedata
from functools import lru_cache

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


# The Vietnamese alphabet (a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y), with
# f j w z of foreign names where the Latin alphabet puts them. A letter is its base and the
# marks that make it a letter of its own (breve, circumflex, horn, and đ's stroke).
_ALPHABET = tuple("aăâbcdđeêfghijklmnoôơpqrstuưvwxyz")
_LETTER_MARKS = frozenset("\u0306\u0302\u031b")
# Tones sort after the letters, in the dictionaries' order: none, huyền, hỏi, ngã, sắc, nặng.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_RANK = {unicodedata.normalize("NFD", letter): rank for rank, letter in enumerate(_ALPHABET)}


@lru_cache(maxsize=65_536)
def vietnamese_sort_key(text: str | None) -> tuple:
    """A key that sorts text in Vietnamese dictionary order ("Anh" < "Ánh" < "Ăn" < "Đinh"
    < "Trần"): letters first, then tones, then case, as ICU's Vietnamese collation does."""
    letters, tones, cases = [], [], []
    for char in unicodedata.normalize("NFD", text or ""):
        if char in _TONES:
            if tones:
                tones[-1] = _TONES[char]
            continue
        if char in _LETTER_MARKS and letters:
            base = letters.pop()
            letter = _ALPHABET[base[0]] if base[0] >= 0 else base[1]
            composed = unicodedata.normalize("NFD", letter) + char
            letters.append((_RANK.get(composed, base[0]), composed))
            continue
        lower = char.lower()
        if lower in ("đ", "ð"):  # ð (U+00F0) is often typed for đ
            lower = unicodedata.normalize("NFD", "đ")
        letters.append((_RANK.get(lower, -1), lower))
        tones.append(0)
        cases.append(char != lower and char.lower() == lower)
    primary = tuple(rank if rank >= 0 else _other(letter[0]) for rank, letter in letters)
    return (primary, tuple(tones), tuple(cases))


def _other(char: str) -> int:
    # Spaces, digits and punctuation before the letters; letters of other scripts after.
    return 100 + ord(char) if char.isalpha() else ord(char) - 0x110000


def compare_vietnamese(left: str | None, right: str | None) -> int:
    """-1, 0 or 1: the order of two texts by ``vietnamese_sort_key`` (SQLite's collation)."""
    a, b = vietnamese_sort_key(left), vietnamese_sort_key(right)
    return (a > b) - (a < b)
