"""The JP ledger: yearly totals, entries recorded by admins, dashboards, exports and evidence."""

import csv
import html
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import format_decimal, gettext
from openpyxl import load_workbook
from sqlalchemy import event, func, select

from lms.auth.models import Role
from lms.core.audit import AuditEntry
from lms.core.clock import local_date, utcnow
from lms.core.storage import storage
from lms.extensions import db
from lms.learning.models import Enrollment, EnrollmentSource
from lms.records import export, reports, services
from lms.records.demo import _evidence_pdf
from lms.records.models import EntryKind, LedgerEntry

PDF = _evidence_pdf("Pelatihan Kepemimpinan")


def message(app, text: str, **kw) -> str:
    """The message as the app shows it, in whichever language the app speaks in tests."""
    with app.test_request_context("/"):
        return gettext(text, **kw)


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def today() -> date:
    return local_date(utcnow())


def add(user, title, end: date, jp=4, *, kind=EntryKind.SEMINAR, start=None, **kw):
    entry = LedgerEntry(
        user_id=user.id,
        kind=kind,
        title=title,
        organizer=kw.pop("organizer", "Penyelenggara"),
        start_date=start or end,
        end_date=end,
        jp=jp,
        created_at=utcnow(),
        **kw,
    )
    db.session.add(entry)
    db.session.commit()
    return entry


def enroll(user, course, *, due=None, completed_at=None, enrolled_at=None):
    now = utcnow()
    e = Enrollment(
        course_id=course.id,
        user_id=user.id,
        source=EnrollmentSource.ASSIGNED if due else EnrollmentSource.SELF,
        enrolled_at=enrolled_at or now,
        assigned_at=now if due else None,
        due_date=due,
        completed_at=completed_at,
    )
    db.session.add(e)
    db.session.commit()
    return e


def entry_form(**changes) -> dict:
    data = {
        "kind": "workshop",
        "title": "Workshop Manajemen Risiko",
        "organizer": "BPKP Sulawesi Selatan",
        "start_date": (today() - timedelta(days=10)).isoformat(),
        "end_date": (today() - timedelta(days=8)).isoformat(),
        "jp": "12",
        "certificate_number": "BPKP/MR/118",
        "evidence": (io.BytesIO(PDF), "sertifikat.pdf"),
    }
    data.update(changes)
    return data


def stored_files(app) -> list:
    root = storage().root
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def stats(page: str) -> list[int]:
    """The figures of a dashboard's summary, in order."""
    return [int(n.replace(".", "")) for n in re.findall(r"<dd>([\d.]+)", page)]


def audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# Totals by year ---------------------------------------------------------------------------


def test_an_entry_counts_in_the_year_of_its_end_date(make_user):
    person = make_user()
    add(person, "Akhir tahun", date(2025, 12, 31), 5, start=date(2025, 12, 30))
    add(person, "Lintas tahun", date(2026, 1, 1), 7, start=date(2025, 12, 29))
    add(person, "Awal tahun", date(2026, 1, 2), 3)
    assert services.total_jp(person, 2025) == 5
    assert services.total_jp(person, 2026) == 10
    assert [e.title for e in services.entries_for(person, 2026)] == ["Lintas tahun", "Awal tahun"]


def test_course_completions_count_in_the_makassar_year(make_user, make_course):
    person = make_user()
    late = make_course("Kursus Akhir Tahun", jp=8)
    early = make_course("Kursus Tahun Baru", jp=6)
    started = datetime(2025, 12, 1, tzinfo=UTC)
    # 23:59 WITA on 31 December, and 00:30 WITA on 1 January (UTC is 8 hours behind).
    a = enroll(
        person, late, enrolled_at=started, completed_at=datetime(2025, 12, 31, 15, 59, tzinfo=UTC)
    )
    b = enroll(
        person, early, enrolled_at=started, completed_at=datetime(2025, 12, 31, 16, 30, tzinfo=UTC)
    )
    services.credit_completion(a, utcnow())
    services.credit_completion(b, utcnow())
    db.session.commit()
    assert services.total_jp(person, 2025) == 8
    assert services.total_jp(person, 2026) == 6
    assert services.parse_year(None, datetime(2025, 12, 31, 16, 30, tzinfo=UTC)) == 2026
    assert services.parse_year(None, datetime(2025, 12, 31, 15, 59, tzinfo=UTC)) == 2025


