"""Materials under review: partner staff's lesson files wait for an admin's approval while
learners keep the approved version; admins' own uploads count at once; every upload can be
put through a virus scanner (LMS_SCAN_COMMAND), which refuses on its verdict or its silence."""

import io
import re
import stat
import time

import pytest
from sqlalchemy import func, select

from lms.auth.models import Role
from lms.courses.models import Lesson, LessonFile, ReviewState
from lms.extensions import db
from lms.partners.demo import logo_png, tiny_pdf
from tests.test_admin import audit_entries, message, page_text

V1, V2, V3 = (tiny_pdf([f"Lembar kerja versi {n}"]) for n in (1, 2, 3))
MARKER = "EICAR-STANDARD-ANTIVIRUS-TEST-MARKER"


@pytest.fixture
def unhas(make_institution):
    return make_institution("Universitas Hasanuddin")


@pytest.fixture
def course(make_course, unhas):
    return make_course(
        "Analisis Data", institution=unhas, lessons=(("Modul 1", (("Lembar kerja", "file"),)),)
    )


@pytest.fixture
def lesson(course) -> Lesson:
    return course.lessons[0]


@pytest.fixture
def partner(new_client, make_user, unhas):
    make_user("Dosen Unhas", email="dosen@unhas.ac.id", roles=(Role.PARTNER,), institution=unhas)
    c = new_client()
    assert c.login("dosen@unhas.ac.id").status_code == 302
    return c


@pytest.fixture
def learner(new_client, make_user, course):
    make_user("Ahmad Fauzi", nip="199001012015031001")
    c = new_client()
    assert c.login("199001012015031001").status_code == 302
    assert c.post_form(f"/kursus/{course.slug}/daftar").status_code == 302
    return c


def upload(client, course, lesson, data: bytes, name: str):
    return client.post_form(
        f"/kursus/{course.slug}/pelajaran/{lesson.id}/ubah",
        {
            "title": lesson.title,
            "kind": "file",
            "body": "",
            "video_url": "",
            "required": "y",
            "upload": (io.BytesIO(data), name),
        },
    )


def versions(lesson) -> list[LessonFile]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(LessonFile).where(LessonFile.lesson_id == lesson.id).order_by(LessonFile.id)
        )
    )


def current_file_id(lesson) -> int | None:
    db.session.expire_all()
    return db.session.get(Lesson, lesson.id).file_id


def lesson_page(client, course, lesson) -> str:
    return client.get(f"/kursus/{course.slug}/pelajaran/{lesson.id}").get_data(as_text=True)


def test_an_admins_upload_is_approved_at_once(admin_client, admin_user, course, lesson):
    assert upload(admin_client, course, lesson, V1, "v1.pdf").status_code == 302

    [v1] = versions(lesson)
    assert v1.review_state is ReviewState.APPROVED and v1.reviewed_by_id == admin_user.id
    assert current_file_id(lesson) == v1.id
    [entry] = audit_entries("lesson_file.upload", f"lesson_file:{v1.id}")
    assert entry.after["state"] == "approved"


def test_a_partners_upload_waits_and_learners_keep_the_approved_version(
    app, admin_client, admin_user, partner, learner, course, lesson
):
    upload(admin_client, course, lesson, V1, "versi-1.pdf")
    [v1] = versions(lesson)

    response = upload(partner, course, lesson, V2, "versi-2.pdf")

    assert response.status_code == 302
    _, v2 = versions(lesson)
    assert v2.review_state is ReviewState.PENDING and v2.reviewed_by_id is None
    assert current_file_id(lesson) == v1.id
    # The learner sees and gets the approved version only.
    page = lesson_page(learner, course, lesson)
    assert "versi-1.pdf" in page and "versi-2.pdf" not in page
    assert f'href="/berkas/{v1.id}"' in page
    assert learner.get(f"/berkas/{v1.id}", buffered=True).data == V1
    assert learner.get(f"/berkas/{v2.id}", buffered=True).status_code == 403
    # The uploader sees that it waits, and the history.
    edit = partner.get(f"/kursus/{course.slug}/pelajaran/{lesson.id}/ubah")
    text = page_text(edit)
    assert 'id="file-review"' in text
    assert message(app, "waiting for review") in text and message(app, "approved") in text
    assert partner.get(f"/berkas/{v2.id}", buffered=True).data == V2  # editors preview it

    # The admin approves it from the queue: learners now get it.
    queue = page_text(admin_client.get("/mitra/tinjauan-materi"))
    item = re.search(rf'<li class="card" id="version-{v2.id}">(.*?)</li>', queue, re.S).group(1)
    for shown in ("versi-2.pdf", "Analisis Data", "Lembar kerja", "Universitas Hasanuddin"):
        assert shown in item
    assert "Dosen Unhas" in item
    assert f'id="version-{v1.id}"' not in queue
    assert admin_client.post_form(f"/mitra/tinjauan-materi/{v2.id}/setujui").status_code == 302

    assert current_file_id(lesson) == v2.id
    assert versions(lesson)[1].review_state is ReviewState.APPROVED
    [entry] = audit_entries("lesson_file.approve", f"lesson_file:{v2.id}")
    assert entry.actor_id == admin_user.id
    page = lesson_page(learner, course, lesson)
    assert "versi-2.pdf" in page and "versi-1.pdf" not in page
    assert learner.get(f"/berkas/{v2.id}", buffered=True).data == V2
    assert learner.get(f"/berkas/{v1.id}", buffered=True).status_code == 403
    assert f'id="version-{v2.id}"' not in admin_client.get("/mitra/tinjauan-materi").get_data(
        as_text=True
    )


