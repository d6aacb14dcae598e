"""What an uploaded file really is, read from its content (never from its name or declared type)."""

from __future__ import annotations

import io
import zipfile

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SIGNATURES = {b"%PDF-": PDF, b"\xff\xd8\xff": JPEG, b"\x89PNG\r\n\x1a\n": PNG}
LABELS = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG", XLSX: "XLSX", DOCX: "DOCX"}


def sniff(content: bytes) -> str | None:
    """The type a file really is (from its first bytes; an Office file from its package's main part), or None."""
    found = next((kind for magic, kind in SIGNATURES.items() if content.startswith(magic)), None)
    if found or not content.startswith(b"PK\x03\x04"):
        return found
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "xl/workbook.xml" in names:
        return XLSX
    if "word/document.xml" in names:
        return DOCX
    return None
