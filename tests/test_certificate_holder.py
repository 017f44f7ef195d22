"""The holder's side of certificates: "Sertifikat Saya", the stored PDF (for its holder and
admins only), the certificate in the JP ledger, a course's certificate settings, and the demo
ASN's valid and revoked certificates."""

import hashlib
import html
import re

import pytest
from flask_babel import gettext
from sqlalchemy import select

from lms.auth.models import Role, User
from lms.certificates import issuing
from lms.certificates.models import Certificate, CertificateState
from lms.core.audit import AuditEntry
from lms.core.clock import utcnow
from lms.core.storage import storage
from lms.courses.models import Course
from lms.extensions import db
from lms.learning.models import Enrollment
from lms.records import services as records

REASON = "Nama pemegang tertulis tanpa gelar."


def text(app, msgid: str, **kw) -> str:
    """A message as the app shows it, in whichever language it speaks in tests."""
    with app.test_request_context("/"):
        return gettext(msgid, **kw)


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def stored(certificate) -> bytes:
    with storage().open(certificate.pdf_key) as f:
        return f.read()


@pytest.fixture
def holder(make_user):
    return make_user("Andi Muhammad Rizal", nip="198805052012011005")


@pytest.fixture
def holder_client(new_client, holder):
    c = new_client()
    assert c.login("198805052012011005").status_code == 302
    return c


@pytest.fixture
def corrected(holder, make_certificate, admin_user):
    """The holder's certificate, revoked, and the certificate that corrects it."""
    first = make_certificate(holder)
    issuing.revoke(first, REASON, actor=admin_user, now=utcnow())
    db.session.commit()
    enrollment = db.session.get(Enrollment, first.enrollment_id)
    second = make_certificate(enrollment=enrollment, replaces=first)
    return first, second


# Sertifikat Saya ------------------------------------------------------------------------------


def test_the_holder_sees_every_certificate_newest_first_revoked_marked(
    app, holder_client, corrected, make_certificate, make_user
):
    first, second = corrected
    someone_else = make_certificate(make_user("Orang Lain"))
    response = holder_client.get("/sertifikat")
    assert response.status_code == 200
    body = page(response)
    assert body.index(second.number) < body.index(first.number)  # newest first
    assert someone_else.number not in body
    starts = body.index(f'id="certificate-{second.id}"'), body.index(f'id="certificate-{first.id}"')
    valid_card, revoked_card = body[starts[0] : starts[1]], body[starts[1] :]
    assert text(app, "Revoked") in revoked_card and REASON in revoked_card
    assert text(app, "Replaced by certificate %(number)s", number=second.number) in revoked_card
    assert text(app, "Valid") in valid_card and text(app, "Revoked") not in valid_card
    assert (
        text(app, "Corrects certificate %(number)s, which was revoked", number=first.number)
        in valid_card
    )
    for c in (first, second):
        assert issuing.pretty_code(c.code) in body
        assert f"/v/{c.code}" in body
        assert f"/sertifikat/{c.id}/pdf" in body
        assert f"/sertifikat/{c.id}/kredensial.json" in body


def test_someone_without_certificates_is_told_how_they_come(app, make_user, new_client):
    make_user(nip="199512122020121012")
    c = new_client()
    c.login("199512122020121012")
    body = page(c.get("/sertifikat"))
    assert (
        text(
            app,
            "You hold no certificates yet. When you complete a course or a class that gives "
            "one, its certificate appears here, ready to download and with a code anyone can "
            "check.",
        )
        in body
    )
    assert 'href="/pembelajaran"' in body


def test_the_menu_leads_to_my_certificates(holder_client):
    assert 'href="/sertifikat"' in holder_client.get("/").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_log_in(client, make_certificate):
    certificate = make_certificate()
    for url in ("/sertifikat", f"/sertifikat/{certificate.id}/pdf"):
        response = client.get(url, buffered=True)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/masuk?next=")


# The PDF ----------------------------------------------------------------------------------------