def test_my_ledger_shows_the_year_against_the_target(app, client, make_user):
    person = make_user(nip="199105052019031007")
    year = today().year
    add(person, "Seminar Pelayanan Publik", today(), 4, certificate_number="SPP-77")
    add(person, "Workshop SKP", today(), 8)
    add(person, "Coaching Lama", date(year - 2, 6, 1), 2)
    client.login("199105052019031007")

    page = page_text(client.get("/riwayat"))
    assert "Seminar Pelayanan Publik" in page and "Workshop SKP" in page and "SPP-77" in page
    assert "Coaching Lama" not in page
    assert (
        message(
            app, "%(total)s of %(target)s JP; %(left)s JP to go.", total="12", target="20", left="8"
        )
        in page
    )
    assert 'value="60"' in page and "60%" in page
    # The switcher offers the years with entries and the current year, not the empty one between.
    assert f"/riwayat?tahun={year - 2}" in page
    assert f"/riwayat?tahun={year - 1}" not in page

    old = page_text(client.get(f"/riwayat?tahun={year - 2}"))
    assert "Coaching Lama" in old and "Workshop SKP" not in old

    add(person, "Pelatihan Kepemimpinan", today(), 8)
    page = page_text(client.get("/riwayat"))
    assert (
        message(app, "Target reached: %(total)s of %(target)s JP.", total="20", target="20") in page
    )


def test_a_year_out_of_range_falls_back_to_the_current_year(client, make_user):
    make_user(nip="199105052019031007")
    client.login("199105052019031007")
    assert client.get("/riwayat?tahun=abc").status_code == 200
    assert f'<strong aria-current="page">{today().year}</strong>' in page_text(
        client.get("/riwayat?tahun=1066")
    )


# Entries recorded by admins -----------------------------------------------------------------


def test_admin_records_training_elsewhere_with_evidence(app, admin_client, make_user, admin_user):
    person = make_user()
    response = admin_client.post_form(f"/riwayat/pegawai/{person.id}/tambah", entry_form())
    assert response.status_code == 302
    entry = db.session.scalar(select(LedgerEntry).where(LedgerEntry.user_id == person.id))
    assert (entry.kind, entry.title, entry.organizer, entry.jp, entry.certificate_number) == (
        EntryKind.WORKSHOP,
        "Workshop Manajemen Risiko",
        "BPKP Sulawesi Selatan",
        12,
        "BPKP/MR/118",
    )
    assert entry.end_date == today() - timedelta(days=8)
    assert entry.recorded_by_id == admin_user.id
    assert (entry.evidence_name, entry.evidence_type) == ("sertifikat.pdf", "application/pdf")
    with storage().open(entry.evidence_key) as f:
        assert f.read() == PDF
    (logged,) = audit("ledger_entry.create")
    assert logged.target == f"ledger_entry:{entry.id}" and logged.actor_id == admin_user.id
    assert logged.after["jp"] == 12 and logged.after["title"] == "Workshop Manajemen Risiko"

    page = page_text(admin_client.get(response.headers["Location"]))
    assert "Workshop Manajemen Risiko" in page

    evidence = admin_client.get(f"/riwayat/entri/{entry.id}/bukti", buffered=True)
    assert evidence.status_code == 200
    assert evidence.data == PDF
    assert evidence.mimetype == "application/pdf"
    assert evidence.headers["Content-Disposition"].startswith("attachment")
    assert "sertifikat.pdf" in evidence.headers["Content-Disposition"]


@pytest.mark.parametrize(
    ("changes", "text", "kw"),
    [
        (
            {"evidence": (io.BytesIO(b"just some text, honestly\n" * 20), "sertifikat.pdf")},
            "This kind of file is not accepted. Allowed: %(types)s.",
            {"types": "JPG, PDF, PNG"},
        ),
        (
            {"start_date": "2026-03-10", "end_date": "2026-03-09"},
            "The end date cannot be before the start date.",
            {},
        ),
        (
            # Tomorrow as the test runs (not as it is collected: a run may cross midnight WITA).
            {"end_date": lambda: (today() + timedelta(days=1)).isoformat()},
            "The end date cannot be in the future.",
            {},
        ),
        ({"jp": "0"}, "JP must be between %(min)s and %(max)s.", {"min": 1, "max": 200}),
        ({"jp": "201"}, "JP must be between %(min)s and %(max)s.", {"min": 1, "max": 200}),
        ({"title": "  "}, "Enter the name of the activity.", {}),
    ],
    ids=["renamed-text-file", "end-before-start", "future", "jp-zero", "jp-too-many", "no-title"],
)
def test_bad_entries_are_refused_and_nothing_saved(app, admin_client, make_user, changes, text, kw):
    person = make_user()
    changes = {k: v() if callable(v) else v for k, v in changes.items()}
    response = admin_client.post_form(f"/riwayat/pegawai/{person.id}/tambah", entry_form(**changes))
    assert response.status_code == 200
    assert message(app, text, **kw) in page_text(response)
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 0
    assert audit("ledger_entry.create") == []
    assert stored_files(app) == []


