"""Issuing a class's certificates in bulk: a background job that issues one certificate per
person with consecutive numbers, reports each failure with its reason while the others go on,
shows its progress in a fragment htmx polls until the job is done, and ends with a ZIP of every
PDF. Also the class's certificate settings (template, issuing on completion)."""

import hashlib
import io
import logging
import zipfile
from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask_babel import gettext
from sqlalchemy import func, select

from lms.auth.models import Role
from lms.certificates import bulk, issuing
from lms.certificates.models import (
    BulkIssue,
    BulkIssueItem,
    BulkState,
    Certificate,
)
from lms.classes import attendance
from lms.classes.models import Cohort
from lms.core.audit import AuditEntry
from lms.core.clock import utcnow
from lms.core.storage import storage
from lms.extensions import db
from lms.learning.services import mark_done
from tests.class_support import add_session, enrollment_of, join, new_class

NAMES = ("Andi Rizal", "Besse Nurhayati", "Cakra Wijaya")


@pytest.fixture
def klass(app, admin_user, make_course, make_user, make_template):
    """A class of three participants and a fourth who has not completed, with a template."""
    template = make_template(name="Sertifikat Kelas")
    course = make_course("Analisis Data")
    cohort = new_class(course, None, name="Analisis Data Angkatan I", venue="Aula BKPSDM")
    people = [make_user(name) for name in NAMES]
    late = make_user("Dewi Lestari")
    for person in [*people, late]:
        join(cohort, person)
    for person in people:
        complete(cohort, person)
    return SimpleNamespace(
        cohort=cohort, template=template, people=people, late=late, admin=admin_user
    )


def complete(cohort, person) -> None:
    enrollment = enrollment_of(cohort, person)
    enrollment.completed_at = utcnow()
    db.session.commit()


def certificates() -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).order_by(Certificate.id)))


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def only_bulk() -> BulkIssue:
    return db.session.scalars(select(BulkIssue)).one()


def start(k, user_ids=None) -> BulkIssue:
    """A bulk issue as the view leaves it before the job runs."""
    started = bulk.start(k.cohort, k.template, user_ids, actor=k.admin, now=utcnow())
    db.session.commit()
    return started


def stored(key: str) -> bytes:
    with storage().open(key) as f:
        return f.read()


def numbers(n: int) -> list[str]:
    year = utcnow().year
    return [f"800/{i:04d}/BKPSDM/{year}" for i in range(1, n + 1)]


# Issuing ----------------------------------------------------------------------------------


def test_everyone_eligible_gets_one_each_with_consecutive_numbers_and_a_zip(klass, admin_client):
    k = klass
    page = admin_client.get(f"/sertifikat/kelas/{k.cohort.id}").get_data(as_text=True)
    for name in [*NAMES, "Dewi Lestari"]:
        assert name in page
    assert f'<option selected value="{k.template.id}">' not in page  # no template set: none chosen
    response = admin_client.post_form(
        f"/sertifikat/kelas/{k.cohort.id}", {"who": "all", "template_id": str(k.template.id)}
    )
    job = only_bulk()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/sertifikat/massal/{job.id}"
    # The job ran (inline in tests): one certificate each, in the order of the list.
    issued = certificates()
    assert [c.holder_name for c in issued] == list(NAMES)
    assert [c.number for c in issued] == numbers(3)
    assert all(c.issued_by_id == k.admin.id and c.cohort_id == k.cohort.id for c in issued)
    assert job.state is BulkState.DONE and job.finished_at is not None
    assert [(i.done, i.error) for i in job.items] == [(True, "")] * 3
    assert [i.certificate_id for i in job.items] == [c.id for c in issued]
    # The ZIP holds each PDF, as stored, under its number and name.
    response = admin_client.get(f"/sertifikat/massal/{job.id}/zip", buffered=True)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "sertifikat-analisis-data-angkatan-i.zip" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    year = utcnow().year
    assert archive.namelist() == [
        f"800-0001-bkpsdm-{year}_andi-rizal.pdf",
        f"800-0002-bkpsdm-{year}_besse-nurhayati.pdf",
        f"800-0003-bkpsdm-{year}_cakra-wijaya.pdf",
    ]
    for name, certificate in zip(archive.namelist(), issued, strict=True):
        content = archive.read(name)
        assert content.startswith(b"%PDF")
        assert hashlib.sha256(content).hexdigest() == certificate.pdf_sha256
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "certificate.bulk")
    ).one()
    assert entry.actor_id == k.admin.id and entry.target == f"bulk_issue:{job.id}"
    assert entry.after["people"] == 3 and entry.after["everyone_eligible"] is True
    # Those already holding one are eligible no more.
    response = admin_client.post_form(
        f"/sertifikat/kelas/{k.cohort.id}", {"who": "all", "template_id": str(k.template.id)}
    )
    assert response.status_code == 422
    assert count(BulkIssue) == 1 and len(certificates()) == 3


