"""Import people from the CSV or XLSX that a personnel system exports."""

import csv
import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook
from sqlalchemy import select

from lms.admin.models import ImportBatch
from lms.auth.models import Role, Unit, User
from lms.auth.nip import NipError, check_nip
from lms.auth.services import issue_one_time_password
from lms.core import audit
from lms.core.db import taken
from lms.extensions import db

#: Header spellings seen in personnel exports, folded to letters only.
ALIASES = {
    "nip": {"nip", "nipbaru", "nomorindukpegawai"},
    "name": {"nama", "name", "namalengkap", "namapegawai", "namadengangelar"},
    "email": {"email", "surel", "alamatemail", "surelemail"},
    "unit": {
        "unit",
        "unitkerja",
        "opd",
        "satuankerja",
        "skpd",
        "unitorganisasi",
        "perangkatdaerah",
    },
    "position": {"jabatan", "position", "namajabatan"},
    "rank": {"golongan", "pangkat", "pangkatgolongan", "golru", "golonganruang", "rank"},
}
REQUIRED = ("nip", "name", "unit")
COLUMN_HELP = (
    ("NIP", _l("18 digits, as text (required)")),
    ("Nama", _l("full name (required)")),
    ("Unit Kerja", _l("unit name or code as in Bina ASN (required)")),
    ("Email", _l("optional")),
    ("Jabatan", _l("position, optional")),
    ("Golongan", _l("rank, optional")),
)
#: How long an import's one-time passwords wait for their download.
CREDENTIALS_TTL = timedelta(hours=24)


@dataclass
class ImportReport:
    filename: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # line, nip, reason
    #: A problem with the whole file (unreadable, missing columns): nothing was imported.
    fatal: str = ""
    batch_token: str | None = None

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.errors)


class FileProblem(ValueError):
    pass


def _fold(header) -> str:
    return re.sub(r"[^a-z]", "", str(header or "").lower())


def _read_rows(stream: IO[bytes], filename: str) -> list[tuple[int, list]]:
    """Return (line number, cells) for each row, the header first."""
    data = stream.read()
    if data[:2] == b"PK":
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as e:  # openpyxl raises many kinds for a damaged file
            raise FileProblem(
                _("The XLSX file could not be read: %(err)s", err=type(e).__name__)
            ) from None
        ws = wb.active
        rows = [(i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), start=1)]
        wb.close()
        return rows
    if filename.lower().endswith(".xlsx"):
        raise FileProblem(_("This file is not a real XLSX file."))
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileProblem(_("This file is not a CSV text file."))
    if "\x00" in text:
        raise FileProblem(_("This file is not a CSV text file."))
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    return [(reader.line_num, row) for row in reader]


def _cell(value) -> str:
    if value is None:
        return ""
    return str(value).strip()


def import_people(
    stream: IO[bytes], filename: str, *, actor: User | None, now: datetime, ip: str = ""
) -> ImportReport:
    """Import valid rows, report every invalid one; rows are matched to people by NIP."""
    report = ImportReport(filename=filename)
    try:
        rows = _read_rows(stream, filename)
        columns = _columns(rows[0][1] if rows else [])
    except FileProblem as e:
        report.fatal = str(e)
        return report

    units = {}
    for unit in db.session.scalars(select(Unit)):
        units[unit.name.casefold()] = unit
        if unit.code:
            units[unit.code.casefold()] = unit
    nips = {_nip_text(r[columns["nip"]]) for _, r in rows[1:] if len(r) > columns["nip"]}
    existing = {
        u.nip: u
        for chunk in _chunks(sorted(nips), 500)
        for u in db.session.scalars(select(User).where(User.nip.in_(chunk)))
    }
    seen: dict[str, int] = {}
    credentials: list[tuple[str, str, str, str]] = []

    for line, cells in rows[1:]:
        values = {k: cells[i] if i < len(cells) else None for k, i in columns.items()}
        if all(_cell(v) == "" for v in values.values()):
            continue
        raw_nip = values["nip"]
        try:
            person = _validate(values, units, today=now.date())
        except ValueError as e:
            report.errors.append((line, _cell(raw_nip), str(e)))
            continue
        nip = person["nip"]
        if nip in seen:
            report.errors.append(
                (line, nip, _("This NIP already appears on line %(line)d.", line=seen[nip]))
            )
            continue
        seen[nip] = line
        user = existing.get(nip)
        if taken(User.email, person.get("email"), other_than=user):
            report.errors.append((line, nip, _("Another person already has this e-mail address.")))
            continue
        if user is None:
            user = User(created_at=now, **person)
            user.set_roles({Role.ASN})
            password = issue_one_time_password(user)
            db.session.add(user)
            db.session.flush()
            existing[nip] = user
            credentials.append((nip, user.name, user.unit.name, password))
            audit.record_save("user", user, None, user.as_audit(), now=now, actor=actor, ip=ip)
            report.created += 1
            continue
        before = user.as_audit()
        for key, value in person.items():
            setattr(user, key, value)
        user.set_roles(user.roles | {Role.ASN})
        db.session.flush()
        if audit.record_save("user", user, before, user.as_audit(), now=now, actor=actor, ip=ip):
            report.updated += 1
        else:
            report.unchanged += 1

    summary = {
        "filename": filename,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "invalid": len(report.errors),
    }
    batch = ImportBatch(
        token=secrets.token_urlsafe(24),
        filename=filename[:255],
        actor_id=actor.id if actor else None,
        created_at=now,
        summary=summary,
        credentials=_credentials_csv(credentials) if credentials else None,
    )
    db.session.add(batch)
    audit.record(
        "people.import",
        now=now,
        actor=actor,
        target=f"import:{filename[:100]}",
        after=summary,
        ip=ip,
    )
    db.session.flush()
    if credentials:
        report.batch_token = batch.token
    return report


