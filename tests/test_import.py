"""Importing people from a personnel export: the web page, the one-time passwords, the CLI."""

import csv
import html
import io
import json
import os
import re
import stat
from datetime import timedelta
from functools import partial

import pytest
from flask_babel import gettext
from openpyxl import Workbook
from sqlalchemy import func, select

from lms.admin.models import ImportBatch
from lms.auth.models import Role, User
from lms.core.audit import AuditEntry
from lms.extensions import db

HEADER = ["NIP", "Nama", "Email", "Unit Kerja", "Jabatan", "Golongan"]
NIP_A = "198503152010011002"
NIP_B = "199207212019032001"
NIP_C = "197811302005011003"


@pytest.fixture
def units(make_unit):
    return {
        "dinkes": make_unit("Dinas Kesehatan", code="DINKES"),
        "disdik": make_unit("Dinas Pendidikan", code="1.01.0.00"),
    }


def csv_bytes(rows, delimiter=";", encoding="utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, *, text_columns=(0,)) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    for row in ws.iter_rows():
        for cell in row:
            if cell.column - 1 in text_columns and isinstance(cell.value, str):
                cell.number_format = "@"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, content: bytes, filename: str = "people.csv"):
    return client.post_form(
        "/admin/impor",
        {"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def counts(page: str) -> dict[str, int]:
    """The four numbers of the report: new, updated, unchanged, invalid."""
    block = re.search(r'<dl class="stats">(.*?)</dl>', page, re.S)
    assert block, "the report shows no counts"
    numbers = [int(re.sub(r"\D", "", n)) for n in re.findall(r"<dd>([^<]*)</dd>", block.group(1))]
    return dict(zip(("created", "updated", "unchanged", "invalid"), numbers, strict=True))


def invalid_rows(page: str) -> dict[int, tuple[str, str]]:
    """Line number -> (NIP, reason) for each row the report lists as not imported."""
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", page)
    return {int(line): (html.unescape(nip), html.unescape(reason)) for line, nip, reason in rows}


def download_token(page: str) -> str | None:
    match = re.search(r'action="/admin/impor/([^/"]+)/kata-sandi\.csv"', page)
    return match.group(1) if match else None


def message(app, text: str, **kw) -> str:
    """The message as the app shows it, in whichever language the app speaks in tests."""
    with app.test_request_context("/"):
        return gettext(text, **kw)


def people_count() -> int:
    return db.session.scalar(select(func.count(User.id)))


def user_audit_count() -> int:
    return db.session.scalar(
        select(func.count(AuditEntry.id)).where(AuditEntry.action.like("user.%"))
    )


def person(nip: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.nip == nip))


def two_people(units) -> list[list[str]]:
    return [
        HEADER,
        [
            NIP_A,
            "Andi Wijaya, S.Kom., M.Si.",
            "Andi.Wijaya@Makassar.go.id",
            "dinas kesehatan",
            "Pranata Komputer",
            "III/c",
        ],
        [NIP_B, "Nurul Fadhilah", "", "DINKES", "Perawat", "III/a"],
    ]


def assert_two_people_imported(units):
    andi, nurul = person(NIP_A), person(NIP_B)
    assert andi.name == "Andi Wijaya, S.Kom., M.Si."
    assert andi.email == "andi.wijaya@makassar.go.id"
    assert andi.unit_id == units["dinkes"].id
    assert (andi.position, andi.rank) == ("Pranata Komputer", "III/c")
    assert nurul.name == "Nurul Fadhilah"
    assert nurul.email is None
    assert nurul.unit_id == units["dinkes"].id
    for p in (andi, nurul):
        assert p.roles == {Role.ASN}
        assert p.must_change_password is True
        assert p.active is True
        assert p.password_hash.startswith("$argon2")


# Valid files -------------------------------------------------------------------------------


def test_semicolon_csv_creates_people(admin_client, units):
    response = upload(admin_client, csv_bytes(two_people(units), delimiter=";"))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert counts(page) == {"created": 2, "updated": 0, "unchanged": 0, "invalid": 0}
    assert invalid_rows(page) == {}
    assert_two_people_imported(units)


def test_comma_csv_with_bom_and_other_header_spellings(admin_client, units):
    rows = [
        ["NIP Baru", "Nama Lengkap", "E-mail", "Satuan Kerja", "Nama Jabatan", "Pangkat/Golongan"],
        *two_people(units)[1:],
        [NIP_C, "Muhammad Rais", "", "1.01.0.00", "Guru", "IV/a"],
    ]
    content = "\ufeff".encode() + csv_bytes(rows, delimiter=",")

    page = upload(admin_client, content).get_data(as_text=True)

    assert counts(page) == {"created": 3, "updated": 0, "unchanged": 0, "invalid": 0}
    assert_two_people_imported(units)
    assert person(NIP_C).unit_id == units["disdik"].id


def test_csv_in_windows_encoding(admin_client, units):
    rows = [["NIP", "Nama", "Unit Kerja"], [NIP_A, "Daéng Mangkasara", "Dinas Kesehatan"]]

    page = upload(admin_client, csv_bytes(rows, encoding="cp1252")).get_data(as_text=True)

    assert counts(page)["created"] == 1
    assert person(NIP_A).name == "Daéng Mangkasara"


def test_xlsx_with_text_nips_creates_people(admin_client, units):
    content = xlsx_bytes(two_people(units))

    page = upload(admin_client, content, "pegawai.xlsx").get_data(as_text=True)

    assert counts(page) == {"created": 2, "updated": 0, "unchanged": 0, "invalid": 0}
    assert_two_people_imported(units)


def test_blank_rows_are_skipped(admin_client, units):
    rows = [HEADER, two_people(units)[1], ["", "", "", "", "", ""], two_people(units)[2]]

    page = upload(admin_client, csv_bytes(rows)).get_data(as_text=True)

    assert counts(page) == {"created": 2, "updated": 0, "unchanged": 0, "invalid": 0}


# Invalid rows ------------------------------------------------------------------------------


def test_invalid_rows_are_listed_and_valid_rows_imported(app, admin_client, units, make_user):
    owner = make_user("Siti Aminah", nip="198001012005012001", email="siti@makassar.go.id")
    rows = [
        HEADER,  # line 1
        [NIP_A, "Andi", "", "Dinas Kesehatan", "", ""],  # 2: valid
        ["19850315201001100A", "Huruf", "", "Dinas Kesehatan", "", ""],  # 3
        ["19850315201001100", "Pendek", "", "Dinas Kesehatan", "", ""],  # 4: 17 digits
        ["198513152010011002", "Lahir", "", "Dinas Kesehatan", "", ""],  # 5: month 13
        ["198503152010131002", "Angkat", "", "Dinas Kesehatan", "", ""],  # 6: month 13
        ["198503152010013002", "Kelamin", "", "Dinas Kesehatan", "", ""],  # 7: gender 3
        ["198503152010011000", "Urut", "", "Dinas Kesehatan", "", ""],  # 8: sequence 000
        ["198503151995011002", "Muda", "", "Dinas Kesehatan", "", ""],  # 9: appointed at 9
        ["197001012000011001", "  ", "", "Dinas Kesehatan", "", ""],  # 10: no name
        ["197001012000011002", "Unit", "", "Dinas Antah Berantah", "", ""],  # 11
        ["197001012000011003", "Surel", "bukan-email", "Dinas Kesehatan", "", ""],  # 12
        [NIP_A, "Andi Lagi", "", "Dinas Kesehatan", "", ""],  # 13: repeated NIP
        ["197001012000011004", "Pemilik", "SITI@makassar.go.id", "Dinas Kesehatan", "", ""],  # 14
        ["", "Tanpa NIP", "", "Dinas Kesehatan", "", ""],  # 15
        [NIP_B, "Nurul", "nurul@makassar.go.id", "DinKes", "", ""],  # 16: valid
    ]
    before = people_count()

    page = upload(admin_client, csv_bytes(rows)).get_data(as_text=True)

    assert counts(page) == {"created": 2, "updated": 0, "unchanged": 0, "invalid": 13}
    listed = invalid_rows(page)
    m = partial(message, app)
    assert listed == {
        3: ("19850315201001100A", m("A NIP contains digits only.")),
        4: ("19850315201001100", m("A NIP has 18 digits; this one has %(n)d.", n=17)),
        5: (
            "198513152010011002",
            m("Digits 1–8 of the NIP must be a valid birth date (yyyymmdd)."),
        ),
        6: (
            "198503152010131002",
            m("Digits 13–14 of the NIP must be the month of appointment (01–12)."),
        ),
        7: ("198503152010013002", m("Digit 15 of the NIP must be 1 (male) or 2 (female).")),
        8: ("198503152010011000", m("Digits 16–18 of the NIP are a sequence number from 001.")),
        9: (
            "198503151995011002",
            m("Digits 9–14 of the NIP must be the year and month of appointment (yyyymm)."),
        ),
        10: ("197001012000011001", m("The name is empty.")),
        11: (
            "197001012000011002",
            m(
                "Unknown unit \u201c%(unit)s\u201d; add it under Units first.",
                unit="Dinas Antah Berantah",
            ),
        ),
        12: ("197001012000011003", m("The e-mail address is not valid.")),
        13: (NIP_A, m("This NIP already appears on line %(line)d.", line=2)),
        14: ("197001012000011004", m("Another person already has this e-mail address.")),
        15: ("", m("The NIP is empty.")),
    }
    assert people_count() == before + 2
    assert person(NIP_A).name == "Andi"
    assert person(NIP_B).email == "nurul@makassar.go.id"
    for _line, (nip, _reason) in listed.items():
        if nip not in (NIP_A, ""):
            assert person(nip) is None
    db.session.refresh(owner)
    assert owner.email == "siti@makassar.go.id"
    assert owner.name == "Siti Aminah"


def test_xlsx_nip_stored_as_number_is_reported(app, admin_client, units):
    rows = [
        HEADER,
        [int(NIP_A), "Angka", None, "Dinas Kesehatan", None, None],
        [NIP_B, "Teks", None, "Dinas Kesehatan", None, None],
        [float(NIP_C), "Pecahan", None, "Dinas Kesehatan", None, None],
    ]

    page = upload(admin_client, xlsx_bytes(rows), "pegawai.xlsx").get_data(as_text=True)

    assert counts(page) == {"created": 1, "updated": 0, "unchanged": 0, "invalid": 2}
    reason = message(
        app, "The NIP is stored as a number, which loses digits; format the column as text."
    )
    assert {line: r for line, (_nip, r) in invalid_rows(page).items()} == {2: reason, 4: reason}
    assert person(NIP_B).name == "Teks"
    assert person(NIP_A) is None
    assert db.session.scalar(select(func.count(User.id)).where(User.name == "Angka")) == 0


# Importing again ---------------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing(admin_client, units):
    content = csv_bytes(two_people(units))
    upload(admin_client, content)
    hashes = {nip: person(nip).password_hash for nip in (NIP_A, NIP_B)}
    versions = {nip: person(nip).session_version for nip in (NIP_A, NIP_B)}
    people, user_entries = people_count(), user_audit_count()

    page = upload(admin_client, content).get_data(as_text=True)

    assert counts(page) == {"created": 0, "updated": 0, "unchanged": 2, "invalid": 0}
    assert download_token(page) is None
    assert people_count() == people
    assert user_audit_count() == user_entries
    assert {nip: person(nip).password_hash for nip in (NIP_A, NIP_B)} == hashes
    assert {nip: person(nip).session_version for nip in (NIP_A, NIP_B)} == versions


@pytest.mark.parametrize("spelling", ["1985 0315 2010 01 1 002", "'198503152010011002"])
def test_nip_written_with_spaces_or_apostrophe_matches_on_reimport(admin_client, units, spelling):
    content = csv_bytes([["NIP", "Nama", "Unit Kerja"], [spelling, "Andi", "Dinas Kesehatan"]])
    first = upload(admin_client, content).get_data(as_text=True)
    assert counts(first)["created"] == 1
    assert person(NIP_A).name == "Andi"

    response = upload(admin_client, content)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert counts(page) == {"created": 0, "updated": 0, "unchanged": 1, "invalid": 0}
    assert db.session.scalar(select(func.count(User.id)).where(User.name == "Andi")) == 1


def test_changed_row_updates_the_person_with_an_audit_entry(admin_client, admin_user, units):
    rows = two_people(units)
    upload(admin_client, csv_bytes(rows))
    andi = person(NIP_A)
    hash_before = andi.password_hash
    rows[1][3] = "Dinas Pendidikan"
    rows[1][4] = "Kepala Seksi"

    page = upload(admin_client, csv_bytes(rows)).get_data(as_text=True)

    assert counts(page) == {"created": 0, "updated": 1, "unchanged": 1, "invalid": 0}
    andi = person(NIP_A)
    assert andi.unit_id == units["disdik"].id
    assert andi.position == "Kepala Seksi"
    assert andi.password_hash == hash_before
    entry = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "user.update", AuditEntry.target == f"user:{andi.id}"
        )
    )
    assert entry.actor_id == admin_user.id
    assert entry.before == {"position": "Pranata Komputer", "unit_id": units["dinkes"].id}
    assert entry.after == {"position": "Kepala Seksi", "unit_id": units["disdik"].id}


