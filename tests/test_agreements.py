"""Cooperation agreements: when they are in force, the list of those ending soon, validation,
who may download the signed document, and deletion."""

import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lms.auth.models import Role
from lms.core.clock import local_date, utcnow
from lms.core.storage import storage
from lms.extensions import db
from lms.partners.demo import logo_png, tiny_pdf
from lms.partners.models import Agreement, AgreementKind
from lms.partners.services import agreement_in_force
from tests.test_admin import audit_entries, message, page_text

PDF = tiny_pdf(["PERJANJIAN KERJA SAMA", "Ditandatangani."])


def today() -> date:
    return local_date(utcnow())


@pytest.fixture
def make_agreement(app):
    def make(inst, starts_on: date, ends_on: date, number: str | None = None, **kw):
        agreement = Agreement(
            institution_id=inst.id,
            kind=kw.pop("kind", AgreementKind.PKS),
            number=number or f"PKS/{starts_on}/{ends_on}",
            title=kw.pop("title", "Pelatihan teknis"),
            scope="",
            starts_on=starts_on,
            ends_on=ends_on,
            created_at=utcnow(),
            **kw,
        )
        db.session.add(agreement)
        db.session.commit()
        return agreement

    return make


def numbers_listed(response) -> list[str]:
    return re.findall(
        r'<li class="agreement" id="agreement-\d+">\s*<strong>\w+ ([^<]+)</strong>',
        page_text(response),
    )


def test_in_force_from_the_first_day_to_the_last_day_included(make_institution, make_agreement):
    inst = make_institution()
    start, end = date(2026, 3, 1), date(2026, 6, 30)
    assert not agreement_in_force(inst.id, start)  # none yet
    make_agreement(inst, start, end)

    assert not agreement_in_force(inst.id, start - timedelta(days=1))
    assert agreement_in_force(inst.id, start)
    assert agreement_in_force(inst.id, end)
    assert not agreement_in_force(inst.id, end + timedelta(days=1))


def test_a_gap_between_agreements_or_another_institutions_agreement_does_not_count(
    make_institution, make_agreement
):
    inst, other = make_institution(), make_institution()
    make_agreement(inst, date(2025, 1, 1), date(2025, 12, 31))
    make_agreement(inst, date(2026, 3, 1), date(2027, 2, 28))
    make_agreement(other, date(2026, 1, 1), date(2026, 12, 31))

    assert not agreement_in_force(inst.id, date(2026, 1, 15))
    assert agreement_in_force(inst.id, date(2025, 12, 31))
    assert agreement_in_force(inst.id, date(2026, 3, 1))


def test_institution_without_an_agreement_in_force_is_flagged(
    admin_client, make_institution, make_agreement
):
    expired = make_institution("Universitas Lama")
    make_agreement(expired, today() - timedelta(days=400), today() - timedelta(days=1))
    current = make_institution("Universitas Aktif")
    make_agreement(current, today(), today() + timedelta(days=200))

    page = admin_client.get(f"/mitra/{expired.id}").get_data(as_text=True)
    assert 'id="no-agreement"' in page
    assert message(admin_client.application, "No agreement in force") in page
    assert 'id="no-agreement"' not in admin_client.get(f"/mitra/{current.id}").get_data(
        as_text=True
    )
    listing = page_text(admin_client.get("/mitra/"))
    badge = message(admin_client.application, "No agreement in force")
    assert re.search(r"Universitas Lama</a>[^\n]*" + re.escape(badge), listing)
    assert not re.search(r"Universitas Aktif</a>[^\n]*" + re.escape(badge), listing)


def test_agreements_ending_within_90_days(admin_client, make_institution, make_agreement):
    inst = make_institution()
    t = today()
    make_agreement(inst, t - timedelta(days=300), t, "ENDS-TODAY")
    make_agreement(inst, t - timedelta(days=10), t + timedelta(days=90), "ENDS-IN-90")
    make_agreement(inst, t - timedelta(days=10), t + timedelta(days=91), "ENDS-IN-91")
    make_agreement(inst, t - timedelta(days=400), t - timedelta(days=1), "ENDED-YESTERDAY")
    make_agreement(inst, t + timedelta(days=1), t + timedelta(days=30), "NOT-STARTED")

    ending = admin_client.get("/mitra/perjanjian?status=ending")
    assert numbers_listed(ending) == ["ENDS-TODAY", "ENDS-IN-90"]
    in_force = admin_client.get("/mitra/perjanjian?status=in_force")
    assert numbers_listed(in_force) == ["ENDS-TODAY", "ENDS-IN-90", "ENDS-IN-91"]
    assert numbers_listed(admin_client.get("/mitra/perjanjian?status=expired")) == [
        "ENDED-YESTERDAY"
    ]
    assert numbers_listed(admin_client.get("/mitra/perjanjian?status=upcoming")) == ["NOT-STARTED"]
    assert len(numbers_listed(admin_client.get("/mitra/perjanjian"))) == 5

    listing = admin_client.get("/mitra/").get_data(as_text=True)
    notice = re.search(
        r'<p class="flash" id="ending-notice"><a href="([^"]+)">([^<]+)</a>', listing
    )
    assert notice.group(1) == "/mitra/perjanjian?status=ending"
    assert notice.group(2).startswith("2 ")


