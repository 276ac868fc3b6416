"""QR encoding for labels: libqrencode (C, through ctypes) when installed, else ``qrcode``.

Error correction level M; the quiet zone (4 modules, ISO/IEC 18004) is left to
the layout. libqrencode (Debian ``libqrencode4``) is about 50× faster than the
pure-Python encoders, which is what makes 10,000 per-item labels a few seconds'
work; without it labels still come out right, only slower.
"""

import ctypes
import ctypes.util
import re
from dataclasses import dataclass
from functools import cache

QUIET_ZONE = 4  # modules of light margin on each side, as the QR specification requires
_EC_LEVEL_M = 1  # QRecLevel: L=0, M=1, Q=2, H=3
_MODE_8BIT = 2  # QRencodeMode hint: byte mode, with numeric/alphanumeric runs split out
_DARK_RUN = re.compile(rb"\x01+")
_PACK = bytes.maketrans(b"\x00\x01", b"01")
# libqrencode marks a dark module with bit 0; the other bits say what the module is for.
_LOW_BIT = bytes(value & 1 for value in range(256))


class _QRcode(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_int),
        ("width", ctypes.c_int),
        ("data", ctypes.POINTER(ctypes.c_ubyte)),
    ]


@dataclass(frozen=True)
class Symbol:
    """An encoded QR symbol without its quiet zone: ``size``² modules, 1 = dark, top row first."""

    version: int
    size: int
    modules: bytes

    def rows(self) -> list[bytes]:
        """The module rows, top first."""
        n = self.size
        return [self.modules[i : i + n] for i in range(0, n * n, n)]

    def packed(self) -> bytes:
        """One bit a module (1 = dark), each row padded to whole bytes: a PDF image mask."""
        n = self.size
        pad = b"0" * (-n % 8)
        bits = pad.join(row.translate(_PACK) for row in self.rows()) + pad
        return int(bits, 2).to_bytes(len(bits) // 8, "big")

    def runs(self) -> list[tuple[int, int, int]]:
        """Horizontal runs of dark modules as (row, first column, length): a vector drawing."""
        return [
            (y, match.start(), match.end() - match.start())
            for y, row in enumerate(self.rows())
            for match in _DARK_RUN.finditer(row)
        ]


@cache
def _libqrencode():
    name = ctypes.util.find_library("qrencode") or "libqrencode.so.4"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    lib.QRcode_encodeString.restype = ctypes.POINTER(_QRcode)
    lib.QRcode_encodeString.argtypes = [
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_int,
    ]
    lib.QRcode_free.argtypes = [ctypes.POINTER(_QRcode)]
    return lib


def encoder_name() -> str:
    """Which encoder ``encode`` uses on this machine."""
    return "libqrencode" if _libqrencode() is not None else "qrcode (pure Python)"


def encode(text: str) -> Symbol:
    """Encode ``text`` as the smallest QR symbol at error correction level M."""
    lib = _libqrencode()
    return _encode_c(lib, text) if lib is not None else encode_python(text)


def _encode_c(lib, text: str) -> Symbol:
    pointer = lib.QRcode_encodeString(text.encode(), 0, _EC_LEVEL_M, _MODE_8BIT, 1)
    if not pointer:
        raise ValueError(f"cannot encode {len(text)} characters as a QR code")
    try:
        code = pointer.contents
        n = code.width
        raw = ctypes.string_at(code.data, n * n)
        return Symbol(code.version, n, raw.translate(_LOW_BIT))
    finally:
        lib.QRcode_free(pointer)


def encode_python(text: str) -> Symbol:
    """The pure-Python path (the ``qrcode`` package), also used where libqrencode is absent."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(text)
    code.make(fit=True)
    rows = code.modules
    return Symbol(code.version, len(rows), bytes(int(bool(m)) for row in rows for m in row))