def test_import_matches_a_person_added_by_hand(admin_client, units, make_user):
    clerk = make_user("Rahmat", nip=NIP_A, email="rahmat@makassar.go.id", roles=(Role.ADMIN,))
    rows = [["NIP", "Nama", "Unit Kerja"], [NIP_A, "Rahmat Hidayat", "Dinas Kesehatan"]]

    page = upload(admin_client, csv_bytes(rows)).get_data(as_text=True)

    assert counts(page) == {"created": 0, "updated": 1, "unchanged": 0, "invalid": 0}
    db.session.expire_all()
    assert clerk.name == "Rahmat Hidayat"
    assert clerk.roles == {Role.ADMIN, Role.ASN}
    # Columns the file does not have are left alone; the person can still log in by e-mail.
    assert clerk.email == "rahmat@makassar.go.id"
    assert clerk.must_change_password is False


# Whole-file problems -----------------------------------------------------------------------


def test_missing_required_columns_imports_nothing(app, admin_client, units):
    rows = [["NIP", "Email", "Jabatan"], [NIP_A, "andi@makassar.go.id", "Staf"]]
    before = people_count()

    page = upload(admin_client, csv_bytes(rows)).get_data(as_text=True)

    expected = message(
        app, "The first row must name the columns; missing: %(cols)s.", cols="Nama, Unit Kerja"
    )
    assert expected in html.unescape(page)
    assert '<dl class="stats">' not in page
    assert people_count() == before
    assert db.session.scalar(select(func.count(ImportBatch.id))) == 0


