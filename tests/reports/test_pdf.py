"""The minimal PDF writer: the file parses (header, objects at their xref offsets, trailer, startxref)."""

import re
import zlib

from reports.pdf import Document, text_width


def parse(data: bytes) -> dict:
    """A strict little reader: checks the structure a PDF reader relies on and returns the page streams."""
    assert data.startswith(b"%PDF-1.4\n")
    assert data.rstrip().endswith(b"%%EOF")
    startxref = int(re.search(rb"startxref\n(\d+)\n%%EOF\s*$", data).group(1))
    assert data[startxref : startxref + 5] == b"xref\n"
    header = re.match(rb"xref\n0 (\d+)\n", data[startxref:])
    count = int(header.group(1))
    entries = data[startxref + header.end() :].split(b"trailer")[0]
    rows = [entries[i : i + 20] for i in range(0, len(entries), 20)]
    assert len(rows) == count
    assert rows[0] == b"0000000000 65535 f \n"
    objects = {}
    for number, row in enumerate(rows[1:], start=1):
        assert len(row) == 20
        assert row.endswith(b" 00000 n \n")
        offset = int(row[:10])
        assert data[offset:].startswith(b"%d 0 obj\n" % number), number
        objects[number] = data[offset : data.index(b"endobj", offset)]
    trailer = data[data.index(b"trailer", startxref) :]
    assert b"/Size %d" % count in trailer
    root = int(re.search(rb"/Root (\d+) 0 R", trailer).group(1))
    assert b"/Type /Catalog" in objects[root]
    pages = int(re.search(rb"/Pages (\d+) 0 R", objects[root]).group(1))
    kids = [int(k) for k in re.findall(rb"(\d+) 0 R", re.search(rb"/Kids \[(.*?)\]", objects[pages]).group(1))]
    assert b"/Count %d" % len(kids) in objects[pages]
    texts = []
    for kid in kids:
        contents = int(re.search(rb"/Contents (\d+) 0 R", objects[kid]).group(1))
        body = objects[contents]
        length = int(re.search(rb"/Length (\d+)", body).group(1))
        stream = body[body.index(b"stream\n") + 7 :][:length]
        texts.append(zlib.decompress(stream))
    return {"objects": objects, "pages": texts}


def test_a_table_document_parses_and_holds_its_text():
    document = Document("Weekly report (Central)")
    document.heading("Customers")
    document.paragraph("Compared with the previous period. " * 30)
    document.table(["Figure", "Now"], [["Active customers", "1,234"], ["Revenue", "HK$3,000.00"]], ["l", "r"])
    parsed = parse(document.render())
    assert len(parsed["pages"]) == 1
    page = parsed["pages"][0]
    assert b"(Weekly report \\(Central\\)) Tj" in page
    assert b"(Active customers) Tj" in page
    assert b"(HK$3,000.00) Tj" in page
    assert any(b"/BaseFont /Helvetica " in body for body in parsed["objects"].values())


def test_long_tables_break_across_pages_and_repeat_their_header():
    document = Document("Long")
    document.table(["Figure", "Value"], [[f"Row {i}", str(i)] for i in range(150)], ["l", "r"])
    parsed = parse(document.render())
    assert len(parsed["pages"]) >= 3
    assert all(b"(Figure) Tj" in page for page in parsed["pages"])
    assert b"(Row 149) Tj" in b"".join(parsed["pages"])


def test_chinese_cannot_be_shown_with_a_standard_font_and_is_replaced():
    parsed = parse(Document("Report 報告").render())
    assert b"(Report ??) Tj" in parsed["pages"][0]


def test_cells_too_wide_are_cut_with_an_ellipsis():
    document = Document("Wide")
    document.table(["A"] * 6, [["x" * 200] * 6])
    page = parse(document.render())["pages"][0]
    assert b"...) Tj" in page
    assert text_width("x" * 10, 10) > 0
