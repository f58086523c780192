"""What kind of file a report is, from its first bytes (not its suffix), and why some cannot be read."""

from __future__ import annotations

import io
import re
import zipfile

_OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_HTML_START = re.compile(rb"^(?:\s|<!--.*?-->|<\?xml[^>]*>)*<(?:!doctype\s+html|html|head|body|meta)[\s>/]", re.I | re.S)

# Word's auto-numbering text is not in the paragraph, and neither are text boxes: both are lost.


def sniff(data: bytes) -> str | None:
    """The file type the bytes really are, whatever the suffix says; None for plain text.

    "pdf", "docx", "zip" (any other zip), "ole2" (old .doc/.xls or an encrypted .docx),
    "rtf" or "html".

    >>> sniff(b"%PDF-1.7\\n..."), sniff(b"<!DOCTYPE html><html>"), sniff("创建".encode())
    ('pdf', 'html', None)
    """
    head = data[:1024]
    # The spec lets junk precede the header within the first KB; a text that merely mentions
    # %PDF- has no end-of-file marker.
    if data.startswith(b"%PDF-") or (b"%PDF-" in head and b"%%EOF" in data[-2048:]):
        return "pdf"
    if data.startswith(_ZIP_MAGICS):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                return "docx" if "word/document.xml" in zf.namelist() else "zip"
        except (zipfile.BadZipFile, OSError, ValueError):
            return "zip"  # a corrupt or truncated zip: most likely a damaged .docx
    if data.startswith(_OLE2_MAGIC):
        return "ole2"
    if head.lstrip().startswith(b"{\\rtf"):
        return "rtf"
    text_head = _head_text(head)
    if text_head is not None and _HTML_START.match(text_head):
        return "html"
    return None


def _head_text(head: bytes) -> bytes | None:
    """The first bytes as ASCII-compatible bytes, so UTF-16 HTML is recognised too."""
    for bom, enc in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[2:].decode(enc, errors="ignore").encode("utf-8", errors="ignore")
    return head.removeprefix(b"\xef\xbb\xbf")


def ole2_reason(data: bytes) -> str:
    """Why an OLE2 compound file cannot be read: an encrypted .docx, an old .xls/.ppt, or an old .doc."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        return "password-protected Word file; remove the password in Word and save again"
    if "WordDocument".encode("utf-16-le") not in data and any(
        name.encode("utf-16-le") in data for name in ("Workbook", "PowerPoint Document")
    ):
        return "old Excel or PowerPoint file, not a report; save the text as .docx"
    return "old Word .doc format; convert to .docx"


def zip_reason(data: bytes) -> str:
    """Why a zip file named .docx is not read."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return "corrupt Word .docx file (damaged zip archive)"
    if "xl/workbook.xml" in names or "ppt/presentation.xml" in names:
        return "Excel or PowerPoint file named .docx, not a Word document"
    return "not a Word .docx file (zip archive without word/document.xml)"