def test_the_service_refuses_what_the_form_would(app, make_user, admin_user):
    person = make_user()
    good = {
        "kind": EntryKind.SEMINAR,
        "title": "Seminar",
        "organizer": "LAN",
        "start_date": date(2026, 3, 1),
        "end_date": date(2026, 3, 1),
        "jp": 4,
        "certificate_number": "",
    }
    now = datetime(2026, 6, 1, tzinfo=UTC)
    for bad in ({"kind": EntryKind.COURSE}, {"jp": 201}, {"end_date": date(2026, 6, 2)}):
        with pytest.raises(services.LedgerError):
            services.add_entry(person, good | bad, None, actor=admin_user, now=now)
    assert stored_files(app) == []


def test_admin_deletes_a_manual_entry_with_an_audit_entry(admin_client, make_user, admin_user):
    person = make_user()
    admin_client.post_form(f"/riwayat/pegawai/{person.id}/tambah", entry_form())
    entry = db.session.scalar(select(LedgerEntry))
    entry_id, key = entry.id, entry.evidence_key
    page = admin_client.get(f"/riwayat/pegawai/{person.id}").get_data(as_text=True)
    assert f"/riwayat/entri/{entry_id}/hapus" in page

    response = admin_client.post_form(f"/riwayat/entri/{entry_id}/hapus")
    assert response.status_code == 302
    assert db.session.get(LedgerEntry, entry_id) is None
    (logged,) = audit("ledger_entry.delete")
    assert logged.actor_id == admin_user.id and logged.target == f"ledger_entry:{entry_id}"
    assert logged.before["title"] == "Workshop Manajemen Risiko" and logged.before["jp"] == 12
    assert not storage().path(key).exists()


def test_a_course_entry_cannot_be_deleted(app, admin_client, make_user, make_course):
    person = make_user()
    enrollment = enroll(person, make_course(jp=10), completed_at=utcnow())
    entry = services.credit_completion(enrollment, utcnow())
    db.session.commit()
    page = admin_client.get(f"/riwayat/pegawai/{person.id}").get_data(as_text=True)
    assert f"/riwayat/entri/{entry.id}/hapus" not in page

    response = admin_client.post_form(f"/riwayat/entri/{entry.id}/hapus", follow_redirects=True)
    assert message(
        app, "This entry was credited from a completed course or class and cannot be deleted."
    ) in page_text(response)
    assert db.session.get(LedgerEntry, entry.id) is not None
    assert audit("ledger_entry.delete") == []


# Who sees whose ledger ----------------------------------------------------------------------


def test_supervisors_see_their_own_units_people_only(
    new_client, admin_client, make_user, make_unit
):
    unit, other = make_unit("Dinas Pendidikan"), make_unit("Dinas Kesehatan")
    sub = make_unit("UPT SD Negeri 1", parent=unit)
    make_user("Kepala Dinas", email="kadis@test.id", roles=(Role.SUPERVISOR,), unit=unit)
    mine = make_user("Guru Satu", unit=unit)
    theirs = make_user("Perawat Satu", unit=other)
    below = make_user("Guru UPT", unit=sub)
    add(mine, "Seminar Kurikulum", today(), 6)

    sup = new_client()
    sup.login("kadis@test.id")
    page = page_text(sup.get(f"/riwayat/pegawai/{mine.id}"))
    assert "Guru Satu" in page and "Seminar Kurikulum" in page
    assert "/tambah" not in page  # recording entries is for admins
    assert sup.get(f"/riwayat/pegawai/{theirs.id}").status_code == 403
    assert sup.get(f"/riwayat/pegawai/{below.id}").status_code == 403
    assert sup.post_form(f"/riwayat/pegawai/{mine.id}/tambah", entry_form()).status_code == 403

    for person in (mine, theirs, below):
        assert admin_client.get(f"/riwayat/pegawai/{person.id}").status_code == 200

    asn = new_client()
    asn.login(mine.nip)
    assert asn.get(f"/riwayat/pegawai/{mine.id}").status_code == 403
    assert asn.get("/riwayat/unit").status_code == 403


