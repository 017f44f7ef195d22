"""Issuing certificates: numbers without gaps even when many are issued at once, a snapshot that
never changes, the PDF rendered once with its hash, predicates from the course's score bands,
and issuing on completion when the course says so."""

import hashlib
import threading
from decimal import Decimal

import pytest
from flask_babel import gettext
from sqlalchemy import func, select

from lms.certificates import issuing
from lms.certificates.models import Certificate, CertificateState
from lms.core.clock import utcnow
from lms.core.storage import storage
from lms.extensions import db
from lms.learning.completion import check_completion
from lms.learning.models import Enrollment
from tests.certificate_support import enroll
from tests.test_certificate_templates import needs_pdftotext, pdf_text


def stored_pdf(certificate) -> bytes:
    with storage().open(certificate.pdf_key) as f:
        return f.read()


@needs_pdftotext
def test_a_certificate_is_a_snapshot_with_a_stored_pdf(app, make_user, make_certificate):
    user = make_user("Andi Muhammad Rizal", rank="Penata Muda (III/a)", position="Analis")
    certificate = make_certificate(user)
    year = certificate.signed_on.year
    assert certificate.number == f"800/0001/BKPSDM/{year}"
    assert len(certificate.code) == issuing.CODE_LENGTH
    assert (certificate.holder_name, certificate.holder_rank) == (user.name, user.rank)
    assert certificate.holder_nip == user.nip and certificate.state is CertificateState.VALID
    content = stored_pdf(certificate)
    assert certificate.pdf_size == len(content)
    assert certificate.pdf_sha256 == hashlib.sha256(content).hexdigest()
    text = pdf_text(content)
    assert "Andi Muhammad Rizal" in text and certificate.number in text
    assert f"/v/{certificate.code}" in text  # the short verification address, under the QR


def test_the_pdf_is_rendered_once(app, make_certificate, monkeypatch):
    certificate = make_certificate()
    key = certificate.pdf_key
    monkeypatch.setattr(issuing, "pdf_bytes", lambda c: pytest.fail("rendered again"))
    assert issuing.ensure_pdf(certificate).pdf_key == key


def test_numbers_follow_each_other_and_a_failed_issue_leaves_no_gap(
    app, make_user, make_course, make_template
):
    template = make_template(number_pattern="{seq}/SERT/{month}/{year}")
    course = make_course()
    first = issuing.issue(enroll(make_user(), course), template, now=utcnow())
    db.session.commit()
    issuing.issue(enroll(make_user(), course), template, now=utcnow())
    db.session.rollback()  # e.g. the request failed after taking its number
    third = issuing.issue(enroll(make_user(), course), template, now=utcnow())
    db.session.commit()
    day = first.signed_on
    assert first.number == f"0001/SERT/{day.month:02d}/{day.year}"
    assert third.number == f"0002/SERT/{day.month:02d}/{day.year}"


def test_concurrent_issuing_gives_every_number_once(app, make_user, make_course, make_template):
    template = make_template()
    course = make_course()
    ids = [enroll(make_user(), course).id for _ in range(12)]
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def issue_some(chunk: list[int]) -> None:
        with app.app_context():
            start.wait()
            try:
                for enrollment_id in chunk:
                    enrollment = db.session.get(Enrollment, enrollment_id)
                    issuing.issue(enrollment, db.session.merge(template), now=utcnow())
                    db.session.commit()
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=issue_some, args=(ids[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    year = utcnow().year
    numbers = db.session.scalars(select(Certificate.number)).all()
    assert sorted(numbers) == [f"800/{n:04d}/BKPSDM/{year}" for n in range(1, 13)]


def test_an_issued_certificate_never_changes(app, make_user, make_certificate):
    user = make_user("Nurul Hidayah")
    certificate = make_certificate(user)
    content = stored_pdf(certificate)
    # The person and the template change later: the certificate and its file do not.
    user.name = "Nurul Hidayah, S.E."
    certificate.template.body = "Teks baru {nama}."
    db.session.commit()
    db.session.expire_all()
    assert certificate.holder_name == "Nurul Hidayah" and certificate.body != "Teks baru {nama}."
    assert stored_pdf(certificate) == content
    certificate.holder_name = "Orang Lain"
    with pytest.raises(ValueError, match="cannot change"):
        db.session.flush()
    db.session.rollback()
    certificate.pdf_key = "another"
    with pytest.raises(ValueError, match="cannot change"):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(Certificate, certificate.id).holder_name == "Nurul Hidayah"


def test_one_valid_certificate_per_completion(app, make_certificate):
    certificate = make_certificate()
    enrollment = db.session.get(Enrollment, certificate.enrollment_id)
    with pytest.raises(issuing.IssueError) as refused:
        issuing.issue(enrollment, certificate.template, now=utcnow())
    assert str(refused.value) == gettext(
        "%(name)s already holds a valid certificate for it.", name=enrollment.user.name
    )
    assert db.session.scalar(select(func.count(Certificate.id))) == 1


def test_not_completed_is_refused(app, make_user, make_course, make_template):
    enrollment = enroll(make_user("Siti"), make_course())
    enrollment.completed_at = None
    db.session.commit()
    with pytest.raises(issuing.IssueError) as refused:
        issuing.issue(enrollment, make_template(), now=utcnow())
    assert str(refused.value) == gettext("%(name)s has not completed it yet.", name="Siti")


def test_score_bands_give_the_predicate():
    bands = issuing.parse_bands("70 Baik\n85: Sangat Memuaskan\n\n0 Cukup")
    assert [b.label for b in bands] == ["Sangat Memuaskan", "Baik", "Cukup"]
    assert issuing.predicate_for(bands, Decimal("91.5")) == "Sangat Memuaskan"
    assert issuing.predicate_for(bands, Decimal("85")) == "Sangat Memuaskan"
    assert issuing.predicate_for(bands, Decimal("84.9")) == "Baik"
    assert issuing.predicate_for(bands, None) == "Lulus"
    assert issuing.predicate_for([], Decimal("99")) == "Lulus"
    with pytest.raises(issuing.IssueError, match="Line 2"):
        issuing.parse_bands("85 Sangat Memuaskan\nseratus Luar Biasa")
    with pytest.raises(issuing.IssueError, match="Line 1"):
        issuing.parse_bands("120 Terlalu")


def test_a_course_that_says_so_issues_on_completion(app, make_user, make_course, make_template):
    template = make_template()
    course = make_course(lessons=(("Modul 1", (("Pengantar", "text"),)),))
    course.certificate_template_id, course.auto_certificate = template.id, True
    db.session.commit()
    enrollment = enroll(make_user("Rahmat"), course)
    enrollment.completed_at = None
    db.session.commit()
    from lms.learning.models import LessonProgress

    lesson = course.modules[0].lessons[0]
    db.session.add(
        LessonProgress(enrollment_id=enrollment.id, lesson_id=lesson.id, done_at=utcnow())
    )
    db.session.commit()
    assert check_completion(enrollment, utcnow())
    db.session.commit()
    certificate = db.session.scalars(select(Certificate)).one()
    assert certificate.enrollment_id == enrollment.id and certificate.pdf_key is None
    assert issuing.render_pending() == 1
    assert db.session.get(Certificate, certificate.id).pdf_sha256