def test_the_class_template_is_chosen_by_default(klass, admin_client, make_template):
    other = make_template(name="Templat Kelas Lain")
    klass.cohort.certificate_template_id = other.id
    db.session.commit()
    page = admin_client.get(f"/sertifikat/kelas/{klass.cohort.id}").get_data(as_text=True)
    assert f'<option selected value="{other.id}">' in page


def test_a_chosen_few(klass, admin_client):
    k = klass
    andi, besse, cakra = k.people
    response = admin_client.post_form(
        f"/sertifikat/kelas/{k.cohort.id}",
        {"who": "chosen", "people": [str(andi.id), str(cakra.id)], "template_id": k.template.id},
    )
    assert response.status_code == 302
    assert [c.user_id for c in certificates()] == [andi.id, cakra.id]
    assert [c.number for c in certificates()] == numbers(2)
    # Besse is still offered, and now alone.
    page = admin_client.get(f"/sertifikat/kelas/{k.cohort.id}").get_data(as_text=True)
    assert f'name="people" value="{besse.id}"' in page
    assert f'name="people" value="{andi.id}"' not in page
    assert certificates()[0].number in page


def test_bad_choices_are_refused_and_create_nothing(klass, admin_client, make_user):
    k = klass
    url = f"/sertifikat/kelas/{k.cohort.id}"
    stranger = make_user("Bukan Peserta")
    cases = [
        ({"who": "chosen", "template_id": k.template.id}, "Tick at least one participant."),
        (
            {"who": "chosen", "people": [str(stranger.id)], "template_id": k.template.id},
            "Only participants of this class can be chosen.",
        ),
        ({"template_id": k.template.id}, None),  # no button: nothing to do
        ({"who": "all"}, None),  # no template
    ]
    for data, message in cases:
        response = admin_client.post_form(url, data)
        assert response.status_code == 422, data
        if message:
            assert gettext(message) in response.get_data(as_text=True)
    assert count(BulkIssue) == 0 and certificates() == []