def test_evidence_for_owner_supervisor_and_admin_only(
    new_client, admin_client, make_user, make_unit
):
    unit, other = make_unit(), make_unit()
    make_user("Kepala", email="kepala@test.id", roles=(Role.SUPERVISOR,), unit=unit)
    make_user("Kepala Lain", email="lain@test.id", roles=(Role.SUPERVISOR,), unit=other)
    owner = make_user("Pemilik", unit=unit)
    colleague = make_user("Rekan", unit=unit)
    admin_client.post_form(f"/riwayat/pegawai/{owner.id}/tambah", entry_form())
    entry = db.session.scalar(select(LedgerEntry))
    bare = add(owner, "Tanpa bukti", today())
    url = f"/riwayat/entri/{entry.id}/bukti"

    def client_of(login):
        c = new_client()
        c.login(login)
        return c

    for login in (owner.nip, "kepala@test.id"):
        response = client_of(login).get(url, buffered=True)
        assert response.status_code == 200 and response.data == PDF, login
    assert admin_client.get(url, buffered=True).status_code == 200
    assert client_of(colleague.nip).get(url).status_code == 403
    assert client_of("lain@test.id").get(url).status_code == 403
    assert client_of(owner.nip).get(f"/riwayat/entri/{bare.id}/bukti").status_code == 404


# Dashboards -------------------------------------------------------------------------------


@pytest.fixture
def unit_with_people(make_unit, make_user):
    unit = make_unit("Dinas Pendidikan", code="DISDIK")
    other = make_unit("Dinas Kesehatan", code="DINKES")
    make_user("Kepala Dinas", email="kadis@test.id", roles=(Role.SUPERVISOR,), unit=unit)
    done = make_user("Andi Tuntas", unit=unit)
    half = make_user("Budi Separuh", unit=unit)
    make_user("Citra Kosong", unit=unit)
    gone = make_user("Dedi Pensiun", unit=unit, active=False)
    elsewhere = make_user("Eka Dinkes", unit=other)
    add(done, "Pelatihan Teknis", today(), 20)
    add(half, "Seminar", today(), 5)
    add(half, "Tahun lalu", date(today().year - 1, 6, 1), 30)
    add(gone, "Sebelum pensiun", today(), 40)
    add(elsewhere, "Seminar Kesehatan", today(), 25)
    return unit, other


def listed(page: str) -> list[str]:
    return [
        html.unescape(n)
        for n in re.findall(r'<a href="/riwayat/pegawai/\d+[^"]*">([^<]*)</a>', page)
    ]


def test_unit_dashboard_lists_the_units_people_with_their_jp(new_client, unit_with_people):
    unit, other = unit_with_people
    sup = new_client()
    sup.login("kadis@test.id")
    page = page_text(sup.get("/riwayat/unit"))
    assert listed(page) == ["Andi Tuntas", "Budi Separuh", "Citra Kosong", "Kepala Dinas"]
    assert stats(page) == [4, 1, 3, 0]  # people, at target, below, overdue
    assert page.count('class="below"') == 3

    below = page_text(sup.get("/riwayat/unit?below=1"))
    assert listed(below) == ["Budi Separuh", "Citra Kosong", "Kepala Dinas"]
    assert listed(page_text(sup.get("/riwayat/unit?q=budi"))) == ["Budi Separuh"]

    fragment = sup.get(
        "/riwayat/unit?below=1", headers={"HX-Request": "true", "HX-Target": "unit-people"}
    )
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="unit-people">') and "<html" not in body

    assert sup.get(f"/riwayat/unit?unit={other.id}").status_code == 403
    assert sup.get(f"/riwayat/unit?unit={unit.id}").status_code == 200


def test_admins_pick_any_unit(admin_client, unit_with_people):
    unit, other = unit_with_people
    picker = page_text(admin_client.get("/riwayat/unit"))
    assert f'<option value="{other.id}">Dinas Kesehatan</option>' in picker
    assert listed(page_text(admin_client.get(f"/riwayat/unit?unit={other.id}"))) == ["Eka Dinkes"]