def test_no_notice_when_nothing_ends_soon(admin_client, make_institution, make_agreement):
    make_agreement(make_institution(), today(), today() + timedelta(days=200))
    assert 'id="ending-notice"' not in admin_client.get("/mitra/").get_data(as_text=True)


def agreement_form(**kw) -> dict:
    form = {
        "kind": "pks",
        "number": "070/PKS/2026",
        "title": "Pelatihan analisis data",
        "scope": "Kursus daring dan kelas tatap muka.",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
    }
    form.update(kw)
    return form


def test_admin_adds_an_agreement_with_its_signed_document(
    admin_client, admin_user, make_institution
):
    inst = make_institution()
    response = admin_client.post_form(
        f"/mitra/{inst.id}/perjanjian/baru",
        agreement_form(document=(io.BytesIO(PDF), "PKS 2026.pdf")),
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/mitra/{inst.id}"
    agreement = db.session.scalar(select(Agreement))
    assert (agreement.number, agreement.kind) == ("070/PKS/2026", AgreementKind.PKS)
    assert (agreement.starts_on, agreement.ends_on) == (date(2026, 1, 1), date(2026, 12, 31))
    assert (agreement.document_name, agreement.document_size) == ("PKS 2026.pdf", len(PDF))
    with storage().open(agreement.document_key) as f:
        assert f.read() == PDF
    [entry] = audit_entries("agreement.create", f"agreement:{agreement.id}")
    assert entry.actor_id == admin_user.id
    assert entry.after["number"] == "070/PKS/2026"
    assert entry.after["ends_on"] == "2026-12-31"

    page = admin_client.get(f"/mitra/{inst.id}").get_data(as_text=True)
    assert "070/PKS/2026" in page
    assert f'href="/mitra/perjanjian/{agreement.id}/dokumen"' in page


def test_admin_changes_an_agreement_and_it_is_audited(
    admin_client, make_institution, make_agreement
):
    inst = make_institution()
    agreement = make_agreement(inst, date(2026, 1, 1), date(2026, 12, 31), "070/PKS/2026")

    response = admin_client.post_form(
        f"/mitra/perjanjian/{agreement.id}/ubah", agreement_form(ends_on="2027-06-30")
    )

    assert response.status_code == 302
    db.session.refresh(agreement)
    assert agreement.ends_on == date(2027, 6, 30)
    [entry] = audit_entries("agreement.update", f"agreement:{agreement.id}")
    assert entry.before["ends_on"] == "2026-12-31"
    assert entry.after["ends_on"] == "2027-06-30"


@pytest.mark.parametrize(
    ("change", "text"),
    [
        ({"ends_on": "2025-12-31"}, "The last day cannot come before the first."),
        ({"number": ""}, "Enter the agreement's number."),
        ({"starts_on": ""}, "Enter the first day."),
        ({"title": ""}, "Enter the title."),
        (
            {"document": (io.BytesIO(logo_png()), "scan.pdf")},
            "This kind of file is not accepted. Allowed: %(types)s.",
        ),
    ],
)
def test_invalid_agreement_is_refused(app, admin_client, make_institution, change, text):
    inst = make_institution()
    response = admin_client.post_form(f"/mitra/{inst.id}/perjanjian/baru", agreement_form(**change))

    assert response.status_code == 422
    assert message(app, text, types="PDF") in page_text(response)
    assert db.session.scalar(select(Agreement)) is None
    assert audit_entries("agreement.create") == []


def test_the_ends_on_day_may_be_the_starts_on_day(admin_client, make_institution):
    inst = make_institution()
    response = admin_client.post_form(
        f"/mitra/{inst.id}/perjanjian/baru", agreement_form(ends_on="2026-01-01")
    )
    assert response.status_code == 302


def test_a_large_document_is_refused(app, admin_client, make_institution):
    app.config["AGREEMENT_DOCUMENT_MAX_BYTES"] = 100
    inst = make_institution()
    response = admin_client.post_form(
        f"/mitra/{inst.id}/perjanjian/baru",
        agreement_form(document=(io.BytesIO(PDF), "besar.pdf")),
    )
    assert response.status_code == 422
    assert message(app, "The file is larger than %(limit)s.", limit="1 KB") in page_text(response)
    assert db.session.scalar(select(Agreement)) is None


def test_the_number_is_unique_within_an_institution(
    app, admin_client, make_institution, make_agreement
):
    inst, other = make_institution(), make_institution()
    make_agreement(inst, date(2025, 1, 1), date(2025, 12, 31), "070/PKS/2026")
    text = message(app, "This institution already has an agreement with this number.")

    response = admin_client.post_form(
        f"/mitra/{inst.id}/perjanjian/baru", agreement_form(number="070/pks/2026")
    )
    assert response.status_code == 422
    assert text in page_text(response)

    response = admin_client.post_form(
        f"/mitra/{other.id}/perjanjian/baru", agreement_form(number="070/PKS/2026")
    )
    assert response.status_code == 302
    assert len(db.session.scalars(select(Agreement)).all()) == 2


@pytest.fixture
def signed(make_institution, make_agreement):
    """An institution, its signed agreement, and the document stored."""
    inst = make_institution("Universitas Hasanuddin")
    stored = storage().save(io.BytesIO(PDF))
    return make_agreement(
        inst,
        date(2026, 1, 1),
        date(2026, 12, 31),
        document_key=stored.key,
        document_name="PKS Unhas.pdf",
        document_size=stored.size,
    )


def test_the_document_is_an_attachment_for_admins_and_the_institutions_staff(
    admin_client, new_client, make_user, signed
):
    url = f"/mitra/perjanjian/{signed.id}/dokumen"
    response = admin_client.get(url, buffered=True)
    assert response.status_code == 200
    assert response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]

    make_user(
        "Dosen Unhas",
        email="dosen@unhas.ac.id",
        roles=(Role.PARTNER,),
        institution=signed.institution,
    )
    staff = new_client()
    staff.login("dosen@unhas.ac.id")
    assert staff.get(url, buffered=True).data == PDF


