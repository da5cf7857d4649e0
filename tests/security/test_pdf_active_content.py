"""Quote attachments: PDFs are checked by a parser, so escapes and object streams cannot hide actions."""

from __future__ import annotations

import io
import zlib

import pytest

from storefront.quotes.pdfcheck import active_content


def _plain_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _with_catalog_extra(extra: str) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_plain_pdf())))
    if extra == "uri":
        action = DictionaryObject({NameObject("/S"): NameObject("/URI"),
                                   NameObject("/URI"): TextStringObject("http://evil.example")})
        writer._root_object[NameObject("/OpenAction")] = action
    elif extra == "submit":
        action = DictionaryObject({NameObject("/S"): NameObject("/SubmitForm")})
        writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): action})
    elif extra == "embedded":
        writer.add_attachment("x.exe", b"MZ")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _object_stream_pdf(catalog_extra: bytes) -> bytes:
    """A PDF 1.5 whose catalog lives inside a compressed object stream (FlateDecode)."""
    objs = {1: b"<</Type/Catalog/Pages 2 0 R" + catalog_extra + b">>",
            2: b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
            3: b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>"}
    header, body = b"", b""
    for num, data in objs.items():
        header += f"{num} {len(body)} ".encode()
        body += data + b"\n"
    stream = zlib.compress(header + body)
    out = bytearray(b"%PDF-1.5\n")
    off4 = len(out)
    out += (f"4 0 obj<</Type/ObjStm/N 3/First {len(header)}/Filter/FlateDecode/Length {len(stream)}>>"
            "stream\n").encode() + stream + b"\nendstream endobj\n"
    # Cross-reference stream: type 2 entries point into object stream 4.
    rows = [b"\x00\x00\x00\xff\xff"]
    for i in range(3):
        rows.append(b"\x02\x00\x00\x04" + bytes([i]))
    rows.append(b"\x01" + off4.to_bytes(3, "big") + b"\x00")
    xref_data = b"".join(rows)
    off5 = len(out)
    rows.append(b"")
    xref_data += b"\x01" + off5.to_bytes(3, "big") + b"\x00"
    out += (f"5 0 obj<</Type/XRef/Size 6/W[1 3 1]/Root 1 0 R/Length {len(xref_data)}>>stream\n"
            ).encode() + xref_data + b"\nendstream endobj\n"
    out += f"startxref\n{off5}\n%%EOF\n".encode()
    return bytes(out)


def test_plain_pdf_passes():
    assert active_content(_plain_pdf()) is None
    assert active_content(_object_stream_pdf(b"")) is None


@pytest.mark.parametrize("extra", ["uri", "submit", "embedded"])
def test_actions_and_embedded_files_refused(extra):
    assert active_content(_with_catalog_extra(extra)) is not None


def test_name_escape_and_object_stream_refused():
    # "/J#61vaScript" is "/JavaScript" written with a name escape, inside a compressed stream.
    hidden = b"/OpenAction<</S/J#61vaScript/JS(app.alert(1))>>"
    assert active_content(_object_stream_pdf(hidden)) is not None
    escaped_only = b"/Names<</J#61vaScript 6 0 R>>"
    assert active_content(_object_stream_pdf(escaped_only)) == "/JavaScript"


def test_garbage_after_header_refused():
    assert active_content(b"%PDF-1.4\n" + b"\x00" * 100) == "unreadable"


def test_attachment_check_uses_the_parser():
    from storefront.errors import ValidationError
    from storefront.quotes.attachments import check

    check("spec.pdf", _plain_pdf())
    with pytest.raises(ValidationError):
        check("spec.pdf", _object_stream_pdf(b"/OpenAction<</S/J#61vaScript/JS(x)>>"))