def test_nobody_eligible_and_no_template_are_said_plainly(klass, admin_client, make_course):
    k = klass
    empty = new_class(make_course("Kursus Kosong"), None, name="Kelas Kosong")
    response = admin_client.post_form(
        f"/sertifikat/kelas/{empty.id}", {"who": "all", "template_id": k.template.id}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert (
        gettext(
            "Nobody in this class can receive a certificate now: nobody has completed it "
            "without holding a certificate for it already."
        )
        in html
    )
    k.template.active = False
    db.session.commit()
    html = admin_client.get(f"/sertifikat/kelas/{k.cohort.id}").get_data(as_text=True)
    assert gettext("There is no active certificate template.") in html
    response = admin_client.post_form(
        f"/sertifikat/kelas/{k.cohort.id}", {"who": "all", "template_id": k.template.id}
    )
    assert response.status_code == 422
    assert count(BulkIssue) == 0 and certificates() == []


# Failures, one person at a time -------------------------------------------------------------


def test_a_participant_not_completed_fails_with_the_reason_and_the_others_succeed(
    klass, admin_client
):
    k = klass
    andi, besse, _cakra = k.people
    job = start(k, [andi.id, k.late.id, besse.id])
    bulk.run(job.id)
    items = {i.user_id: i for i in db.session.get(BulkIssue, job.id).items}
    reason = gettext("%(name)s has not completed it yet.", name="Dewi Lestari")
    assert items[k.late.id].done and items[k.late.id].certificate_id is None
    assert items[k.late.id].error == reason
    assert [c.user_id for c in certificates()] == [andi.id, besse.id]
    assert [c.number for c in certificates()] == numbers(2)  # the failure took no number
    html = admin_client.get(f"/sertifikat/massal/{job.id}").get_data(as_text=True)
    assert reason in html
    assert gettext("Issued: %(issued)s · failed: %(failed)s", issued="2", failed="1") in html
    names = zipfile.ZipFile(io.BytesIO(stored(job.zip_key))).namelist()
    assert len(names) == 2 and "dewi" not in " ".join(names)


def test_a_rendering_failure_is_reported_for_that_person_and_the_rest_go_on(
    klass, monkeypatch, caplog
):
    k = klass
    render = issuing.pdf_bytes

    def pdf_bytes(certificate):
        if certificate.holder_name == "Besse Nurhayati":
            raise RuntimeError("WeasyPrint ran out of memory")
        return render(certificate)

    monkeypatch.setattr(issuing, "pdf_bytes", pdf_bytes)
    job = start(k)
    with caplog.at_level(logging.ERROR, logger="lms.certificates.bulk"):
        bulk.run(job.id)
    job = db.session.get(BulkIssue, job.id)
    andi, besse, cakra = (next(i for i in job.items if i.user_id == p.id) for p in k.people)
    # Besse's certificate exists (its number stays taken) but has no PDF yet; the item says so.
    assert besse.certificate_id is not None and besse.certificate.pdf_key is None
    assert besse.error == gettext(
        "The certificate was issued, but its PDF could not be made; it is made again later "
        "and is not in the ZIP."
    )
    assert "WeasyPrint" not in besse.error  # the details are for the log, not the page
    assert any("WeasyPrint ran out of memory" in (r.exc_text or "") for r in caplog.records)
    assert andi.certificate.pdf_key and cakra.certificate.pdf_key
    assert (andi.error, cakra.error) == ("", "")
    assert [c.number for c in certificates()] == numbers(3)
    names = zipfile.ZipFile(io.BytesIO(stored(job.zip_key))).namelist()
    assert [n.split("_")[1] for n in names] == ["andi-rizal.pdf", "cakra-wijaya.pdf"]
    # The periodic job makes the missing PDF later.
    monkeypatch.setattr(issuing, "pdf_bytes", render)
    assert issuing.render_pending() == 1


def test_an_unexpected_error_while_issuing_takes_no_number(klass, monkeypatch, caplog):
    k = klass
    score_of = issuing.score_of

    def failing(enrollment):
        if enrollment.user.name == "Andi Rizal":
            raise KeyError("exam")
        return score_of(enrollment)

    monkeypatch.setattr(issuing, "score_of", failing)
    job = start(k)
    with caplog.at_level(logging.ERROR, logger="lms.certificates.bulk"):
        bulk.run(job.id)
    first = db.session.get(BulkIssue, job.id).items[0]
    assert first.user_id == k.people[0].id and first.certificate_id is None
    assert first.error == gettext(
        "An unexpected error stopped this certificate; nothing was issued. Try again later."
    )
    assert [c.holder_name for c in certificates()] == list(NAMES[1:])
    assert [c.number for c in certificates()] == numbers(2)


def test_running_the_job_again_issues_nothing_twice(klass, monkeypatch):
    k = klass
    job = start(k)
    render, calls = issuing.pdf_bytes, []

    def dies_on_the_second(certificate):
        calls.append(certificate.id)
        if len(calls) == 2:
            raise SystemExit("the worker was stopped")
        return render(certificate)

    monkeypatch.setattr(issuing, "pdf_bytes", dies_on_the_second)
    with pytest.raises(SystemExit):
        bulk.run(job.id)
    db.session.rollback()
    job = db.session.get(BulkIssue, job.id)
    assert job.state is BulkState.RUNNING
    assert [i.done for i in job.items] == [True, True, False]
    # The worker runs the job again: the rest is issued, the missing PDF made, once each.
    bulk.run(job.id)
    db.session.expire_all()
    assert job.state is BulkState.DONE
    assert [c.number for c in certificates()] == numbers(3)
    assert all(c.pdf_key for c in certificates())
    assert len(zipfile.ZipFile(io.BytesIO(stored(job.zip_key))).namelist()) == 3
    # And again, even as if it were still running: nothing more.
    job.state = BulkState.RUNNING
    db.session.commit()
    bulk.run(job.id)
    bulk.run(job.id)
    assert len(certificates()) == 3 and all(i.error == "" for i in job.items)


# The progress page ------------------------------------------------------------------------


def test_progress_is_polled_until_done_then_polling_stops(klass, admin_client):
    k = klass
    job = start(k)
    url = f"/sertifikat/massal/{job.id}"
    waiting = gettext("%(done)s of %(total)s done", done="0", total="3")
    page = admin_client.get(url).get_data(as_text=True)
    assert waiting in page and '<progress max="3" value="0"' in page
    assert f'hx-get="{url}/progres" hx-trigger="every 2s" hx-swap="outerHTML"' in page
    assert f"{url}/zip" not in page
    assert admin_client.get(f"{url}/zip").status_code == 404  # not before the end
    fragment = admin_client.get(f"{url}/progres")
    html = fragment.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="bulk-progress"')
    assert "<html" not in html and 'hx-trigger="every 2s"' in html
    assert len(fragment.data) < 2048
    # Mid-way: one of three done.
    bulk._issue_item(job.items[0].id, k.cohort.id, k.template, k.admin)
    db.session.get(BulkIssue, job.id).state = BulkState.RUNNING
    db.session.commit()
    html = admin_client.get(f"{url}/progres").get_data(as_text=True)
    assert gettext("%(done)s of %(total)s done", done="1", total="3") in html
    assert '<progress max="3" value="1"' in html and 'hx-trigger="every 2s"' in html
    # Done: the last fragment has the ZIP and each certificate, and asks for no more polling.
    bulk.run(job.id)
    html = admin_client.get(f"{url}/progres").get_data(as_text=True)
    assert gettext("%(done)s of %(total)s done", done="3", total="3") in html
    assert "hx-trigger" not in html and "hx-get" not in html
    assert f'href="{url}/zip"' in html
    for certificate in certificates():
        assert f'href="/sertifikat/{certificate.id}"' in html and certificate.number in html


def test_only_admins_issue_in_bulk(klass, client, new_client, make_user, make_institution):
    job = start(klass)
    bulk.run(job.id)
    urls = [
        f"/sertifikat/kelas/{klass.cohort.id}",
        f"/sertifikat/massal/{job.id}",
        f"/sertifikat/massal/{job.id}/progres",
        f"/sertifikat/massal/{job.id}/zip",
    ]
    for url in urls:
        assert client.get(url, buffered=True).status_code == 302  # to the login page
    make_user("ASN", nip="199001012015031001")
    inst = make_institution()
    make_user("Mitra", email="mitra@kampus.id", roles=(Role.PARTNER,), institution=inst)
    for login in ("199001012015031001", "mitra@kampus.id"):
        other = new_client()
        other.login(login)
        for url in urls:
            assert other.get(url, buffered=True).status_code == 403, (login, url)
        response = other.post_form(urls[0], {"who": "all", "template_id": klass.template.id})
        assert response.status_code == 403
    assert count(BulkIssue) == 1 and len(certificates()) == 3


def test_the_class_page_links_admins_to_bulk_issuing(klass, admin_client):
    html = admin_client.get(f"/kelas/{klass.cohort.id}").get_data(as_text=True)
    assert f'href="/sertifikat/kelas/{klass.cohort.id}"' in html


# The class's certificate settings -----------------------------------------------------------


def class_form(cohort, **over) -> dict:
    data = {
        "name": cohort.name,
        "course_id": str(cohort.course_id),
        "institution_id": "",
        "mode": "classical",
        "starts_on": cohort.starts_on.isoformat(),
        "ends_on": cohort.ends_on.isoformat(),
        "venue": "Aula BKPSDM",
        "meeting_url": "",
        "capacity": "30",
        "join_mode": "nominated",
        "attendance_threshold": "80",
        "jp": "12",
    }
    data.update(over)
    return data


def test_the_class_form_saves_the_template_and_issuing_on_completion(klass, admin_client):
    k = klass
    url = f"/kelas/{k.cohort.id}/ubah"
    html = admin_client.get(url).get_data(as_text=True)
    assert 'name="certificate_template_id"' in html and 'name="auto_certificate"' in html
    data = class_form(k.cohort, certificate_template_id=str(k.template.id), auto_certificate="y")
    assert admin_client.post_form(url, data).status_code == 302
    cohort = db.session.get(Cohort, k.cohort.id)
    assert (cohort.certificate_template_id, cohort.auto_certificate) == (k.template.id, True)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "class.update")).one()
    assert entry.after == {"certificate_template_id": k.template.id, "auto_certificate": True}
    # Without a template, here or on the course, issuing on completion cannot be asked for.
    data = class_form(k.cohort, certificate_template_id="", auto_certificate="y")
    response = admin_client.post_form(url, data)
    assert response.status_code == 422
    assert gettext(
        "Choose a certificate template for the class (its course has none) to issue "
        "certificates automatically."
    ) in response.get_data(as_text=True)
    # Unticked and emptied: saved so.
    data = class_form(k.cohort, certificate_template_id="")
    assert admin_client.post_form(url, data).status_code == 302
    cohort = db.session.get(Cohort, k.cohort.id)
    assert (cohort.certificate_template_id, cohort.auto_certificate) == (None, False)