def test_the_document_is_refused_to_everyone_else(new_client, make_user, make_institution, signed):
    url = f"/mitra/perjanjian/{signed.id}/dokumen"
    other = make_institution("Politeknik Negeri Ujung Pandang")
    make_user("Dosen PNUP", email="dosen@pnup.ac.id", roles=(Role.PARTNER,), institution=other)
    make_user("ASN", nip="199001012015031001")
    partner, asn, anonymous = new_client(), new_client(), new_client()
    partner.login("dosen@pnup.ac.id")
    asn.login("199001012015031001")

    assert partner.get(url, buffered=True).status_code == 404
    assert asn.get(url, buffered=True).status_code == 403
    assert anonymous.get(url, buffered=True).status_code == 302


def test_an_agreement_not_yet_in_force_can_be_deleted(
    admin_client, admin_user, make_institution, make_agreement
):
    inst = make_institution()
    stored = storage().save(io.BytesIO(PDF))
    agreement = make_agreement(
        inst,
        today() + timedelta(days=10),
        today() + timedelta(days=400),
        document_key=stored.key,
        document_name="x.pdf",
        document_size=stored.size,
    )
    agreement_id = agreement.id

    response = admin_client.post_form(f"/mitra/perjanjian/{agreement_id}/hapus")

    assert response.status_code == 302
    assert db.session.get(Agreement, agreement_id) is None
    [entry] = audit_entries("agreement.delete", f"agreement:{agreement_id}")
    assert entry.actor_id == admin_user.id and entry.before["document"] == "x.pdf"
    with pytest.raises(FileNotFoundError):
        storage().open(stored.key)


def test_an_agreement_that_came_into_force_stays(
    app, admin_client, make_institution, make_agreement
):
    inst = make_institution()
    agreement = make_agreement(inst, today(), today() + timedelta(days=400))

    response = admin_client.post_form(f"/mitra/perjanjian/{agreement.id}/hapus")

    assert response.status_code == 302
    follow = admin_client.get(response.headers["Location"])
    assert message(
        app,
        "An agreement that has come into force stays on record; correct it instead, or let it end.",
    ) in page_text(follow)
    assert db.session.get(Agreement, agreement.id) is not None
    assert audit_entries("agreement.delete") == []
