"""A minimal PDF 1.4 writer for text and tables (no PDF library is installed in the project's environment).

It uses the standard Helvetica fonts (every PDF reader has them, nothing is embedded) with WinAnsi encoding,
so it can show English text, digits and the usual Western punctuation. Chinese cannot be shown with a
standard font (it would need an embedded CID font): characters outside WinAnsi are replaced by "?", and
reports whose labels are in Chinese should be read in the CSV (UTF-8) or in the browser.

Layout: A4 portrait, a title, then blocks of headings, paragraphs and tables; pages break as needed. Column
widths are computed from Helvetica's character widths, and long cells are cut with an ellipsis.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

PAGE_WIDTH, PAGE_HEIGHT = 595.28, 841.89  # A4 in points
MARGIN = 42.0

# Helvetica widths (1/1000 em) of the printable ASCII characters 32..126 (Adobe's standard metrics).
_HELVETICA = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667,
    556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556,
    556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722,
    500, 500, 500, 334, 260, 334, 584,
]  # fmt: skip
_BOLD_FACTOR = 1.06  # Helvetica-Bold is slightly wider; close enough for column widths


def text_width(text: str, size: float, bold: bool = False) -> float:
    units = sum(_HELVETICA[ord(ch) - 32] if 32 <= ord(ch) <= 126 else 556 for ch in text)
    return units * size / 1000 * (_BOLD_FACTOR if bold else 1)


def _encode(text: str) -> bytes:
    """A PDF string literal in WinAnsi (cp1252), with (, ) and \\ escaped; other characters become "?"."""
    raw = str(text).encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _fit(text: str, width: float, size: float, bold: bool = False) -> str:
    if text_width(text, size, bold) <= width:
        return text
    while text and text_width(text + "...", size, bold) > width:
        text = text[:-1]
    return text + "..."


@dataclass
class Document:
    title: str
    blocks: list = field(default_factory=list)

    def heading(self, text: str):
        self.blocks.append(("heading", text))

    def paragraph(self, text: str):
        self.blocks.append(("paragraph", text))

    def table(self, header: list[str], rows: list[list[str]], align: list[str] | None = None):
        """``align``: "l" or "r" per column (numbers right-aligned)."""
        self.blocks.append(("table", header, rows, align or ["l"] * len(header)))

    def render(self) -> bytes:
        return _Writer(self).write()


class _Writer:
    def __init__(self, document: Document):
        self.document = document
        self.pages: list[list[bytes]] = []
        self.y = 0.0
        self._new_page()

    # --- drawing ---------------------------------------------------------------------------------------

    def _new_page(self):
        self.pages.append([])
        self.y = PAGE_HEIGHT - MARGIN

    def _room(self, height: float):
        if self.y - height < MARGIN:
            self._new_page()

    def _text(self, x: float, y: float, text: str, size: float, bold: bool = False):
        font = b"/F2" if bold else b"/F1"
        self.pages[-1].append(b"BT %s %.1f Tf %.2f %.2f Td %s Tj ET" % (font, size, x, y, _encode(text)))

    def _line(self, x1, y1, x2, y2):
        self.pages[-1].append(b"%.2f %.2f m %.2f %.2f l S" % (x1, y1, x2, y2))

    def _wrap(self, text: str, size: float) -> list[str]:
        width = PAGE_WIDTH - 2 * MARGIN
        lines, current = [], ""
        for word in str(text).split():
            candidate = f"{current} {word}".strip()
            if current and text_width(candidate, size) > width:
                lines.append(current)
                current = word
            else:
                current = candidate
        return [*lines, current] if current else lines

    def write(self) -> bytes:
        self._room(30)
        self._text(MARGIN, self.y - 18, self.document.title, 16, bold=True)
        self.y -= 30
        for block in self.document.blocks:
            getattr(self, f"_{block[0]}")(*block[1:])
        return self._assemble()

    def _heading(self, text):
        self._room(28)
        self.y -= 10
        self._text(MARGIN, self.y - 12, text, 12, bold=True)
        self.y -= 18

    def _paragraph(self, text):
        for line in self._wrap(text, 9):
            self._room(12)
            self._text(MARGIN, self.y - 9, line, 9)
            self.y -= 12
        self.y -= 4

    def _table(self, header, rows, align):
        size, row_height = 8.5, 12.5
        available = PAGE_WIDTH - 2 * MARGIN
        natural = [
            max([text_width(str(h), size, True)] + [text_width(str(r[i]), size) for r in rows]) + 8
            for i, h in enumerate(header)
        ]
        scale = min(1.0, available / sum(natural))
        widths = [w * scale for w in natural]

        def draw_row(cells, bold):
            self._room(row_height)
            x = MARGIN
            for cell, width, side in zip(cells, widths, align, strict=False):
                text = _fit(str(cell), width - 6, size, bold)
                tx = x + width - 3 - text_width(text, size, bold) if side == "r" else x + 3
                self._text(tx, self.y - 9, text, size, bold)
                x += width
            self.y -= row_height

        draw_row(header, True)
        self._line(MARGIN, self.y + 2, MARGIN + sum(widths), self.y + 2)
        for row in rows:
            if self.y - row_height < MARGIN:  # repeat the header on a new page
                self._new_page()
                draw_row(header, True)
                self._line(MARGIN, self.y + 2, MARGIN + sum(widths), self.y + 2)
            draw_row(row, False)
        self.y -= 6

    # --- the file ------------------------------------------------------------------------------------------

    def _assemble(self) -> bytes:
        objects: list[bytes] = []  # object n is objects[n - 1]

        def add(body: bytes) -> int:
            objects.append(body)
            return len(objects)

        catalog = add(b"")  # filled in below
        pages = add(b"")
        regular = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
        bold = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
        kids = []
        total = len(self.pages)
        for number, content in enumerate(self.pages, start=1):
            footer = b"BT /F1 7 Tf %.2f %.2f Td %s Tj ET" % (MARGIN, MARGIN / 2, _encode(f"{number} / {total}"))
            stream = zlib.compress(b"0.6 w\n" + b"\n".join([*content, footer]))
            contents = add(b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(stream), stream))
            kids.append(
                add(
                    b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] /Contents %d 0 R "
                    b"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> >>"
                    % (pages, PAGE_WIDTH, PAGE_HEIGHT, contents, regular, bold)
                )
            )
        objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages
        objects[pages - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
            b" ".join(b"%d 0 R" % k for k in kids),
            len(kids),
        )
        info = add(b"<< /Title %s /Producer (Timepiece CRM) >>" % _encode(self.document.title))

        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(objects, start=1):
            offsets.append(len(out))
            out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
        out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
            len(objects) + 1,
            catalog,
            info,
            xref,
        )
        return bytes(out)