def test_overdue_assignments_are_counted_and_shown(new_client, make_unit, make_user, make_course):
    unit, other = make_unit(), make_unit()
    make_user("Kepala", email="kepala@test.id", roles=(Role.SUPERVISOR,), unit=unit)
    late = make_user("Terlambat", unit=unit)
    ontime = make_user("Tepat Waktu", unit=unit)
    elsewhere = make_user("Unit Lain", unit=other)
    course = make_course("Etika Pelayanan Publik")
    second = make_course("Manajemen Arsip")
    yesterday = today() - timedelta(days=1)
    enroll(late, course, due=yesterday)
    enroll(late, second, due=today() - timedelta(days=30))
    enroll(ontime, course, due=today())  # due today: not yet overdue
    enroll(ontime, second, due=yesterday, completed_at=utcnow())  # done, though late
    enroll(elsewhere, course, due=yesterday)

    sup = new_client()
    sup.login("kepala@test.id")
    page = page_text(sup.get("/riwayat/unit"))
    assert stats(page)[3] == 2
    assert "Etika Pelayanan Publik" in page and "Manajemen Arsip" in page
    row = re.search(r"Terlambat</a>.*?</tr>", page, re.S).group(0)
    assert "Etika Pelayanan Publik" in row and "Manajemen Arsip" in row
    assert reports.unit_stats(today().year, today())[other.id].overdue == 1


def test_city_dashboard_counts_every_unit(app, admin_client, unit_with_people, make_unit):
    unit, other = unit_with_people
    empty = make_unit("Kelurahan Sepi")
    page = page_text(admin_client.get("/riwayat/kota"))
    rows = dict(
        re.findall(
            r'<td><a href="/riwayat/unit\?unit=\d+[^"]*">([^<]+)</a></td>'
            r'((?:\s*<td class="num">[^<]*</td>){5})',
            page,
        )
    )
    figures = {name: re.findall(r">([^<]*)</td>", cells) for name, cells in rows.items()}
    with app.test_request_context("/"):
        # people, at target, %, average JP, overdue; in the locale's format
        expected = {
            "Dinas Pendidikan": [format_decimal(x) for x in (4, 1, 25.0, 6.2, 0)],
            "Dinas Kesehatan": [format_decimal(x) for x in (1, 1, 100.0, 25.0, 0)],
            "Kelurahan Sepi": [format_decimal(x) for x in (0, 0, 0.0, 0.0, 0)],
        }
    assert figures == expected
    assert stats(page)[:2] == [5, 2]

    rows, total = reports.city(today().year, today())
    assert [u.name for u, _ in rows] == ["Dinas Kesehatan", "Dinas Pendidikan", "Kelurahan Sepi"]
    assert (total.people, total.reached, total.jp, total.overdue) == (5, 2, 50, 0)
    assert empty.id in {u.id for u, _ in rows}


def test_city_figures_take_the_same_few_queries_for_any_number_of_people(app, make_unit, make_user):
    units = [make_unit() for _ in range(3)]

    def queries() -> int:
        statements = []

        def count(*args):
            statements.append(1)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            db.session.expire_all()
            reports.city(today().year, today())
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    for u in units:
        add(make_user(unit=u), "Seminar", today(), 21)
    few = queries()
    for u in units:
        for _ in range(5):
            add(make_user(unit=u), "Seminar", today(), 3)
    assert queries() == few <= 5


# Exports ----------------------------------------------------------------------------------


@pytest.fixture
def exportable(make_unit, make_user):
    unit = make_unit("Dinas Pendidikan", code="DISDIK")
    other = make_unit("Dinas Kesehatan", code="1.02.0.00")
    a = make_user("Ahmad Fauzi", nip="199001012015031001", unit=unit)
    b = make_user("Nurul Hidayah", nip="200202022022032002", unit=other)
    year = today().year
    add(
        a,
        "Seminar Nasional",
        date(year, 1, 14),
        4,
        certificate_number="SRB/0412",
        organizer="Kementerian PANRB",
    )
    add(a, "Workshop SKP", date(year, 1, 7), 6, kind=EntryKind.WORKSHOP, start=date(year, 1, 6))
    add(b, "Mentoring", date(year, 2, 9), 10, kind=EntryKind.MENTORING)
    add(a, "Coaching Kinerja", date(year - 1, 11, 3), 2, kind=EntryKind.COACHING)
    return unit, other, a, b


