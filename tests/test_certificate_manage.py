"""Issued certificates for admins: the searchable list, revocation with a reason (audited, and
shown on the public page), and issuing by hand, including the correction of a revoked one."""

import pytest
from flask_babel import gettext
from sqlalchemy import func, select

from lms.certificates import issuing
from lms.certificates.models import Certificate, CertificateState
from lms.core.audit import AuditEntry
from lms.core.clock import utcnow
from lms.extensions import db
from tests.certificate_support import enroll

NIP = "199001012015031001"


def revoke(client, certificate, reason="Nama peserta salah ketik", confirm="y"):
    data = {"reason": reason}
    if confirm:
        data["confirm"] = confirm
    return client.post_form(f"/sertifikat/{certificate.id}/cabut", data)


def certificates_of(user) -> list[Certificate]:
    return list(
        db.session.scalars(
            select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.id)
        )
    )


def revocations() -> list[AuditEntry]:
    return list(
        db.session.scalars(select(AuditEntry).where(AuditEntry.action == "certificate.revoke"))
    )


@pytest.fixture
def holder(make_user):
    return make_user("Andi Muhammad Rizal", nip=NIP)


# Revocation -----------------------------------------------------------------------------------


def test_admin_revokes_with_a_reason(admin_client, admin_user, holder, make_certificate):
    certificate = make_certificate(holder)
    html = admin_client.get(f"/sertifikat/{certificate.id}").get_data(as_text=True)
    assert certificate.number in html and NIP in html  # the admin sees the whole NIP
    assert f'href="/v/{certificate.code}"' in html
    assert f'href="/sertifikat/{certificate.id}/pdf"' in html

    response = revoke(admin_client, certificate)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/sertifikat/{certificate.id}"
    db.session.refresh(certificate)
    assert certificate.state is CertificateState.REVOKED
    assert certificate.revoked_reason == "Nama peserta salah ketik"
    assert certificate.revoked_by_id == admin_user.id and certificate.revoked_at is not None
    [entry] = revocations()
    assert entry.actor_id == admin_user.id and entry.target == f"certificate:{certificate.id}"
    assert entry.after["reason"] == "Nama peserta salah ketik"

    html = admin_client.get(f"/sertifikat/{certificate.id}").get_data(as_text=True)
    assert gettext("Certificate %(number)s has been revoked.", number=certificate.number) in html
    assert gettext("Issue the correction") in html
    assert f'action="/sertifikat/{certificate.id}/cabut"' not in html  # no second revocation

    public = admin_client.get(f"/v/{certificate.code}").get_data(as_text=True)
    assert gettext("Revoked certificate") in public and "Nama peserta salah ketik" in public


@pytest.mark.parametrize(
    ("reason", "confirm", "message"),
    [
        ("   ", "y", "Give the reason for revoking."),
        ("", "y", "Give the reason for revoking."),
        ("Nama salah", None, "Tick the box to confirm."),
    ],
)
def test_a_revocation_without_reason_or_confirmation_changes_nothing(
    admin_client, make_certificate, reason, confirm, message
):
    certificate = make_certificate()
    response = revoke(admin_client, certificate, reason, confirm)
    assert response.status_code == 422
    assert gettext(message) in response.get_data(as_text=True)
    db.session.refresh(certificate)
    assert certificate.state is CertificateState.VALID and certificate.revoked_reason == ""
    assert revocations() == []


def test_a_revoked_certificate_cannot_be_revoked_again(admin_client, make_certificate):
    certificate = make_certificate()
    assert revoke(admin_client, certificate, "Pertama").status_code == 302
    response = revoke(admin_client, certificate, "Kedua")
    assert response.status_code == 302
    html = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert gettext("This certificate has already been revoked.") in html
    db.session.refresh(certificate)
    assert certificate.revoked_reason == "Pertama"
    assert len(revocations()) == 1


def test_only_admins_see_and_revoke_certificates(new_client, holder, make_certificate):
    certificate = make_certificate(holder)
    client = new_client()
    assert client.login(NIP).status_code == 302
    for url in ("/sertifikat/terbit", f"/sertifikat/{certificate.id}", "/sertifikat/terbitkan"):
        assert client.get(url).status_code == 403, url
    assert revoke(client, certificate).status_code == 403
    db.session.refresh(certificate)
    assert certificate.state is CertificateState.VALID and revocations() == []
    anonymous = new_client()
    response = anonymous.get(f"/sertifikat/{certificate.id}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/masuk")


def test_an_unknown_certificate_is_not_found(admin_client):
    assert admin_client.get("/sertifikat/999").status_code == 404
    assert admin_client.post_form("/sertifikat/999/cabut", {"reason": "x"}).status_code == 404


# The list -------------------------------------------------------------------------------------


def test_the_list_is_newest_first_and_searchable(
    admin_client, admin_user, holder, make_user, make_certificate
):
    first = make_certificate(holder, pdf=False)
    other = make_certificate(make_user("Nurul Hidayah", nip="199202022016032002"), pdf=False)
    issuing.revoke(other, "Dobel", actor=admin_user, now=utcnow())
    db.session.commit()

    html = admin_client.get("/sertifikat/terbit").get_data(as_text=True)
    assert html.index(other.number) < html.index(first.number)
    assert gettext("Revoked") in html

    def found(**query) -> str:
        response = admin_client.get("/sertifikat/terbit", query_string=query)
        assert response.status_code == 200
        return response.get_data(as_text=True)

    for q in ("andi", "1990010120", first.number, issuing.pretty_code(first.code).lower()):
        html = found(q=q)
        assert first.number in html and other.number not in html, q
    html = found(state="revoked")
    assert other.number in html and first.number not in html
    html = found(q="Tidak Ada Orang Ini")
    assert gettext("No certificate matches this search.") in html

    fragment = admin_client.get(
        "/sertifikat/terbit?q=nurul", headers={"HX-Request": "true", "HX-Target": "issued-list"}
    ).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="issued-list">')
    assert other.number in fragment and "<html" not in fragment


