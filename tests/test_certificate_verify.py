"""Public verification: /verifikasi and /v/<code> answer valid or revoked with what the
certificate says (the NIP masked), a plain "not found" for anything else, compare an uploaded
PDF with the one issued without keeping it, and are rate-limited per address."""

import io
import os

import pytest
from flask_babel import gettext

from lms.certificates import issuing
from lms.certificates.public import mask_nip
from lms.core.clock import utcnow
from lms.core.i18n import wita
from lms.core.storage import storage
from lms.extensions import db
from lms.learning.models import Enrollment

NIP = "199001012015031001"


def page(client, url, **kw) -> tuple[int, str]:
    response = client.get(url, **kw)
    return response.status_code, response.get_data(as_text=True)


def stored_pdf(certificate) -> bytes:
    with storage().open(certificate.pdf_key) as f:
        return f.read()


def compare(client, certificate, content: bytes, name: str = "sertifikat.pdf", **kw):
    data = {"pdf": (io.BytesIO(content), name)}
    return client.post_form(f"/v/{certificate.code}", data, **kw)


def stored_files(app) -> list[str]:
    root = app.config.get("UPLOAD_FOLDER") or os.path.join(app.instance_path, "uploads")
    return sorted(
        os.path.join(folder, name) for folder, _, names in os.walk(root) for name in names
    )


@pytest.fixture
def certificate(make_user, make_certificate):
    return make_certificate(make_user("Andi Muhammad Rizal", nip=NIP), jp=32)


def test_mask_nip_shows_the_first_four_and_last_three_digits():
    assert mask_nip(NIP) == "1990***********001"
    assert mask_nip("") == "" and mask_nip(None) == ""
    assert mask_nip("12345") == "*****"  # too short to show any of it


def test_a_valid_certificate(client, certificate, app):
    status, html = page(client, f"/v/{certificate.code}")
    assert status == 200
    assert gettext("Valid certificate") in html
    assert gettext("Revoked certificate") not in html
    for shown in (
        "Andi Muhammad Rizal",
        "1990***********001",
        certificate.title,
        certificate.number,
        certificate.institution,
        "32 JP",
        certificate.pdf_sha256,
        issuing.pretty_code(certificate.code),
    ):
        assert shown in html, shown
    for line in app.config["CERTIFICATE_ISSUER"].splitlines():
        assert line in html
    assert NIP not in html  # never the whole NIP


def test_the_pdf_is_rendered_when_the_page_is_first_opened(client, make_certificate):
    certificate = make_certificate(pdf=False)
    assert certificate.pdf_key is None
    status, html = page(client, f"/v/{certificate.code}")
    assert status == 200
    db.session.refresh(certificate)
    assert certificate.pdf_key and certificate.pdf_sha256 in html


def test_the_page_answers_while_the_pdf_cannot_be_rendered(client, make_certificate, monkeypatch):
    certificate = make_certificate(pdf=False)

    def broken(c):
        raise OSError("WeasyPrint is having a bad day")

    monkeypatch.setattr(issuing, "pdf_bytes", broken)
    status, html = page(client, f"/v/{certificate.code}")
    assert status == 200
    assert gettext("Valid certificate") in html and certificate.holder_name in html
    assert (
        gettext(
            "The certificate's PDF is still being prepared; its fingerprint appears here once it "
            "is ready."
        )
        in html
    )
    db.session.refresh(certificate)
    assert certificate.pdf_key is None


def test_a_revoked_certificate_says_when_and_why(client, certificate, admin_user, app):
    when = utcnow()
    issuing.revoke(certificate, "Nama peserta salah ketik", actor=admin_user, now=when)
    db.session.commit()
    status, html = page(client, f"/v/{certificate.code}")
    assert status == 200
    assert gettext("Revoked certificate") in html
    assert gettext("Valid certificate") not in html
    assert gettext("This certificate is no longer valid.") in html
    assert "Nama peserta salah ketik" in html
    with app.test_request_context():
        assert wita(when) in html
    assert gettext("A corrected certificate replaces it:") not in html


def test_a_revoked_certificate_points_to_its_correction(client, certificate, admin_user):
    issuing.revoke(certificate, "Nama salah", actor=admin_user, now=utcnow())
    db.session.commit()
    correction = issuing.issue(
        db.session.get(Enrollment, certificate.enrollment_id),
        certificate.template,
        now=utcnow(),
        actor=admin_user,
        replaces=certificate,
    )
    db.session.commit()
    status, html = page(client, f"/v/{certificate.code}")
    assert gettext("A corrected certificate replaces it:") in html
    assert f'href="/v/{correction.code}"' in html and correction.number in html


def test_an_unknown_code_is_plainly_not_found(client, certificate):
    unknown = "".join(reversed(certificate.code))
    for url in (f"/v/{unknown}", f"/verifikasi?kode={unknown}"):
        response = client.get(url, follow_redirects=True)
        html = response.get_data(as_text=True)
        assert response.status_code == 404
        assert gettext("Certificate not found") in html
        for secret in ("Andi", certificate.number, certificate.title, certificate.pdf_sha256):
            assert secret not in html