def test_an_inactive_template_cannot_be_chosen_for_a_class(klass, admin_client, make_template):
    old = make_template(name="Templat Lama", active=False)
    url = f"/kelas/{klass.cohort.id}/ubah"
    response = admin_client.post_form(url, class_form(klass.cohort, certificate_template_id=old.id))
    assert response.status_code == 422
    assert db.session.get(Cohort, klass.cohort.id).certificate_template_id is None


def test_partner_staff_leave_the_certificate_settings_alone(
    app, client, make_course, make_institution, make_user, make_template
):
    from tests.test_classes import add_agreement, today

    inst = make_institution("Universitas Mitra")
    add_agreement(inst, starts=today() - timedelta(days=30), ends=today() + timedelta(days=300))
    make_user("Staf", email="staf@mitra.id", roles=(Role.PARTNER,), institution=inst)
    template = make_template()
    course = make_course(institution=inst)
    cohort = new_class(course, inst, certificate_template_id=template.id, auto_certificate=True)
    client.login("staf@mitra.id")
    url = f"/kelas/{cohort.id}/ubah"
    assert "certificate_template_id" not in client.get(url).get_data(as_text=True)
    data = class_form(cohort, institution_id=str(inst.id), name="Nama Baru")
    data |= {"certificate_template_id": "", "auto_certificate": ""}  # sent anyway: ignored
    assert client.post_form(url, data).status_code == 302
    cohort = db.session.get(Cohort, cohort.id)
    assert cohort.name == "Nama Baru"
    assert (cohort.certificate_template_id, cohort.auto_certificate) == (template.id, True)


@pytest.mark.parametrize("auto", [True, False])
def test_a_class_issuing_on_completion_does_so(
    app, admin_user, make_course, make_user, make_template, auto
):
    template = make_template()
    course = make_course("Kursus Kelas", lessons=(("M", (("Bacaan", "text"),)),))
    cohort = new_class(course, None, certificate_template_id=template.id, auto_certificate=auto)
    person = make_user("Peserta Lulus")
    member = join(cohort, person)
    session = add_session(cohort, utcnow() - timedelta(days=1))
    mark_done(enrollment_of(cohort, person), course.lessons[0], now=utcnow())
    db.session.commit()
    attendance.mark(session, member, True, actor=admin_user, now=utcnow())
    db.session.commit()
    enrollment = enrollment_of(cohort, person)
    assert enrollment.completed_at is not None
    issued = certificates()
    if not auto:
        assert issued == []
        return
    (certificate,) = issued
    assert certificate.enrollment_id == enrollment.id and certificate.cohort_id == cohort.id
    assert certificate.template_id == template.id and certificate.issued_by_id is None
    assert count(BulkIssueItem) == 0