def test_a_returned_version_tells_the_uploader_why_and_learners_never_see_it(
    app, admin_client, admin_user, partner, learner, course, lesson
):
    upload(partner, course, lesson, V2, "versi-2.pdf")
    [v2] = versions(lesson)
    assert current_file_id(lesson) is None
    assert message(app, "The file for this lesson has not been uploaded yet.") in page_text(
        learner.get(f"/kursus/{course.slug}/pelajaran/{lesson.id}")
    )

    response = admin_client.post_form(f"/mitra/tinjauan-materi/{v2.id}/kembalikan", {"reason": ""})
    assert response.status_code == 422
    assert message(app, "Say what the authors should change.") in page_text(response)
    assert versions(lesson)[0].review_state is ReviewState.PENDING

    reason = "Tabel di halaman 2 memuat NIK warga; hapus kolom itu."
    response = admin_client.post_form(
        f"/mitra/tinjauan-materi/{v2.id}/kembalikan", {"reason": reason}
    )

    assert response.status_code == 302
    [v2] = versions(lesson)
    assert (v2.review_state, v2.review_reason) == (ReviewState.RETURNED, reason)
    assert current_file_id(lesson) is None
    [entry] = audit_entries("lesson_file.return", f"lesson_file:{v2.id}")
    assert entry.actor_id == admin_user.id and entry.after["reason"] == reason
    notice = re.search(
        r'<div class="flash error" id="file-review">(.*?)</div>',
        page_text(partner.get(f"/kursus/{course.slug}/pelajaran/{lesson.id}/ubah")),
        re.S,
    ).group(1)
    assert reason in notice
    assert learner.get(f"/berkas/{v2.id}", buffered=True).status_code == 403
    # Reviewed once: neither approved nor returned again.
    assert admin_client.post_form(f"/mitra/tinjauan-materi/{v2.id}/setujui").status_code == 302
    assert versions(lesson)[0].review_state is ReviewState.RETURNED
    assert current_file_id(lesson) is None


def test_a_newer_upload_withdraws_the_one_still_waiting(admin_client, partner, course, lesson):
    upload(partner, course, lesson, V2, "versi-2.pdf")
    upload(partner, course, lesson, V3, "versi-3.pdf")

    v2, v3 = versions(lesson)
    assert v2.review_state is ReviewState.RETURNED and v2.reviewed_by_id is None
    assert v3.review_state is ReviewState.PENDING
    queue = admin_client.get("/mitra/tinjauan-materi").get_data(as_text=True)
    assert f'id="version-{v3.id}"' in queue and f'id="version-{v2.id}"' not in queue
    assert admin_client.post_form(f"/mitra/tinjauan-materi/{v2.id}/setujui").status_code == 302
    assert current_file_id(lesson) is None


def test_saving_the_text_of_a_lesson_whose_file_waits_needs_no_new_upload(partner, course, lesson):
    upload(partner, course, lesson, V2, "versi-2.pdf")
    response = partner.post_form(
        f"/kursus/{course.slug}/pelajaran/{lesson.id}/ubah",
        {"title": "Lembar kerja (baru)", "kind": "file", "body": "Isi", "required": "y"},
    )
    assert response.status_code == 302
    assert len(versions(lesson)) == 1