@pytest.mark.parametrize("code", ["abc", "0" * 20, "A" * 300, "abcd-efgh", "..", "-"])
def test_a_malformed_code_gets_the_same_answer(client, certificate, code):
    response = client.get(f"/v/{code}", follow_redirects=True)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert gettext("Certificate not found") in html and "Andi" not in html


def test_a_code_typed_with_dashes_spaces_or_small_letters(client, certificate):
    typed = issuing.pretty_code(certificate.code).lower().replace("-", " - ", 1)
    response = client.get("/verifikasi", query_string={"kode": typed})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/v/{certificate.code}"
    response = client.get(f"/v/{issuing.pretty_code(certificate.code).lower()}")
    assert response.headers["Location"] == f"/v/{certificate.code}"
    status, html = page(client, response.headers["Location"])
    assert status == 200 and "Andi Muhammad Rizal" in html


def test_the_lookup_page_explains_and_asks_for_a_code(client):
    status, html = page(client, "/verifikasi")
    assert status == 200
    assert 'name="kode"' in html and gettext("Check a digital credential") in html
    status, html = page(client, "/verifikasi?kode=+-+")
    assert status == 422
    assert gettext("Enter the code printed under the QR code.") in html


def test_the_issued_pdf_matches_and_nothing_is_kept(client, certificate, app):
    before = stored_files(app)
    response = compare(client, certificate, stored_pdf(certificate))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert gettext("This is the very file issued.") in html
    assert stored_files(app) == before


def test_a_pdf_with_one_byte_changed_does_not_match(client, certificate, app):
    content = bytearray(stored_pdf(certificate))
    content[len(content) // 2] ^= 0x01
    before = stored_files(app)
    response = compare(client, certificate, bytes(content))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (
        gettext("This file is not the one issued: it was altered or is another document.") in html
    )
    assert gettext("This is the very file issued.") not in html
    assert stored_files(app) == before


def test_a_revoked_certificates_pdf_still_matches(client, certificate, admin_user):
    issuing.revoke(certificate, "Dicabut", actor=admin_user, now=utcnow())
    db.session.commit()
    html = compare(client, certificate, stored_pdf(certificate)).get_data(as_text=True)
    assert gettext("This is the very file issued.") in html
    assert gettext("Revoked certificate") in html


def test_a_file_that_is_not_a_pdf_is_refused(client, certificate):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    response = compare(client, certificate, png, "sertifikat.pdf")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert gettext("This kind of file is not accepted. Allowed: %(types)s.", types="PDF") in html
    assert gettext("This is the very file issued.") not in html
    response = compare(client, certificate, b"", "kosong.pdf")
    assert response.status_code == 422
    assert gettext("The file is empty.") in response.get_data(as_text=True)


def test_sending_no_file_asks_for_one(client, certificate):
    response = client.post_form(f"/v/{certificate.code}", {}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert gettext("Choose the PDF file to compare.") in response.get_data(as_text=True)


def test_an_upload_without_the_forms_token_is_not_compared(client, certificate):
    data = {"pdf": (io.BytesIO(stored_pdf(certificate)), "s.pdf"), "csrf_token": "forged"}
    response = client.post(f"/v/{certificate.code}", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert gettext("The form has expired. Please try again.") in html
    assert gettext("This is the very file issued.") not in html


def test_a_file_above_the_limit_is_refused(client, certificate, app):
    content = stored_pdf(certificate)
    # Just above the limit: refused by the check, on the page.
    app.config["CERTIFICATE_VERIFY_MAX_BYTES"] = len(content) - 1
    response = compare(client, certificate, content)
    assert response.status_code == 422
    limit = f"{(len(content) - 1) // 1024} KB"
    html = response.get_data(as_text=True)
    assert gettext("The file is larger than %(limit)s.", limit=limit) in html
    assert gettext("This is the very file issued.") not in html
    # Far above it: the body is not even read.
    app.config["CERTIFICATE_VERIFY_MAX_BYTES"] = 1024
    response = compare(client, certificate, content)
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert gettext("The file is larger than %(limit)s.", limit="1 KB") in html


def test_checks_are_rate_limited_per_address(client, certificate, app):
    app.config["CERTIFICATE_VERIFY_RATE_LIMIT"] = "3 per minute"
    here, there = {"REMOTE_ADDR": "10.9.0.1"}, {"REMOTE_ADDR": "10.9.0.2"}
    for url in ("/verifikasi", f"/v/{certificate.code}", "/v/ABCDEFGHJKMNPQRSTUVW"):
        assert client.get(url, environ_base=here).status_code in (200, 404)
    for url in ("/verifikasi", f"/v/{certificate.code}"):
        response = client.get(url, environ_base=here)
        assert response.status_code == 429
        html = response.get_data(as_text=True)
        assert (
            gettext(
                "Too many certificate checks from your address. Please wait a minute and try again."
            )
            in html
        )
        assert "Andi" not in html
    assert client.get(f"/v/{certificate.code}", environ_base=there).status_code == 200