def test_the_holder_downloads_the_stored_pdf(holder, holder_client, make_certificate):
    certificate = make_certificate(holder)
    response = holder_client.get(f"/sertifikat/{certificate.id}/pdf", buffered=True)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data == stored(certificate)
    assert hashlib.sha256(response.data).hexdigest() == certificate.pdf_sha256
    assert response.headers["ETag"] == f'"{certificate.pdf_sha256}"'
    assert "private" in response.headers["Cache-Control"]
    expected = re.sub(r"[^0-9A-Za-z]+", "-", certificate.number)
    assert f"sertifikat-{expected}.pdf" in response.headers["Content-Disposition"]
    again = holder_client.get(
        f"/sertifikat/{certificate.id}/pdf",
        headers={"If-None-Match": response.headers["ETag"]},
        buffered=True,
    )
    assert again.status_code == 304 and not again.data


def test_a_pdf_not_rendered_yet_is_rendered_once_on_download(
    holder, holder_client, make_certificate
):
    certificate = make_certificate(holder, pdf=False)
    assert certificate.pdf_key is None
    first = holder_client.get(f"/sertifikat/{certificate.id}/pdf", buffered=True)
    db.session.refresh(certificate)
    assert first.status_code == 200 and first.data == stored(certificate)
    assert hashlib.sha256(first.data).hexdigest() == certificate.pdf_sha256
    key = certificate.pdf_key
    assert holder_client.get(f"/sertifikat/{certificate.id}/pdf", buffered=True).data == first.data
    db.session.refresh(certificate)
    assert certificate.pdf_key == key


def test_a_revoked_certificate_stays_downloadable_by_its_holder(holder_client, corrected):
    first, _ = corrected
    response = holder_client.get(f"/sertifikat/{first.id}/pdf", buffered=True)
    assert response.status_code == 200 and response.data == stored(first)


def test_another_learner_gets_not_found(holder, make_certificate, make_user, new_client):
    certificate = make_certificate(holder)
    make_user("Orang Lain", nip="199301012019031003")
    other = new_client()
    other.login("199301012019031003")
    refused = other.get(f"/sertifikat/{certificate.id}/pdf", buffered=True)
    missing = other.get("/sertifikat/999999/pdf", buffered=True)
    assert refused.status_code == missing.status_code == 404
    assert certificate.number not in refused.get_data(as_text=True)


def test_an_admin_may_download_any(admin_client, make_certificate):
    certificate = make_certificate()
    response = admin_client.get(f"/sertifikat/{certificate.id}/pdf", buffered=True)
    assert response.status_code == 200 and response.data == stored(certificate)


# The JP ledger ----------------------------------------------------------------------------------


def test_the_ledger_entry_of_a_completion_shows_its_valid_certificate(holder_client, corrected):
    first, second = corrected
    enrollment = db.session.get(Enrollment, second.enrollment_id)
    records.credit_completion(enrollment, utcnow())
    db.session.commit()
    body = page(holder_client.get("/riwayat"))
    assert second.number in body and f"/sertifikat/{second.id}/pdf" in body
    assert first.number not in body  # the revoked one is not the entry's certificate


def test_a_supervisor_sees_the_number_without_the_pdf_link(
    app, holder, make_certificate, make_user, new_client
):
    certificate = make_certificate(holder)
    records.credit_completion(db.session.get(Enrollment, certificate.enrollment_id), utcnow())
    db.session.commit()
    make_user(
        "Kepala Unit",
        nip="197001011995031001",
        roles=(Role.SUPERVISOR, Role.ASN),
        unit=holder.unit,
    )
    boss = new_client()
    boss.login("197001011995031001")
    body = page(boss.get(f"/riwayat/pegawai/{holder.id}"))
    assert certificate.number in body
    assert f"/sertifikat/{certificate.id}/pdf" not in body  # it would only answer 404


# The course's certificate settings --------------------------------------------------------------


def course_form(course: Course, **changes) -> dict:
    data = {
        "title": course.title,
        "code": course.code,
        "summary": course.summary,
        "description": course.description,
        "competency_type": str(course.competency_type),
        "mode": str(course.mode),
        "jp": str(course.jp),
        "open_enrollment": "y",
        "certificate_template_id": "0",
        "score_bands": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_course_form_saves_template_automatic_issuing_and_bands(
    admin_client, make_course, make_template
):
    course = make_course()
    template = make_template(name="Templat Kursus")
    form = admin_client.get(f"/kursus/{course.slug}/ubah").get_data(as_text=True)
    assert f'<option value="{template.id}">Templat Kursus</option>' in form
    response = admin_client.post_form(
        f"/kursus/{course.slug}/ubah",
        course_form(
            course,
            certificate_template_id=str(template.id),
            auto_certificate="y",
            score_bands="85 Sangat Memuaskan\r\n\r\n 70 Memuaskan \r\n",
        ),
    )
    assert response.status_code == 302
    db.session.refresh(course)
    assert course.certificate_template_id == template.id and course.auto_certificate
    assert course.score_bands == "85 Sangat Memuaskan\n70 Memuaskan"
    entry = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "course.update", AuditEntry.target == f"course:{course.id}")
        .order_by(AuditEntry.id.desc())
    ).first()
    assert entry.after["certificate_template_id"] == template.id
    assert entry.after["score_bands"] == "85 Sangat Memuaskan\n70 Memuaskan"