def test_the_queue_is_for_admins_only(partner, learner, lesson):
    assert partner.get("/mitra/tinjauan-materi").status_code == 403
    assert learner.get("/mitra/tinjauan-materi").status_code == 403


# Virus scan -------------------------------------------------------------------------------


@pytest.fixture
def scanner(app, tmp_path):
    """Install a scanner command: a shell script that finds the test marker, or misbehaves."""

    def install(body: str, timeout: float = 10) -> None:
        script = tmp_path / "scanner.sh"
        script.write_text("#!/bin/sh\n" + body + "\n")
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
        app.config["SCAN_COMMAND"] = f"{script} --no-summary"
        app.config["SCAN_TIMEOUT"] = timeout

    return install


#: Like clamdscan: the file is the last argument; 0 clean, 1 found, 2 trouble.
FINDS_MARKER = f'for f; do :; done; grep -q "{MARKER}" "$f" && exit 1; exit 0'


def test_the_scanner_refuses_an_infected_file(app, partner, course, lesson, scanner):
    scanner(FINDS_MARKER)

    response = upload(partner, course, lesson, tiny_pdf([MARKER]), "materi.pdf")

    assert response.status_code == 200  # the lesson form answers refusals as it always has
    assert message(app, "The file was refused by the virus scanner.") in page_text(response)
    assert versions(lesson) == []
    assert audit_entries("lesson_file.upload") == []

    assert upload(partner, course, lesson, V1, "bersih.pdf").status_code == 302
    assert [v.original_name for v in versions(lesson)] == ["bersih.pdf"]


@pytest.mark.parametrize(
    "body",
    ["exit 2", "sleep 30; exit 0", "echo broken >&2; exit 127"],
    ids=["error", "timeout", "crash"],
)
def test_a_scanner_that_fails_refuses_the_file(app, partner, course, lesson, scanner, body):
    scanner(body, timeout=0.5)
    started = time.monotonic()

    response = upload(partner, course, lesson, V1, "materi.pdf")

    assert time.monotonic() - started < 10  # a hung scanner is killed, with its children
    assert response.status_code == 200
    text = "The file could not be checked for viruses. Please try again in a few minutes."
    assert message(app, text) in page_text(response)
    assert versions(lesson) == []


def test_a_scanner_that_cannot_be_started_refuses_the_file(app, partner, course, lesson):
    app.config["SCAN_COMMAND"] = "/nonexistent/clamdscan --fdpass"
    assert upload(partner, course, lesson, V1, "materi.pdf").status_code == 200
    assert versions(lesson) == []


def test_logos_and_agreement_documents_are_scanned_too(app, admin_client, unhas, scanner):
    scanner(FINDS_MARKER)
    refused = message(app, "The file was refused by the virus scanner.")

    logo = logo_png(8) + MARKER.encode()  # trailing bytes after IEND: still a PNG
    response = admin_client.post_form(
        f"/mitra/{unhas.id}/ubah",
        {"name": unhas.name, "type": "university", "logo": (io.BytesIO(logo), "logo.png")},
    )
    assert response.status_code == 422 and refused in page_text(response)

    response = admin_client.post_form(
        f"/mitra/{unhas.id}/perjanjian/baru",
        {
            "kind": "pks",
            "number": "1",
            "title": "PKS",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "document": (io.BytesIO(tiny_pdf([MARKER])), "pks.pdf"),
        },
    )
    assert response.status_code == 422 and refused in page_text(response)
    from lms.partners.models import Agreement

    assert db.session.scalar(select(func.count(Agreement.id))) == 0


def test_the_review_pages_say_whether_uploads_are_scanned(
    app, admin_client, partner, course, lesson, scanner
):
    upload(partner, course, lesson, V1, "materi.pdf")
    [v] = versions(lesson)
    unconfigured = message(
        app,
        "Virus scanning is not configured: uploads are stored without a scan. "
        "Open files with care.",
    )
    assert unconfigured in page_text(admin_client.get("/mitra/tinjauan-materi"))
    assert unconfigured in page_text(admin_client.get(f"/mitra/tinjauan-materi/{v.id}"))

    scanner(FINDS_MARKER)
    page = page_text(admin_client.get("/mitra/tinjauan-materi"))
    assert unconfigured not in page
    assert (
        message(app, "Every upload was checked by the virus scanner before it was stored.") in page
    )
