"""A minimal PDF 1.4 writer: numbered objects, Flate streams, subset TrueType fonts, xref.

Label sheets are thousands of near-identical small pages (a thermal roll is one
label a page). A general PDF library spends most of its time per page on
building and formatting its page objects; here a page is two short objects
written straight to bytes, which is what makes 10,000 labels a few seconds'
work. Fonts are subset with reportlab's TrueType subsetter and carry a
ToUnicode map, so text can be searched and extracted (pdftotext gives the
Vietnamese back exactly).
"""

import zlib
from datetime import UTC, datetime

from reportlab.pdfbase.ttfonts import TTFontFace

HEADER = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
_FLAG_SYMBOLIC = 4  # the subset's codes are our own, read through the font's cmap


class PdfDocument:
    """Objects are written as they are added; ``finish`` appends the xref and trailer."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = [HEADER]
        self._size = len(HEADER)
        self._offsets: dict[int, int] = {}
        self._next = 1

    def reserve(self) -> int:
        """A new object number, to refer to before the object is written."""
        number, self._next = self._next, self._next + 1
        return number

    def add(self, body: str | bytes, number: int | None = None) -> int:
        """Write an object (a dictionary, array…) and return its number."""
        number = number or self.reserve()
        data = body.encode("latin-1") if isinstance(body, str) else body
        self._emit(number, b"%d 0 obj\n%s\nendobj\n" % (number, data))
        return number

    def add_stream(self, data: bytes, entries: str = "", number: int | None = None) -> int:
        """Write a Flate-compressed stream object with extra dictionary ``entries``."""
        number = number or self.reserve()
        packed = zlib.compress(data, 6)
        head = f"<< /Length {len(packed)} /Filter /FlateDecode {entries} >>\nstream\n"
        self._emit(number, b"%d 0 obj\n%s%s\nendstream\nendobj\n" % (number, head.encode(), packed))
        return number

    def _emit(self, number: int, data: bytes) -> None:
        self._offsets[number] = self._size
        self._chunks.append(data)
        self._size += len(data)

    def finish(self, root: int, info: int) -> bytes:
        """The whole file: objects, cross-reference table and trailer."""
        count = self._next
        rows = [b"0000000000 65535 f \n"]
        rows += [b"%010d 00000 n \n" % self._offsets[n] for n in range(1, count)]
        trailer = f"trailer\n<< /Size {count} /Root {root} 0 R /Info {info} 0 R >>\n"
        tail = b"xref\n0 %d\n%s%sstartxref\n%d\n%%%%EOF\n" % (
            count,
            b"".join(rows),
            trailer.encode(),
            self._size,
        )
        return b"".join(self._chunks) + tail


def text_string(value: str) -> str:
    """A PDF text string (UTF-16BE with its byte order mark), for titles and authors."""
    return "<FEFF" + value.encode("utf-16-be").hex().upper() + ">"


def info_dict(title: str, author: str, subject: str) -> str:
    """The document information dictionary."""
    stamp = datetime.now(UTC).strftime("D:%Y%m%d%H%M%SZ")
    return (
        f"<< /Title {text_string(title)} /Author {text_string(author)} "
        f"/Subject {text_string(subject)} /Creator (HTX Trace) /Producer (HTX Trace) "
        f"/CreationDate ({stamp}) >>"
    )


class EmbeddedFont:
    """A subset of a TrueType face with one-byte codes: encodes text to a hex string."""

    def __init__(self, doc: PdfDocument, face: TTFontFace, chars: set[str], tag: str):
        ordered = sorted(chars)
        if len(ordered) > 255:  # one-byte codes; a label never comes near this
            ordered = ordered[:255]
        self._codes = {ord(char): code for code, char in enumerate(ordered, start=1)}
        subset = [0, *(ord(char) for char in ordered)]
        self.number = _write_font(doc, face, subset, f"{tag}+{face.name.decode('latin-1')}")

    def hex(self, text: str) -> str:
        """``text`` as a PDF hex string in this subset's codes (unknown characters: .notdef)."""
        return "<" + bytes(self._codes.get(ord(char), 0) for char in text).hex() + ">"


def _write_font(doc: PdfDocument, face: TTFontFace, subset: list[int], base_name: str) -> int:
    program = face.makeSubset(subset)
    font_file = doc.add_stream(program, f"/Length1 {len(program)}")
    bbox = " ".join(str(round(v)) for v in face.bbox)
    descriptor = doc.add(
        f"<< /Type /FontDescriptor /FontName /{base_name} /Flags {_FLAG_SYMBOLIC} "
        f"/FontBBox [{bbox}] /ItalicAngle {face.italicAngle} /Ascent {round(face.ascent)} "
        f"/Descent {round(face.descent)} /CapHeight {round(face.capHeight)} "
        f"/StemV {face.stemV} /MissingWidth {round(face.defaultWidth)} "
        f"/FontFile2 {font_file} 0 R >>"
    )
    to_unicode = doc.add_stream(_to_unicode(subset).encode())
    widths = " ".join(str(round(face.getCharWidth(code))) for code in subset)
    return doc.add(
        f"<< /Type /Font /Subtype /TrueType /BaseFont /{base_name} /FirstChar 0 "
        f"/LastChar {len(subset) - 1} /Widths [{widths}] /FontDescriptor {descriptor} 0 R "
        f"/ToUnicode {to_unicode} 0 R >>"
    )


def _to_unicode(subset: list[int]) -> str:
    """The CMap that maps our one-byte codes back to Unicode (text extraction, search)."""
    pairs = [
        f"<{code:02X}> <{chr(point).encode('utf-16-be').hex()}>"
        for code, point in enumerate(subset)
    ]
    blocks = [pairs[start : start + 100] for start in range(0, len(pairs), 100)]  # at most 100 each
    body = "\n".join(
        f"{len(block)} beginbfchar\n" + "\n".join(block) + "\nendbfchar" for block in blocks
    )
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<00> <FF>\nendcodespacerange\n"
        f"{body}\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
    )