def db_rows(year: int, unit=None) -> list[tuple]:
    """The entries as they should appear in an export, straight from the database."""
    out = []
    for e in db.session.scalars(select(LedgerEntry)):
        if e.end_date.year != year or (unit is not None and e.user.unit_id != unit.id):
            continue
        out.append(
            (
                e.user.nip,
                e.user.name,
                e.user.unit.name,
                e.title,
                export.KIND_NAMES[e.kind],
                e.organizer,
                e.start_date.isoformat(),
                e.end_date.isoformat(),
                str(e.end_date.year),
                str(e.jp),
                e.certificate_number,
            )
        )
    return sorted(out)


def read_csv(response) -> list[list[str]]:
    raw = response.data
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_csv_export_of_the_city_holds_each_entry_once(admin_client, exportable):
    year = today().year
    response = admin_client.get(f"/riwayat/ekspor.csv?tahun={year}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert (
        f'filename="riwayat-diklat-kota-makassar-{year}.csv"'
        in response.headers["Content-Disposition"]
    )
    header, *rows = read_csv(response)
    assert header == list(export.COLUMNS)
    assert sorted(tuple(r) for r in rows) == db_rows(year)
    assert len(rows) == 3
    assert {r[0] for r in rows} == {"199001012015031001", "200202022022032002"}

    header, *rows = read_csv(admin_client.get(f"/riwayat/ekspor.csv?tahun={year - 1}"))
    assert [r[3] for r in rows] == ["Coaching Kinerja"]
    assert rows[0][8] == str(year - 1)


def test_xlsx_export_of_a_unit_keeps_nips_as_text(admin_client, exportable):
    unit, other, a, b = exportable
    year = today().year
    response = admin_client.get(f"/riwayat/ekspor.xlsx?unit={other.id}&tahun={year}")
    assert response.status_code == 200
    assert (
        f'filename="riwayat-diklat-1-02-0-00-{year}.xlsx"'
        in response.headers["Content-Disposition"]
    )
    ws = load_workbook(io.BytesIO(response.data)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0] == list(export.COLUMNS)
    assert [tuple(str(v) if v is not None else "" for v in r) for r in values[1:]] == db_rows(
        year, other
    )
    nip = ws["A2"]
    assert nip.value == "200202022022032002" and nip.data_type == "s"
    assert nip.number_format == "@"
    assert ws["J2"].value == 10 and isinstance(ws["J2"].value, int)

    ws = load_workbook(
        io.BytesIO(admin_client.get(f"/riwayat/ekspor.xlsx?unit={unit.id}&tahun={year}").data)
    ).active
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert sorted(r[3] for r in rows) == ["Seminar Nasional", "Workshop SKP"]
    assert {r[0] for r in rows} == {"199001012015031001"}


def test_exports_do_not_turn_titles_into_formulas(admin_client, make_user):
    person = make_user()
    add(person, '=HYPERLINK("http://contoh.test","klik")', today(), 4)
    rows = read_csv(admin_client.get("/riwayat/ekspor.csv"))
    assert rows[1][3] == "'" + '=HYPERLINK("http://contoh.test","klik")'
    ws = load_workbook(io.BytesIO(admin_client.get("/riwayat/ekspor.xlsx").data)).active
    assert ws["D2"].data_type == "s"
    assert ws["D2"].value == '=HYPERLINK("http://contoh.test","klik")'


def test_supervisors_export_their_own_unit_only(new_client, make_user, exportable):
    unit, other, a, b = exportable
    make_user("Kepala", email="kepala@test.id", roles=(Role.SUPERVISOR,), unit=unit)
    sup = new_client()
    sup.login("kepala@test.id")
    header, *rows = read_csv(sup.get("/riwayat/ekspor.csv"))
    assert {r[0] for r in rows} == {a.nip}
    assert sup.get(f"/riwayat/ekspor.csv?unit={other.id}").status_code == 403
    assert sup.get(f"/riwayat/ekspor.xlsx?unit={other.id}").status_code == 403

    asn = new_client()
    asn.login(a.nip)
    assert asn.get("/riwayat/ekspor.csv").status_code == 403


# Demo data --------------------------------------------------------------------------------


def test_demo_entries_are_made_once(runner):
    for _ in range(2):
        result = runner.invoke(args=["lms", "demo"])
        assert result.exit_code == 0, result.output
    titles = db.session.scalars(
        select(LedgerEntry.title).where(LedgerEntry.kind != EntryKind.COURSE)
    ).all()
    assert sorted(titles) == [
        "Coaching Kinerja",
        "Mentoring Kepemimpinan",
        "Seminar Nasional Reformasi Birokrasi",
        "Workshop Penyusunan SKP",
    ]