def test_bad_bands_are_refused_naming_the_line_and_nothing_changes(
    app, admin_client, make_course, make_template
):
    course = make_course(score_bands="80 Baik")
    template = make_template()
    bad = "85 Sangat Memuaskan\nsangat bagus"
    response = admin_client.post_form(
        f"/kursus/{course.slug}/ubah",
        course_form(
            course,
            title="Judul Baru",
            certificate_template_id=str(template.id),
            auto_certificate="y",
            score_bands=bad,
        ),
    )
    assert response.status_code == 200
    with app.test_request_context("/"), pytest.raises(issuing.IssueError) as refused:
        issuing.parse_bands(bad)
    with app.test_request_context("/"):
        message = str(refused.value)
    assert "2" in message  # the line
    error = re.search(r'<p class="error" id="score_bands-err">(.*?)</p>', page(response), re.S)
    assert error and message in error.group(1)
    db.session.refresh(course)
    assert course.title != "Judul Baru" and course.score_bands == "80 Baik"
    assert course.certificate_template_id is None and not course.auto_certificate


def test_automatic_issuing_needs_a_template(app, admin_client, make_course):
    course = make_course()
    response = admin_client.post_form(
        f"/kursus/{course.slug}/ubah", course_form(course, auto_certificate="y")
    )
    assert text(app, "Choose the certificate template to issue.") in page(response)
    db.session.refresh(course)
    assert not course.auto_certificate


def test_partners_set_bands_but_not_bkpsdm_template(
    make_institution, make_user, make_course, make_template, new_client
):
    institution = make_institution()
    make_user("Staf", email="staf@kampus.ac.id", roles=(Role.PARTNER,), institution=institution)
    course = make_course(institution=institution, state="draft")
    template = make_template()
    c = new_client()
    c.login("staf@kampus.ac.id")
    assert 'name="certificate_template_id"' not in c.get(f"/kursus/{course.slug}/ubah").text
    response = c.post_form(
        f"/kursus/{course.slug}/ubah",
        course_form(
            course,
            certificate_template_id=str(template.id),
            auto_certificate="y",
            score_bands="90 Istimewa",
        ),
    )
    assert response.status_code == 302
    db.session.refresh(course)
    assert course.score_bands == "90 Istimewa"
    assert course.certificate_template_id is None and not course.auto_certificate


# Demo -------------------------------------------------------------------------------------------


def test_the_demo_asn_holds_a_valid_and_a_revoked_certificate(runner, new_client):
    result = runner.invoke(args=["lms", "demo"])
    assert result.exit_code == 0, result.output
    ahmad = db.session.scalar(select(User).where(User.nip == "199001012015031001"))
    mine = db.session.scalars(
        select(Certificate).where(Certificate.user_id == ahmad.id).order_by(Certificate.id)
    ).all()
    assert [(c.id, c.state) for c in mine] == [
        (1, CertificateState.REVOKED),
        (2, CertificateState.VALID),
    ]
    revoked, valid = mine
    assert revoked.revoked_reason and revoked.revoked_by_id is not None
    assert valid.replaces_id == revoked.id and valid.enrollment_id == revoked.enrollment_id
    for c in mine:
        assert hashlib.sha256(stored(c)).hexdigest() == c.pdf_sha256
        assert f"http://127.0.0.1:5000/v/{c.code}" in result.output
    course = db.session.get(Course, valid.course_id)
    assert course.certificate_template_id == valid.template_id and course.score_bands
    again = runner.invoke(args=["lms", "demo"])
    assert f"/v/{valid.code}" in again.output
    assert db.session.scalar(select(db.func.count(Certificate.id))) == 2
    browser = new_client()
    browser.login("199001012015031001", "demo-bina-2026")
    body = page(browser.get("/sertifikat"))
    assert valid.number in body and revoked.number in body