# Issuing by hand ------------------------------------------------------------------------------


@pytest.fixture
def course_with_template(make_course, make_template):
    template = make_template(name="Sertifikat Pelatihan")
    course = make_course("Analisis Data Kebijakan", certificate_template_id=template.id)
    return course


def test_issuing_by_hand_for_a_completed_training(
    admin_client, admin_user, holder, course_with_template
):
    enrollment = enroll(holder, course_with_template)
    html = admin_client.get("/sertifikat/terbitkan?q=1990010120150310").get_data(as_text=True)
    assert f'href="/sertifikat/terbitkan?user={holder.id}"' in html
    html = admin_client.get("/sertifikat/terbitkan?q=muhammad").get_data(as_text=True)
    assert "Andi Muhammad Rizal" in html

    url = f"/sertifikat/terbitkan?user={holder.id}"
    html = admin_client.get(url).get_data(as_text=True)
    assert "Analisis Data Kebijakan" in html
    response = admin_client.post_form(url, {"enrollment": enrollment.id, "template": 0})
    assert response.status_code == 302
    [certificate] = certificates_of(holder)
    assert response.headers["Location"] == f"/sertifikat/{certificate.id}"
    assert certificate.enrollment_id == enrollment.id and certificate.valid
    assert certificate.issued_by_id == admin_user.id
    assert certificate.template_id == course_with_template.certificate_template_id
    assert certificate.pdf_key and certificate.pdf_sha256  # rendered at once
    html = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert gettext("Certificate %(number)s has been issued.", number=certificate.number) in html
    # The training no longer appears among those to certify.
    html = admin_client.get(url).get_data(as_text=True)
    message = "%(name)s has no completed training without a valid certificate."
    assert gettext(message, name=holder.name) in html


def test_issuing_refuses_a_training_not_completed(admin_client, holder, course_with_template):
    enrollment = enroll(holder, course_with_template, completed=False)
    url = f"/sertifikat/terbitkan?user={holder.id}"
    response = admin_client.post_form(url, {"enrollment": enrollment.id, "template": 0})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert gettext("%(name)s has not completed it yet.", name=holder.name) in html
    assert certificates_of(holder) == []


def test_issuing_refuses_a_second_valid_certificate(
    admin_client, holder, course_with_template, make_certificate
):
    enrollment = enroll(holder, course_with_template)
    make_certificate(enrollment=enrollment, pdf=False)
    url = f"/sertifikat/terbitkan?user={holder.id}"
    response = admin_client.post_form(url, {"enrollment": enrollment.id, "template": 0})
    assert response.status_code == 422
    message = "%(name)s already holds a valid certificate for it."
    assert gettext(message, name=holder.name) in response.get_data(as_text=True)
    assert len(certificates_of(holder)) == 1


def test_issuing_refuses_another_persons_training(
    admin_client, holder, make_user, course_with_template
):
    theirs = enroll(make_user("Orang Lain"), course_with_template)
    url = f"/sertifikat/terbitkan?user={holder.id}"
    response = admin_client.post_form(url, {"enrollment": theirs.id, "template": 0})
    assert response.status_code == 422
    assert gettext("Choose one of the trainings listed.") in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


def test_issuing_without_a_template_asks_for_one(admin_client, holder, make_course):
    enrollment = enroll(holder, make_course("Tanpa Templat"))
    url = f"/sertifikat/terbitkan?user={holder.id}"
    response = admin_client.post_form(url, {"enrollment": enrollment.id, "template": 0})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert gettext("Neither the course nor the class names a template.") in html
    assert certificates_of(holder) == []


def test_a_correction_replaces_the_revoked_certificate(
    admin_client, holder, make_certificate, make_template
):
    old = make_certificate(holder)
    url = f"/sertifikat/terbitkan?replaces={old.id}"
    html = admin_client.get(url).get_data(as_text=True)
    assert (
        gettext("This certificate is still valid: revoke it first, then issue the correction.")
        in html
    )
    assert revoke(admin_client, old, "Nama salah ketik").status_code == 302

    html = admin_client.get(url).get_data(as_text=True)
    assert old.number in html and "Nama salah ketik" in html
    response = admin_client.post_form(
        url, {"enrollment": old.enrollment_id, "template": old.template_id}
    )
    assert response.status_code == 302
    old_again, new = certificates_of(holder)
    assert new.replaces_id == old.id and new.valid and not old_again.valid
    assert new.number != old.number and new.code != old.code

    html = admin_client.get(f"/sertifikat/{old.id}").get_data(as_text=True)
    assert f'href="/sertifikat/{new.id}"' in html
    html = admin_client.get(f"/sertifikat/{new.id}").get_data(as_text=True)
    assert f'href="/sertifikat/{old.id}"' in html
    public = admin_client.get(f"/v/{old.code}").get_data(as_text=True)
    assert f'href="/v/{new.code}"' in public
