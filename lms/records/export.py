"""The ledger as a file for SIASN's "Riwayat Diklat/Kursus" upload: CSV or XLSX.

The column names and the activity kinds are in Bahasa Indonesia whatever the user's language:
they are the vocabulary of the national personnel system, not text of this site.

CSV: UTF-8 with a byte-order mark (so Excel reads the accents), fields separated by `;` (the
list separator of Excel in Indonesian regional settings, where `,` is the decimal mark), CRLF
line ends. XLSX: one sheet; NIPs are text cells (format "@"), never numbers, so no digit is lost.
"""

import csv
import io
from collections.abc import Iterable
from datetime import date

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from slugify import slugify
from sqlalchemy import select

from lms.auth.models import Unit, User
from lms.extensions import db
from lms.records.models import EntryKind, LedgerEntry
from lms.records.services import in_year

COLUMNS = (
    "NIP",
    "Nama",
    "Unit Kerja",
    "Nama Diklat/Kursus",
    "Jenis Kegiatan",
    "Penyelenggara",
    "Tanggal Mulai",
    "Tanggal Selesai",
    "Tahun",
    "Jumlah JP",
    "Nomor Sertifikat",
)
#: Column widths in the XLSX, in characters.
WIDTHS = (21, 30, 30, 45, 16, 30, 14, 14, 7, 10, 24)
DELIMITER = ";"
#: The kinds as SIASN names them.
KIND_NAMES = {
    EntryKind.COURSE: "Kursus",
    EntryKind.CLASS: "Pelatihan Klasikal",
    EntryKind.SEMINAR: "Seminar",
    EntryKind.WORKSHOP: "Workshop",
    EntryKind.TRAINING: "Pelatihan",
    EntryKind.COACHING: "Coaching",
    EntryKind.MENTORING: "Mentoring",
    EntryKind.OTHER: "Lainnya",
}
#: A cell starting with one of these is a formula to a spreadsheet.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def rows(year: int, unit: Unit | None = None) -> list[tuple]:
    """One row per ledger entry counting in `year` (of the unit's people, or everyone's)."""
    stmt = (
        select(
            User.nip,
            User.name,
            Unit.name,
            LedgerEntry.title,
            LedgerEntry.kind,
            LedgerEntry.organizer,
            LedgerEntry.start_date,
            LedgerEntry.end_date,
            LedgerEntry.jp,
            LedgerEntry.certificate_number,
        )
        .join(User, LedgerEntry.user_id == User.id)
        .outerjoin(Unit, User.unit_id == Unit.id)
        .where(in_year(year))
        .order_by(Unit.name, User.name, User.id, LedgerEntry.end_date, LedgerEntry.id)
    )
    if unit is not None:
        stmt = stmt.where(User.unit_id == unit.id)
    out = []
    for nip, name, unit_name, title, kind, organizer, start, end, jp, cert in db.session.execute(
        stmt
    ):
        out.append(
            (
                nip or "",
                name,
                unit_name or "",
                title,
                KIND_NAMES.get(kind, str(kind)),
                organizer,
                start,
                end,
                end.year,
                jp,
                cert or "",
            )
        )
    return out


def file_name(year: int, unit: Unit | None, fmt: str) -> str:
    """E.g. riwayat-diklat-disdik-2026.csv, or riwayat-diklat-kota-makassar-2026.xlsx."""
    if unit is None:
        return f"riwayat-diklat-kota-makassar-{year}.{fmt}"
    scope = slugify(unit.code or "") or f"unit-{unit.id}"
    return f"riwayat-diklat-{scope}-{year}.{fmt}"


def _text(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _defuse(value: str) -> str:
    """Keep a spreadsheet from running a title such as "=HYPERLINK(...)" as a formula."""
    # A lone "-" (a common placeholder) is no formula and stays as it is.
    return "'" + value if len(value) > 1 and value.startswith(FORMULA_START) else value


def to_csv(data: Iterable[tuple]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in data:
        writer.writerow([v if isinstance(v, int) else _defuse(_text(v)) for v in row])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(data: Iterable[tuple], title: str = "Riwayat Diklat") -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    for i, width in enumerate(WIDTHS):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in COLUMNS:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in data:
        nip = WriteOnlyCell(ws, value=row[0])
        nip.data_type, nip.number_format = "s", "@"  # a NIP must never become 1.99E+17
        cells = [nip]
        for value in row[1:]:
            if isinstance(value, str) and value.startswith("="):
                # openpyxl would write it as a formula; keep it text.
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"
                value = cell
            elif isinstance(value, date):
                value = value.isoformat()
            cells.append(value)
        ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