def _columns(header: list) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, name in enumerate(header):
        folded = _fold(name)
        for key, spellings in ALIASES.items():
            if folded in spellings and key not in found:
                found[key] = index
    missing = [k for k in REQUIRED if k not in found]
    if missing:
        names = {"nip": "NIP", "name": "Nama", "unit": "Unit Kerja"}
        raise FileProblem(
            _(
                "The first row must name the columns; missing: %(cols)s.",
                cols=", ".join(names[k] for k in missing),
            )
        )
    return found


def _nip_text(value) -> str:
    """The NIP as spreadsheets write it (a leading apostrophe, spaces), as it is stored."""
    return "".join(_cell(value).lstrip("'").split())


def _validate(values: dict, units: dict, *, today) -> dict:
    raw_nip = values["nip"]
    if isinstance(raw_nip, (int, float)):
        raise ValueError(
            _("The NIP is stored as a number, which loses digits; format the column as text.")
        )
    nip_text = _nip_text(raw_nip)
    if not nip_text:
        raise ValueError(_("The NIP is empty."))
    try:
        nip = check_nip(nip_text, today)
    except NipError as e:
        raise ValueError(str(e)) from None
    name = _cell(values["name"])
    if not name:
        raise ValueError(_("The name is empty."))
    if len(name) > 200:
        raise ValueError(_("The name is longer than 200 characters."))
    unit_name = _cell(values["unit"])
    unit = units.get(unit_name.casefold())
    if unit is None:
        raise ValueError(
            _("Unknown unit \u201c%(unit)s\u201d; add it under Units first.", unit=unit_name)
        )
    email = _cell(values.get("email")).lower() or None
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            raise ValueError(_("The e-mail address is not valid.")) from None
    person = {
        "nip": nip,
        "name": name,
        "email": email,
        "unit": unit,
        "position": _cell(values.get("position"))[:200],
        "rank": _cell(values.get("rank"))[:100],
    }
    # A column the file does not have leaves that detail of a known person alone.
    return {k: v for k, v in person.items() if k in values}


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _credentials_csv(rows: list[tuple[str, str, str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["NIP", "Nama", "Unit Kerja", "Kata sandi sekali pakai"])
    writer.writerows(rows)
    return out.getvalue()


def batch_by_token(token: str) -> ImportBatch | None:
    return db.session.scalar(select(ImportBatch).where(ImportBatch.token == token))


def take_credentials(
    batch: ImportBatch, *, actor: User | None, now: datetime, ip: str = ""
) -> str | None:
    """Return the batch's one-time passwords and erase them; None once taken or expired."""
    data = batch.credentials
    if data is None or now - batch.created_at > CREDENTIALS_TTL:
        batch.credentials = None
        return None
    batch.credentials = None
    batch.downloaded_at = now
    audit.record(
        "people.import_passwords_downloaded",
        now=now,
        actor=actor,
        target=f"import:{batch.id}",
        ip=ip,
    )
    db.session.flush()
    return data