@pytest.mark.parametrize(
    ("content", "filename", "text"),
    [
        (
            csv_bytes([HEADER, [NIP_A, "Andi", "", "Dinas Kesehatan", "", ""]]),
            "people.xlsx",
            "This file is not a real XLSX file.",
        ),
        (
            b"PK\x03\x04 this is no workbook",
            "people.xlsx",
            "The XLSX file could not be read: %(err)s",
        ),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64),
            "people.csv",
            "This file is not a CSV text file.",
        ),
        (bytes(range(256)) * 8, "people.csv", "This file is not a CSV text file."),
    ],
    ids=["text-named-xlsx", "zip-named-xlsx", "png-named-csv", "binary-named-csv"],
)
def test_unreadable_file_is_refused(app, admin_client, units, content, filename, text):
    before = people_count()

    response = upload(admin_client, content, filename)

    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    expected = message(app, text, err="BadZipFile")
    assert expected in page
    assert message(app, "Nothing was imported.") in page
    assert people_count() == before


def test_other_file_types_are_refused_by_the_form(app, admin_client, units):
    content = csv_bytes(two_people(units))

    response = upload(admin_client, content, "people.txt")

    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert message(app, "Only CSV or XLSX files can be imported.") in page
    assert person(NIP_A) is None


# One-time passwords ------------------------------------------------------------------------


