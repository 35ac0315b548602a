"""The registration certificate (技术合同登记证明) as a PDF, from plain data.

Uses reportlab's built-in Adobe CID font STSong-Light, which any PDF reader renders in Chinese
without a font file on the server. Streams are left uncompressed (the page is small) and the
output is invariant, so the same certificate always gives the same bytes and its text can be
searched and checked."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"


@dataclass(frozen=True)
class CertificateParty:
    role: str
    name: str
    uscc: str
    region: str


@dataclass(frozen=True)
class CertificateData:
    """Every text of the certificate, already translated and formatted by the caller."""

    heading: str
    rows: Sequence[tuple[str, str]]  # (label, value) in print order
    party_heading: str
    party_columns: tuple[str, str, str, str]
    parties: Sequence[CertificateParty] = field(default_factory=list)
    verification: str = ""
    title: str = ""
    reference: str = ""  # the registration number, also stored in the file's metadata


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _text(value: str) -> str:
    return escape(value or "—")


def _cell(value: str, style: ParagraphStyle, latin: ParagraphStyle) -> Paragraph:
    # Numbers and codes in a Latin font: they read better, and stay searchable in the file
    # (the CID font stores every character as a two-byte code).
    return Paragraph(_text(value), latin if (value or "—").isascii() else style)


def certificate_pdf(data: CertificateData) -> bytes:
    font = _font()
    heading = ParagraphStyle("heading", fontName=font, fontSize=18, leading=26, alignment=1, spaceAfter=8)
    label = ParagraphStyle(
        "label", fontName=font, fontSize=10, leading=14, textColor=colors.HexColor("#616e7c")
    )
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=15, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=13)
    latin = ParagraphStyle("latin", parent=body, fontName="Helvetica")

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=data.title or data.heading,
        subject=data.reference,
        invariant=1,
        pageCompression=0,
    )
    frame = colors.HexColor("#e4e7eb")
    rows = Table(
        [[Paragraph(_text(name), label), _cell(value, body, latin)] for name, value in data.rows],
        colWidths=[38 * mm, None],
    )
    rows.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, frame),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#fafbfc")),
            ]
        )
    )
    party_rows = [[Paragraph(_text(c), label) for c in data.party_columns]] + [
        [
            Paragraph(_text(p.role), body),
            Paragraph(_text(p.name), body),
            _cell(p.uscc, small, latin),
            Paragraph(_text(p.region), body),
        ]
        for p in data.parties
    ]
    parties = Table(party_rows, colWidths=[22 * mm, None, 45 * mm, 35 * mm], repeatRows=1)
    parties.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, frame),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#fafbfc")),
            ]
        )
    )
    story = [
        Paragraph(_text(data.heading), heading),
        rows,
        Spacer(1, 6 * mm),
        Paragraph(_text(data.party_heading), label),
        Spacer(1, 2 * mm),
        parties,
    ]
    if data.verification:
        story += [Spacer(1, 8 * mm), Paragraph(_text(data.verification), small)]
    document.build(story)
    return buffer.getvalue()