def downloaded(response) -> dict[str, list[str]]:
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["NIP", "Nama", "Unit Kerja", "Kata sandi sekali pakai"]
    return {row[0]: row for row in rows[1:]}


def test_one_time_passwords_download_once_and_log_in(
    app, admin_client, units, make_user, new_client
):
    make_user("Sudah Ada", nip=NIP_C, unit=units["disdik"])
    rows = [*two_people(units), [NIP_C, "Sudah Ada", "", "Dinas Pendidikan", "", ""]]
    page = upload(admin_client, csv_bytes(rows)).get_data(as_text=True)
    token = download_token(page)
    assert token
    url = f"/admin/impor/{token}/kata-sandi.csv"

    assert admin_client.post(url).status_code == 400  # no CSRF token
    response = admin_client.post_form(url)

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]
    credentials = downloaded(response)
    assert set(credentials) == {NIP_A, NIP_B}
    assert credentials[NIP_B][1:3] == ["Nurul Fadhilah", "Dinas Kesehatan"]
    passwords = {nip: row[3] for nip, row in credentials.items()}
    assert all(re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", p) for p in passwords.values())
    assert passwords[NIP_A] not in page and passwords[NIP_B] not in page

    again = admin_client.post_form(url)
    assert again.status_code == 302
    assert again.headers["Location"].endswith("/admin/impor")
    flashed = html.unescape(admin_client.get("/admin/impor").get_data(as_text=True))
    assert (
        message(app, "These one-time passwords were already downloaded and have been erased.")
        in flashed
    )
    batch = db.session.scalar(select(ImportBatch).where(ImportBatch.token == token))
    db.session.refresh(batch)
    assert batch.credentials is None
    assert batch.downloaded_at is not None

    nurul = new_client()
    login = nurul.login(NIP_B, passwords[NIP_B])
    assert login.status_code == 302
    assert login.headers["Location"].startswith("/akun/kata-sandi-baru")
    assert nurul.get("/").headers["Location"].startswith("/akun/kata-sandi-baru")
    new_password = "perahu-pinisi-berlayar-jauh"
    chosen = nurul.post_form(
        "/akun/kata-sandi-baru", {"new_password": new_password, "confirm": new_password}
    )
    assert chosen.status_code == 302
    assert person(NIP_B).must_change_password is False
    assert nurul.get("/").status_code == 200
    assert new_client().login(NIP_A, "wrong-password-entirely").status_code == 200


def test_unknown_download_token_is_404(admin_client):
    assert admin_client.post_form("/admin/impor/no-such-token/kata-sandi.csv").status_code == 404


def test_passwords_expire_after_a_day(app, admin_client, units):
    page = upload(admin_client, csv_bytes(two_people(units))).get_data(as_text=True)
    token = download_token(page)
    batch = db.session.scalar(select(ImportBatch).where(ImportBatch.token == token))
    batch.created_at -= timedelta(hours=25)
    db.session.commit()

    response = admin_client.post_form(f"/admin/impor/{token}/kata-sandi.csv")

    assert response.status_code == 302
    db.session.refresh(batch)
    assert batch.credentials is None


def test_no_password_appears_in_the_audit_log(admin_client, units):
    page = upload(admin_client, csv_bytes(two_people(units))).get_data(as_text=True)
    response = admin_client.post_form(f"/admin/impor/{download_token(page)}/kata-sandi.csv")
    passwords = [row[3] for row in downloaded(response).values()]
    hashes = [person(nip).password_hash for nip in (NIP_A, NIP_B)]

    entries = db.session.scalars(select(AuditEntry)).all()

    actions = {e.action for e in entries}
    assert {"user.create", "people.import", "people.import_passwords_downloaded"} <= actions
    for entry in entries:
        logged = json.dumps([entry.before, entry.after])
        assert "password" not in logged
        for secret in passwords + hashes:
            assert secret not in logged


# Who may import ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ASN, Role.SUPERVISOR, Role.PARTNER])
def test_non_admins_are_refused(client, make_user, units, role):
    user = make_user("Bukan Admin", email="bukan@makassar.go.id", nip=NIP_C, roles=(role,))
    assert client.login(user.email).status_code == 302
    before = people_count()

    assert client.get("/admin/impor").status_code == 403
    assert upload(client, csv_bytes(two_people(units))).status_code == 403
    assert client.post_form("/admin/impor/any/kata-sandi.csv").status_code == 403
    assert people_count() == before


def test_anonymous_users_are_sent_to_login(client, units):
    response = client.get("/admin/impor")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/masuk")

    response = upload(client, csv_bytes(two_people(units)))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/masuk")
    assert person(NIP_A) is None

    response = client.post_form("/admin/impor/any/kata-sandi.csv")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/masuk")


# Command line ------------------------------------------------------------------------------


def test_cli_imports_and_writes_passwords_0600(runner, units, tmp_path, new_client):
    source = tmp_path / "pegawai.csv"
    rows = [*two_people(units), ["123", "Salah", "", "Dinas Kesehatan", "", ""]]
    source.write_bytes(csv_bytes(rows))
    out = tmp_path / "kata-sandi.csv"

    result = runner.invoke(args=["lms", "import-people", str(source), "--passwords", str(out)])

    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated, 0 unchanged, 1 invalid." in result.stdout
    assert "line 4: 123:" in result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    credentials = {row[0]: row[3] for row in list(csv.reader(io.StringIO(out.read_text())))[1:]}
    assert set(credentials) == {NIP_A, NIP_B}
    assert_two_people_imported(units)
    batch = db.session.scalar(select(ImportBatch))
    assert batch.credentials is None
    assert batch.actor_id is None
    login = new_client().login(NIP_A, credentials[NIP_A])
    assert login.headers["Location"].startswith("/akun/kata-sandi-baru")

    again = runner.invoke(args=["lms", "import-people", str(source)])
    assert again.exit_code == 0, again.output
    assert "0 created, 0 updated, 2 unchanged, 1 invalid." in again.stdout
    assert "One-time passwords" not in again.stdout


def test_cli_tightens_an_existing_passwords_file(runner, units, tmp_path):
    source = tmp_path / "pegawai.csv"
    source.write_bytes(csv_bytes(two_people(units)))
    out = tmp_path / "kata-sandi.csv"
    out.write_text("old\n")
    os.chmod(out, 0o644)

    result = runner.invoke(args=["lms", "import-people", str(source), "--passwords", str(out)])

    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "old" not in out.read_text()


def test_cli_writes_passwords_next_to_the_caller_by_default(runner, units, tmp_path, monkeypatch):
    source = tmp_path / "pegawai.xlsx"
    source.write_bytes(xlsx_bytes(two_people(units)))
    monkeypatch.chdir(tmp_path)

    result = runner.invoke(args=["lms", "import-people", str(source)])

    assert result.exit_code == 0, result.output
    batch = db.session.scalar(select(ImportBatch))
    written = tmp_path / f"kata-sandi-impor-{batch.id}.csv"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert len(list(csv.reader(io.StringIO(written.read_text())))) == 3


def test_cli_refuses_a_file_without_the_required_columns(runner, units, tmp_path):
    source = tmp_path / "pegawai.csv"
    source.write_bytes(csv_bytes([["Nama", "Unit Kerja"], ["Andi", "Dinas Kesehatan"]]))
    before = people_count()

    result = runner.invoke(args=["lms", "import-people", str(source)])

    assert result.exit_code == 1
    assert "NIP" in result.output
    assert people_count() == before
