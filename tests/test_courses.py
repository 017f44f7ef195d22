"""Courses: the catalog, course pages, authoring, lesson files and the review flow."""

import html
import io
import re
import struct
import zlib
from functools import cache
from pathlib import Path

import pytest
from flask_babel import gettext
from sqlalchemy import func, select

from lms.auth.models import Role
from lms.core.audit import AuditEntry
from lms.core.clock import utcnow
from lms.courses.models import Course, CourseState, Lesson, LessonFile, LessonKind, Module
from lms.extensions import db
from lms.learning.models import Enrollment, EnrollmentSource, LessonProgress


def message(app, text: str, **kw) -> str:
    """A message as the app shows it, in whichever language the app speaks in tests."""
    with app.test_request_context("/"):
        return gettext(text, **kw)


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def catalog_titles(response) -> list[str]:
    body = response.get_data(as_text=True)
    return [
        html.unescape(t) for t in re.findall(r'<h2><a href="/kursus/[^"]+">([^<]*)</a></h2>', body)
    ]


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def audit_actions(course: Course) -> list[str]:
    stmt = select(AuditEntry.action).where(AuditEntry.target == f"course:{course.id}")
    return list(db.session.scalars(stmt.order_by(AuditEntry.id)))


def stored_files(app) -> list[Path]:
    root = Path(app.instance_path) / "uploads"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@cache
def pdf_bytes() -> bytes:
    import weasyprint

    return weasyprint.HTML(string="<h1>Materi</h1><p>Standar pelayanan.</p>").write_pdf()


def png_bytes() -> bytes:
    """A real 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.fixture
def partners(make_institution, make_user):
    """Two partner institutions, A and B, each with one member of staff."""
    a, b = make_institution("Universitas A"), make_institution("Politeknik B")
    return {
        "a": a,
        "b": b,
        "staff_a": make_user(
            "Staf A", email="a@kampus-a.ac.id", roles=(Role.PARTNER,), institution=a
        ),
        "staff_b": make_user(
            "Staf B", email="b@kampus-b.ac.id", roles=(Role.PARTNER,), institution=b
        ),
    }


@pytest.fixture
def as_partner_a(new_client, partners):
    c = new_client()
    assert c.login("a@kampus-a.ac.id").status_code == 302
    return c


@pytest.fixture
def as_partner_b(new_client, partners):
    c = new_client()
    assert c.login("b@kampus-b.ac.id").status_code == 302
    return c


def course_form(**changes) -> dict:
    data = {
        "title": "Etika Pelayanan",
        "code": "ETK-01",
        "summary": "Sikap melayani.",
        "description": "Isi **kursus**.",
        "competency_type": "sosial_kultural",
        "mode": "elearning",
        "jp": "4",
        "open_enrollment": "y",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def lesson_form(**changes) -> dict:
    data = {"title": "Materi", "kind": "text", "body": "Isi.", "video_url": "", "required": "y"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# Catalog ----------------------------------------------------------------------------------


def test_catalog_is_public_and_lists_published_courses_only(client, make_course):
    make_course("Pelayanan Publik Prima")
    for state in ("draft", "review", "archived"):
        make_course(f"Kursus {state}", state=state)
    response = client.get("/kursus")
    assert response.status_code == 200
    assert catalog_titles(response) == ["Pelayanan Publik Prima"]


def test_catalog_searches_titles_and_summaries(client, make_course):
    make_course("Pelayanan Publik Prima", summary="Standar pelayanan di kelurahan.")
    make_course("Kepemimpinan Pengawas", summary="Memimpin tim dan memberi umpan balik.")
    make_course("Penulisan Naskah Dinas", summary="Surat dan nota.")
    assert catalog_titles(client.get("/kursus?q=publik")) == ["Pelayanan Publik Prima"]
    assert catalog_titles(client.get("/kursus?q=UMPAN+BALIK")) == ["Kepemimpinan Pengawas"]
    assert catalog_titles(client.get("/kursus?q=tidak-ada")) == []
    assert message(client.application, "No course matches this search.") in page_text(
        client.get("/kursus?q=tidak-ada")
    )


def test_catalog_search_treats_wildcards_as_letters(client, make_course):
    make_course("Capaian 100% Layanan")
    make_course("Capaian Layanan")
    assert catalog_titles(client.get("/kursus?q=100%25")) == ["Capaian 100% Layanan"]
    assert catalog_titles(client.get("/kursus?q=%25")) == ["Capaian 100% Layanan"]
    assert catalog_titles(client.get("/kursus?q=_")) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("competency=manajerial", ["Kepemimpinan"]),
        ("competency=sosial_kultural", ["Moderasi"]),
        ("mode=klasikal", ["Kepemimpinan"]),
        ("mode=blended", ["Moderasi"]),
        ("jp_min=10", ["Analisis Data", "Kepemimpinan"]),
        ("jp_max=8", ["Moderasi"]),
        ("jp_min=10&jp_max=15", ["Analisis Data"]),
        ("owner=bkpsdm", ["Kepemimpinan", "Moderasi"]),
        ("owner=PARTNER", ["Analisis Data"]),
        ("competency=teknis&owner=bkpsdm", []),
        ("competency=bogus&jp_min=x", ["Analisis Data", "Kepemimpinan", "Moderasi"]),
    ],
)
def test_catalog_filters(client, make_course, make_institution, query, expected):
    partner = make_institution("Universitas Demo")
    make_course("Kepemimpinan", competency_type="manajerial", mode="klasikal", jp=20)
    make_course("Moderasi", competency_type="sosial_kultural", mode="blended", jp=8)
    make_course("Analisis Data", institution=partner, jp=12)
    response = client.get("/kursus?" + query.replace("PARTNER", str(partner.id)))
    assert catalog_titles(response) == expected


def test_catalog_pages_twelve_at_a_time(client, make_course):
    for n in range(14):
        make_course(f"Kursus {n:02d}")
    first = client.get("/kursus")
    assert catalog_titles(first) == [f"Kursus {n:02d}" for n in range(12)]
    assert 'href="/kursus?page=2"' in first.get_data(as_text=True)
    assert catalog_titles(client.get("/kursus?page=2")) == ["Kursus 12", "Kursus 13"]
    assert catalog_titles(client.get("/kursus?page=9")) == []


def test_catalog_search_keeps_filters_across_pages(client, make_course):
    for n in range(13):
        make_course(f"Teknis {n:02d}")
    make_course("Manajerial", competency_type="manajerial")
    body = client.get("/kursus?competency=teknis").get_data(as_text=True)
    assert 'href="/kursus?competency=teknis&amp;page=2"' in body


def test_catalog_answers_htmx_with_the_list_alone(client, make_course):
    make_course("Pelayanan Publik Prima")
    full = client.get("/kursus?q=prima").get_data(as_text=True)
    assert "<html" in full and 'id="catalog-list"' in full
    # The search form works without JavaScript and updates the list with it.
    form = re.search(r"<form[^>]*role=\"search\"[^>]*>", full, re.S).group(0)
    assert 'method="get"' in form and 'action="/kursus"' in form
    assert 'hx-target="#catalog-list"' in form and 'hx-push-url="true"' in form
    assert "delay:" in form
    response = client.get(
        "/kursus?q=prima", headers={"HX-Request": "true", "HX-Target": "catalog-list"}
    )
    fragment = response.get_data(as_text=True).strip()
    assert fragment.startswith('<div id="catalog-list">') and "<html" not in fragment
    assert "Pelayanan Publik Prima" in fragment
    assert "HX-Target" in response.headers["Vary"]


XSS = {
    "title": '<script>alert("t")</script>Kursus <b onmouseover=alert(1)>',
    "summary": "<img src=x onerror=alert(1)> ringkasan",
    "description": (
        "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n"
        '[klik](javascript:alert(3)) dan <a href="javascript:alert(4)">ini</a>'
    ),
}


def assert_inert(body: str) -> None:
    assert "<script>alert" not in body
    assert re.search(r"<[^>]+\son[a-z]+\s*=", body) is None, "an event handler survived"
    assert (
        re.search(r"<[a-z][^>]*\s(?:href|src|action)\s*=\s*[\"']?\s*javascript:", body, re.I)
        is None
    )
    assert "<img src=x" not in body and "<b onmouseover" not in body


def test_markup_in_course_texts_is_rendered_inert(client, make_course):
    course = make_course(XSS["title"], summary=XSS["summary"], description=XSS["description"])
    lesson = course.lessons[0]
    lesson.body = XSS["description"]
    db.session.commit()
    for url in ("/kursus", f"/kursus/{course.slug}", "/kursus?q=kursus"):
        body = client.get(url).get_data(as_text=True)
        assert_inert(body)
        assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;Kursus" in body  # shown as text


def test_markup_in_lesson_bodies_is_inert_in_the_preview(admin_client, make_course):
    course = make_course("Kursus")
    course.lessons[0].body = XSS["description"]
    course.modules[0].title = XSS["title"]
    db.session.commit()
    body = admin_client.get(f"/kursus/{course.slug}/pratinjau").get_data(as_text=True)
    assert_inert(body)
    assert "klik" in body  # the link's text stays, its javascript: target does not


# Course page ------------------------------------------------------------------------------


def test_course_page_shows_the_course_and_its_outline(client, make_course, make_institution):
    course = make_course(
        "Analisis Data",
        institution=make_institution("Universitas Demo Makassar"),
        jp=12,
        code="UDM-01",
        description="Belajar **data**.",
        lessons=(
            ("Data di Sekitar Kita", (("Sumber data", "text"), ("Lembar kerja", "file"))),
            ("Rekomendasi", (("Grafik", "video"),)),
        ),
    )
    lesson = course.modules[0].lessons[1]
    db.session.add(
        version := LessonFile(
            lesson_id=lesson.id,
            storage_key="0" * 32,
            original_name="lembar.pdf",
            content_type="application/pdf",
            size=1536,
            sha256="0" * 64,
            uploaded_at=utcnow(),
        )
    )
    db.session.flush()
    lesson.file = version
    db.session.commit()
    client.set_cookie("lang", "id")
    body = page_text(client.get("/kursus/" + course.slug))
    for text in (
        "UDM-01",
        "Analisis Data",
        "Universitas Demo Makassar",
        "12 JP",
        "Data di Sekitar Kita",
        "Sumber data",
        "Lembar kerja",
        "Rekomendasi",
        "Grafik",
    ):
        assert text in body
    assert "<strong>data</strong>" in body
    assert "1,5 KB" in body  # the size in Indonesian number format
    client.set_cookie("lang", "en")
    assert "1.5 KB" in page_text(client.get("/kursus/" + course.slug))


def test_unpublished_courses_are_hidden_from_everyone_but_their_editors(
    client, new_client, make_course, partners, as_partner_a, as_partner_b, make_user
):
    draft = make_course("Draf B", institution=partners["b"], state="draft")
    archived = make_course("Arsip B", institution=partners["b"], state="archived")
    make_user(nip="199001012015031001")
    asn = new_client()
    asn.login("199001012015031001")
    for course in (draft, archived):
        url = f"/kursus/{course.slug}"
        assert client.get(url).status_code == 404
        assert asn.get(url).status_code == 404
        assert as_partner_a.get(url).status_code == 404
        assert as_partner_b.get(url).status_code == 200
    assert client.get("/kursus/tidak-ada").status_code == 404


# Authoring --------------------------------------------------------------------------------


def test_partner_creates_a_course_for_their_institution(as_partner_a, partners):
    response = as_partner_a.post_form("/kursus/baru", course_form())
    assert response.status_code == 302
    course = db.session.scalar(select(Course).where(Course.code == "ETK-01"))
    assert response.headers["Location"] == f"/kursus/{course.slug}/ubah"
    assert course.slug == "etika-pelayanan"
    assert course.institution_id == partners["a"].id
    assert course.state is CourseState.DRAFT
    assert course.created_by_id == partners["staff_a"].id
    assert (course.jp, course.open_enrollment) == (4, True)
    assert audit_actions(course) == ["course.create"]


def test_admin_creates_bkpsdm_courses(admin_client):
    admin_client.post_form("/kursus/baru", course_form(open_enrollment=None))
    course = db.session.scalar(select(Course))
    assert course.institution_id is None and course.owner_name == "BKPSDM Kota Makassar"
    assert course.open_enrollment is False


def test_slugs_are_unique_and_stay_when_the_title_changes(admin_client, make_course):
    make_course("Etika Pelayanan", slug="etika-pelayanan")
    admin_client.post_form("/kursus/baru", course_form(code="A-1"))
    admin_client.post_form("/kursus/baru", course_form(code="A-2"))
    admin_client.post_form("/kursus/baru", course_form(code="A-3", title="Baru"))
    slugs = dict(db.session.execute(select(Course.code, Course.slug)).all())
    assert slugs["A-1"] == "etika-pelayanan-2"
    assert slugs["A-2"] == "etika-pelayanan-3"
    assert slugs["A-3"] == "baru-2"  # /kursus/baru is the new-course page
    admin_client.post_form("/kursus/etika-pelayanan-2/ubah", course_form(code="A-1", title="Lain"))
    course = db.session.scalar(select(Course).where(Course.code == "A-1"))
    assert (course.title, course.slug) == ("Lain", "etika-pelayanan-2")


def test_course_form_refuses_a_taken_code_and_jp_out_of_range(admin_client, make_course):
    make_course("Ada", code="ETK-01")
    response = admin_client.post_form("/kursus/baru", course_form(code="etk-01"))
    assert response.status_code == 200
    assert message(
        admin_client.application, "Another course already has the code %(code)s.", code="ETK-01"
    ) in page_text(response)
    response = admin_client.post_form("/kursus/baru", course_form(code="X-1", jp="201"))
    assert response.status_code == 200 and 'aria-invalid="true"' in page_text(response)
    assert count(Course) == 1


def test_manage_lists_only_the_courses_one_may_edit(
    admin_client, as_partner_a, make_course, partners
):
    make_course("Kursus A", institution=partners["a"], state="draft")
    make_course("Kursus B", institution=partners["b"], state="review")
    make_course("Kursus BKPSDM")
    body = page_text(as_partner_a.get("/kursus/kelola"))
    assert "Kursus A" in body and "Kursus B" not in body and "Kursus BKPSDM" not in body
    body = page_text(admin_client.get("/kursus/kelola"))
    assert all(t in body for t in ("Kursus A", "Kursus B", "Kursus BKPSDM"))
    assert 'href="/kursus/tinjauan"' in body  # one course waits for review
    body = page_text(admin_client.get("/kursus/kelola?state=review"))
    assert "Kursus B" in body and "Kursus A" not in body


def test_learners_may_not_author(new_client, make_user, make_course):
    course = make_course()
    make_user(nip="199001012015031001")
    asn = new_client()
    asn.login("199001012015031001")
    assert asn.get("/kursus/kelola").status_code == 403
    assert asn.get("/kursus/baru").status_code == 403
    assert asn.get(f"/kursus/{course.slug}/ubah").status_code == 403
    assert asn.post_form(f"/kursus/{course.slug}/modul", {"title": "X"}).status_code == 403
    assert len(course.modules) == 1


def _course_routes(app, course: Course):
    """Every route of the courses feature that names one course, with `course`'s ids."""
    module, lesson = course.modules[0], course.modules[0].lessons[0]
    values = {"slug": course.slug, "module_id": module.id, "lesson_id": lesson.id}
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("courses.") or "slug" not in rule.arguments:
                continue
            url = url_for(rule.endpoint, **{a: values[a] for a in rule.arguments})
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule.endpoint, method, url


def _send(client, method: str, url: str):
    if method == "GET":
        return client.get(url)
    data = {"title": "Diubah", "direction": "up", "reason": "Ubah", **course_form(code="B-9")}
    return client.post_form(url, data)


def test_partner_cannot_see_or_change_another_partners_course(
    app, as_partner_a, make_course, partners
):
    draft = make_course("Draf B", institution=partners["b"], state="draft", code="B-1")
    published = make_course("Terbit B", institution=partners["b"], code="B-2")
    routes = list(_course_routes(app, draft))
    assert len(routes) >= 17
    for endpoint, method, url in routes:
        status = _send(as_partner_a, method, url).status_code
        # Not even whether the draft exists: the same answer as for a slug nobody uses.
        missing = _send(as_partner_a, method, url.replace(draft.slug, "tidak-ada")).status_code
        assert status == missing and status in (403, 404), f"{method} {url}: {status}"
        if endpoint not in ("courses.publish", "courses.return_course"):
            assert status == 404, f"{method} {url}"
    for endpoint, method, url in _course_routes(app, published):
        status = _send(as_partner_a, method, url).status_code
        expected = 200 if endpoint == "courses.show" else 403
        assert status == expected, f"{method} {url}: {status}"
    for course, title, code, state in (
        (draft, "Draf B", "B-1", "draft"),
        (published, "Terbit B", "B-2", "published"),
    ):
        assert (course.title, course.code, course.state) == (title, code, CourseState(state))
        assert [m.title for m in course.modules] == ["Modul 1"]
        assert [lesson.title for lesson in course.lessons] == ["Pengantar", "Materi inti"]
    assert count(Course) == 2 and count(LessonFile) == 0


def test_partner_edits_their_own_course(as_partner_b, make_course, partners):
    course = make_course("Draf B", institution=partners["b"], state="draft")
    for url in (
        f"/kursus/{course.slug}/ubah",
        f"/kursus/{course.slug}/pratinjau",
        f"/kursus/{course.slug}/pelajaran/{course.lessons[0].id}/ubah",
        f"/kursus/{course.slug}/modul/{course.modules[0].id}/pelajaran/baru",
    ):
        assert as_partner_b.get(url).status_code == 200, url
    response = as_partner_b.post_form(f"/kursus/{course.slug}/ubah", course_form(title="Draf B2"))
    assert response.status_code == 302
    assert course.title == "Draf B2" and course.institution_id == partners["b"].id


# Modules, lessons and their order ---------------------------------------------------------


def test_modules_are_added_renamed_and_deleted(admin_client, make_course):
    course = make_course(state="draft")
    base = f"/kursus/{course.slug}/modul"
    assert admin_client.post_form(base, {"title": "Penutup"}).status_code == 302
    assert [m.title for m in course.modules] == ["Modul 1", "Penutup"]
    new = course.modules[1]
    admin_client.post_form(f"{base}/{new.id}", {"title": "Evaluasi"})
    assert new.title == "Evaluasi"
    response = admin_client.post_form(f"{base}/{new.id}", {"title": "  "})
    assert response.status_code == 302 and new.title == "Evaluasi"
    admin_client.post_form(f"{base}/{course.modules[0].id}/hapus")
    assert [m.title for m in course.modules] == ["Evaluasi"]
    assert count(Lesson) == 0


def _titles(course: Course) -> list[str]:
    return [lesson.title for lesson in course.modules[0].lessons]


def test_reordering_without_javascript_redirects_back(admin_client, make_course):
    course = make_course(
        state="draft",
        lessons=(("M1", (("A", "text"), ("B", "text"), ("C", "text"))), ("M2", ())),
    )
    a = course.modules[0].lessons[0]
    response = admin_client.post_form(
        f"/kursus/{course.slug}/pelajaran/{a.id}/geser", {"direction": "down"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/kursus/{course.slug}/ubah#outline"
    assert _titles(course) == ["B", "A", "C"]
    admin_client.post_form(f"/kursus/{course.slug}/pelajaran/{a.id}/geser", {"direction": "down"})
    assert _titles(course) == ["B", "C", "A"]
    admin_client.post_form(f"/kursus/{course.slug}/pelajaran/{a.id}/geser", {"direction": "down"})
    assert _titles(course) == ["B", "C", "A"]  # already last
    m2 = course.modules[1]
    admin_client.post_form(f"/kursus/{course.slug}/modul/{m2.id}/geser", {"direction": "up"})
    assert [m.title for m in course.modules] == ["M2", "M1"]
    response = admin_client.post_form(
        f"/kursus/{course.slug}/modul/{m2.id}/geser", {"direction": "sideways"}
    )
    assert response.status_code == 302 and [m.title for m in course.modules] == ["M2", "M1"]


def test_reordering_with_htmx_returns_the_outline(admin_client, make_course):
    course = make_course(state="draft", lessons=(("M1", (("A", "text"), ("B", "text"))),))
    b = course.modules[0].lessons[1]
    response = admin_client.post_form(
        f"/kursus/{course.slug}/pelajaran/{b.id}/geser",
        {"direction": "up"},
        headers={"HX-Request": "true", "HX-Target": "outline"},
    )
    assert response.status_code == 200
    fragment = response.get_data(as_text=True).strip()
    assert fragment.startswith('<section class="card" id="outline"') and "<html" not in fragment
    assert fragment.index(">B</a>") < fragment.index(">A</a>")
    assert _titles(course) == ["B", "A"]
    # The buttons are real forms: they post without JavaScript too.
    edit = admin_client.get(f"/kursus/{course.slug}/ubah").get_data(as_text=True)
    assert f'action="/kursus/{course.slug}/pelajaran/{b.id}/geser"' in edit
    assert 'name="direction" value="up"' in edit and 'hx-target="#outline"' in edit


def test_a_refused_outline_change_is_explained_in_the_fragment(admin_client, make_course):
    course = make_course()
    lesson = course.lessons[0]
    response = admin_client.post_form(
        f"/kursus/{course.slug}/pelajaran/{lesson.id}/hapus",
        headers={"HX-Request": "true", "HX-Target": "outline"},
    )
    assert 'class="flash error"' in response.get_data(as_text=True)
    assert db.session.get(Lesson, lesson.id) is not None


def test_lessons_are_created_and_edited(admin_client, make_course):
    course = make_course(state="draft")
    module = course.modules[0]
    url = f"/kursus/{course.slug}/modul/{module.id}/pelajaran/baru"
    response = admin_client.post_form(url, lesson_form(title="Penutup", body="# Ringkasan"))
    assert response.status_code == 302
    lesson = module.lessons[-1]
    assert (lesson.title, lesson.kind, lesson.position, lesson.required) == (
        "Penutup",
        LessonKind.TEXT,
        2,
        True,
    )
    admin_client.post_form(
        f"/kursus/{course.slug}/pelajaran/{lesson.id}/ubah",
        lesson_form(
            title="Penutup", kind="video", video_url="https://video.example.id/1", required=None
        ),
    )
    assert (lesson.kind, lesson.video_url, lesson.required) == (
        LessonKind.VIDEO,
        "https://video.example.id/1",
        False,
    )


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,x", "ftp://x.id/v", "//x.id/v", "video"]
)
def test_video_links_must_be_http(admin_client, make_course, url):
    course = make_course(state="draft")
    lesson = course.lessons[0]
    response = admin_client.post_form(
        f"/kursus/{course.slug}/pelajaran/{lesson.id}/ubah",
        lesson_form(kind="video", video_url=url),
    )
    assert response.status_code == 200 and 'aria-invalid="true"' in response.get_data(as_text=True)
    assert lesson.kind is LessonKind.TEXT and lesson.video_url == ""


def test_exam_lessons_say_not_open_until_an_exam_is_linked(admin_client, make_course):
    course = make_course(state="draft")
    module = course.modules[0]
    admin_client.post_form(
        f"/kursus/{course.slug}/modul/{module.id}/pelajaran/baru",
        lesson_form(title="Kuis akhir", kind="exam", body=""),
    )
    assert module.lessons[-1].kind is LessonKind.EXAM
    body = page_text(admin_client.get(f"/kursus/{course.slug}/pratinjau"))
    assert message(admin_client.application, "This exam is not open yet.") in body


def test_preview_shows_every_lesson_in_order(admin_client, make_course):
    course = make_course(
        state="review",
        lessons=(("M1", (("Satu", "text"), ("Dua", "video"))), ("M2", (("Tiga", "text"),))),
    )
    for lesson in course.lessons:
        lesson.body = f"Isi **{lesson.title}**"
    course.lessons[1].video_url = "https://video.example.id/dua"
    db.session.commit()
    body = admin_client.get(f"/kursus/{course.slug}/pratinjau").get_data(as_text=True)
    positions = [body.index(f"Isi <strong>{t}</strong>") for t in ("Satu", "Dua", "Tiga")]
    assert positions == sorted(positions)
    # The video is a link, never embedded.
    assert 'href="https://video.example.id/dua"' in body
    assert "<iframe" not in body and "<video" not in body


def test_lesson_body_needs_only_the_lesson(app, make_course):
    """The learner's lesson page (the learning feature's) includes it with `lesson` alone."""
    from flask import render_template_string

    course = make_course(
        lessons=(("M", (("T", "text"), ("V", "video"), ("E", "exam"), ("F", "file"))),)
    )
    text, video, exam, file = course.lessons
    text.body = "**Tebal**"
    video.video_url = "https://video.example.id/v"
    db.session.commit()
    with app.test_request_context("/"):
        out = {
            lesson.title: render_template_string(
                '{% include "courses/_lesson_body.html" %}', lesson=lesson
            )
            for lesson in course.lessons
        }
        soon = gettext("This exam is not open yet.")
        no_file = gettext("The file for this lesson has not been uploaded yet.")
    assert "<strong>Tebal</strong>" in out["T"]
    assert 'href="https://video.example.id/v"' in out["V"] and "<iframe" not in out["V"]
    assert soon in html.unescape(out["E"])
    assert no_file in html.unescape(out["F"])


# Lesson files -----------------------------------------------------------------------------


def _upload(client, course, lesson, data: bytes, name: str, **extra):
    return client.post_form(
        f"/kursus/{course.slug}/pelajaran/{lesson.id}/ubah",
        lesson_form(title=lesson.title, kind="file", upload=(io.BytesIO(data), name), **extra),
        content_type="multipart/form-data",
    )


@pytest.fixture
def file_lesson(make_course):
    course = make_course(state="draft", lessons=(("Modul 1", (("Handout", "file"),)),))
    return course, course.lessons[0]


@pytest.mark.parametrize(
    ("data", "name", "mime"),
    [(pdf_bytes, "Modul Standar.pdf", "application/pdf"), (png_bytes, "bagan.png", "image/png")],
)
def test_a_real_file_is_stored_under_a_random_key(
    app, admin_client, admin_user, file_lesson, data, name, mime
):
    course, lesson = file_lesson
    content = data()
    response = _upload(admin_client, course, lesson, content, name)
    assert response.status_code == 302
    version = lesson.file
    assert version is not None and lesson.versions == [version]
    assert (version.original_name, version.content_type, version.size) == (name, mime, len(content))
    assert version.uploaded_by_id == admin_user.id
    [path] = stored_files(app)
    assert path.name == version.storage_key and re.fullmatch(r"[0-9a-f]{32}", path.name)
    assert path.read_bytes() == content
    assert name not in str(path)


def test_replacing_a_file_keeps_the_old_version(app, admin_client, file_lesson):
    course, lesson = file_lesson
    _upload(admin_client, course, lesson, pdf_bytes(), "versi-1.pdf")
    first = lesson.file
    _upload(admin_client, course, lesson, png_bytes(), "versi-2.png")
    assert lesson.file.original_name == "versi-2.png"
    assert [v.original_name for v in lesson.versions] == ["versi-2.png", "versi-1.pdf"]
    assert db.session.get(LessonFile, first.id) is not None
    assert len(stored_files(app)) == 2
    body = page_text(admin_client.get(f"/kursus/{course.slug}/pelajaran/{lesson.id}/ubah"))
    assert "versi-1.pdf" in body and "versi-2.png" in body and "Admin BKPSDM" in body
    # Saving the lesson again without a file keeps the current one.
    assert _upload_nothing(admin_client, course, lesson).status_code == 302
    assert lesson.file.original_name == "versi-2.png" and len(lesson.versions) == 2


def _upload_nothing(client, course, lesson):
    return client.post_form(
        f"/kursus/{course.slug}/pelajaran/{lesson.id}/ubah",
        lesson_form(title=lesson.title, kind="file", body="Baru"),
    )


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"Ini hanya teks biasa, bukan PDF.\n" * 20, "materi.pdf"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200, "materi.pdf"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200, "setup.exe"),
        (b"<html><script>alert(1)</script></html>", "halaman.png"),
        (b"", "kosong.pdf"),
    ],
)
def test_files_of_the_wrong_kind_are_refused_and_not_stored(
    app, admin_client, file_lesson, data, name
):
    course, lesson = file_lesson
    response = _upload(admin_client, course, lesson, data, name)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'id="file-err"' in body
    assert count(LessonFile) == 0 and lesson.file is None
    assert stored_files(app) == []


def test_a_file_lesson_needs_a_file(admin_client, make_course):
    course = make_course(state="draft")
    module = course.modules[0]
    response = admin_client.post_form(
        f"/kursus/{course.slug}/modul/{module.id}/pelajaran/baru", lesson_form(kind="file")
    )
    assert response.status_code == 200
    assert message(admin_client.application, "Choose a file to upload.") in page_text(response)
    assert len(module.lessons) == 2
    response = admin_client.post_form(
        f"/kursus/{course.slug}/modul/{module.id}/pelajaran/baru",
        lesson_form(title="Handout", kind="file", upload=(io.BytesIO(pdf_bytes()), "h.pdf")),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    lesson = module.lessons[-1]
    assert lesson.title == "Handout" and lesson.file.original_name == "h.pdf"
    assert lesson.file.lesson_id == lesson.id


def test_an_oversized_upload_is_refused_with_413(app, admin_client, file_lesson):
    course, lesson = file_lesson
    app.config["MAX_CONTENT_LENGTH"] = 4096
    response = _upload(admin_client, course, lesson, pdf_bytes() + b"\0" * 8192, "besar.pdf")
    assert response.status_code == 413
    assert message(app, "File too large") in page_text(response)
    assert count(LessonFile) == 0 and stored_files(app) == []


def test_the_size_limit_is_configurable(monkeypatch, app_config):
    from lms import create_app

    monkeypatch.setenv("LMS_MAX_CONTENT_LENGTH", "1048576")
    assert create_app(app_config).config["MAX_CONTENT_LENGTH"] == 1048576


def test_folder_parts_in_a_file_name_are_dropped(app, admin_client, file_lesson):
    course, lesson = file_lesson
    _upload(admin_client, course, lesson, pdf_bytes(), "../../../etc/modul.pdf")
    assert lesson.file.original_name == "modul.pdf"
    [path] = stored_files(app)
    assert path.name == lesson.file.storage_key
    assert not (Path(app.instance_path).parent / "etc").exists()


def test_a_nul_in_a_file_name_is_refused(app, admin_client, file_lesson):
    course, lesson = file_lesson
    response = _upload(admin_client, course, lesson, pdf_bytes(), "modul\x00.exe.pdf")
    assert response.status_code == 200
    assert message(app, "The file name is not valid.") in page_text(response)
    assert count(LessonFile) == 0 and stored_files(app) == []


def test_the_lesson_shows_the_file_size_and_a_download_link(admin_client, file_lesson):
    course, lesson = file_lesson
    _upload(admin_client, course, lesson, pdf_bytes(), "handout.pdf")
    body = admin_client.get(f"/kursus/{course.slug}/pratinjau").get_data(as_text=True)
    assert f'href="/berkas/{lesson.file.id}"' in body
    assert "handout.pdf" in body and "PDF" in body and " KB" in body


# Review flow ------------------------------------------------------------------------------


def test_review_flow_submit_return_with_reason_publish(
    admin_client, as_partner_a, make_course, partners
):
    course = make_course("Kursus A", institution=partners["a"], state="draft")
    url = f"/kursus/{course.slug}"
    assert as_partner_a.post_form(f"{url}/ajukan").status_code == 302
    assert course.state is CourseState.REVIEW
    assert "Kursus A" in page_text(admin_client.get("/kursus/tinjauan"))
    # Returning needs a reason.
    admin_client.post_form(f"{url}/kembalikan", {"reason": " "})
    assert course.state is CourseState.REVIEW
    admin_client.post_form(f"{url}/kembalikan", {"reason": "Tambahkan daftar pustaka."})
    assert course.state is CourseState.DRAFT
    assert course.review_note == "Tambahkan daftar pustaka."
    assert "Tambahkan daftar pustaka." in page_text(as_partner_a.get(f"{url}/ubah"))
    as_partner_a.post_form(f"{url}/ajukan")
    admin_client.post_form(f"{url}/terbitkan")
    assert course.state is CourseState.PUBLISHED and course.published_at is not None
    assert course.review_note == ""
    assert audit_actions(course) == [
        "course.submit",
        "course.return",
        "course.submit",
        "course.publish",
    ]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "course.return"))
    assert entry.after["reason"] == "Tambahkan daftar pustaka."
    assert "Kursus A" in catalog_titles(admin_client.get("/kursus"))


def test_illegal_transitions_are_refused_and_change_nothing(
    app, admin_client, as_partner_a, make_course, partners
):
    course = make_course("Kursus A", institution=partners["a"])  # published
    url = f"/kursus/{course.slug}"
    before = course.updated_at
    response = as_partner_a.post_form(f"{url}/ajukan", follow_redirects=True)
    error = message(app, "This cannot be done while the course is %(state)s.", state="x")
    assert error.split("x")[0] in page_text(response)
    admin_client.post_form(f"{url}/terbitkan")
    admin_client.post_form(f"{url}/kembalikan", {"reason": "Kenapa?"})
    assert course.state is CourseState.PUBLISHED and course.updated_at == before
    assert course.review_note == ""
    assert audit_actions(course) == []
    # Partners never publish or return, even their own course.
    draft = make_course("Draf A", institution=partners["a"], state="review")
    assert as_partner_a.post_form(f"/kursus/{draft.slug}/terbitkan").status_code == 403
    assert (
        as_partner_a.post_form(f"/kursus/{draft.slug}/kembalikan", {"reason": "x"}).status_code
        == 403
    )
    assert draft.state is CourseState.REVIEW


def test_an_empty_course_cannot_go_to_review(as_partner_a, make_course, partners):
    course = make_course("Kosong", institution=partners["a"], state="draft", lessons=())
    as_partner_a.post_form(f"/kursus/{course.slug}/ajukan")
    assert course.state is CourseState.DRAFT


def test_admin_publishes_a_draft_directly_and_owner_archives(
    admin_client, as_partner_a, make_course, partners
):
    bkpsdm = make_course("Kursus BKPSDM", state="draft")
    admin_client.post_form(f"/kursus/{bkpsdm.slug}/terbitkan")
    assert bkpsdm.state is CourseState.PUBLISHED
    mine = make_course("Kursus A", institution=partners["a"])
    assert as_partner_a.post_form(f"/kursus/{mine.slug}/arsipkan").status_code == 302
    assert mine.state is CourseState.ARCHIVED
    assert audit_actions(mine) == ["course.archive"]
    assert catalog_titles(admin_client.get("/kursus")) == ["Kursus BKPSDM"]


def test_review_queue_is_oldest_first(admin_client, make_course):
    from datetime import timedelta

    make_course("Baru saja", state="review")
    old = make_course("Sudah lama", state="review")
    old.updated_at = utcnow() - timedelta(days=3)
    db.session.commit()
    body = page_text(admin_client.get("/kursus/tinjauan"))
    assert body.index("Sudah lama") < body.index("Baru saja")


# Learners' progress survives editing ------------------------------------------------------


@pytest.fixture
def followed(make_course, make_user):
    """A published course, and a learner who has done its first lesson."""
    course = make_course(lessons=(("M1", (("A", "text"), ("B", "text"))), ("M2", (("C", "text"),))))
    learner = make_user("Peserta")
    now = utcnow()
    enrollment = Enrollment(
        course_id=course.id, user_id=learner.id, source=EnrollmentSource.SELF, enrolled_at=now
    )
    db.session.add(enrollment)
    db.session.flush()
    done = course.lessons[0]
    db.session.add(LessonProgress(enrollment_id=enrollment.id, lesson_id=done.id, done_at=now))
    db.session.commit()
    return course, done


def _progress():
    return db.session.execute(select(LessonProgress.id, LessonProgress.lesson_id)).all()


def test_editing_a_published_course_keeps_learners_progress(admin_client, followed):
    course, done = followed
    before = _progress()
    admin_client.post_form(f"/kursus/{course.slug}/ubah", course_form(title="Judul baru"))
    admin_client.post_form(
        f"/kursus/{course.slug}/pelajaran/{done.id}/ubah", lesson_form(title="A (revisi)")
    )
    admin_client.post_form(
        f"/kursus/{course.slug}/pelajaran/{done.id}/geser", {"direction": "down"}
    )
    admin_client.post_form(
        f"/kursus/{course.slug}/modul/{course.modules[1].id}/geser", {"direction": "up"}
    )
    admin_client.post_form(f"/kursus/{course.slug}/modul", {"title": "M3"})
    admin_client.post_form(
        f"/kursus/{course.slug}/modul/{course.modules[0].id}/pelajaran/baru", lesson_form()
    )
    assert course.title == "Judul baru" and done.title == "A (revisi)"
    assert _progress() == before
    assert db.session.get(Lesson, done.id).module.title == "M1"


def test_lessons_that_learners_rely_on_are_not_deleted(admin_client, followed):
    course, done = followed
    other = course.lessons[1]
    response = admin_client.post_form(
        f"/kursus/{course.slug}/pelajaran/{other.id}/hapus", follow_redirects=True
    )
    assert "archive" in page_text(response).lower() or "arsip" in page_text(response).lower()
    admin_client.post_form(f"/kursus/{course.slug}/modul/{course.modules[0].id}/hapus")
    assert count(Lesson) == 3 and count(Module) == 2
    # Archived, the course still keeps the lesson somebody has done.
    admin_client.post_form(f"/kursus/{course.slug}/arsipkan")
    admin_client.post_form(f"/kursus/{course.slug}/pelajaran/{done.id}/hapus")
    assert db.session.get(Lesson, done.id) is not None and len(_progress()) == 1
    # A lesson nobody has done may go once the course is no longer published.
    other_id = other.id
    admin_client.post_form(f"/kursus/{course.slug}/pelajaran/{other_id}/hapus")
    assert db.session.get(Lesson, other_id) is None


def test_deleting_a_draft_lesson_removes_its_files(app, admin_client, file_lesson):
    course, lesson = file_lesson
    _upload(admin_client, course, lesson, pdf_bytes(), "handout.pdf")
    assert len(stored_files(app)) == 1
    admin_client.post_form(f"/kursus/{course.slug}/pelajaran/{lesson.id}/hapus")
    assert count(Lesson) == 0 and count(LessonFile) == 0
    assert stored_files(app) == []


# Demo data --------------------------------------------------------------------------------


def test_demo_courses_are_made_once_with_stable_ids(app, runner):
    from lms.core.storage import storage

    for _ in range(2):
        result = runner.invoke(args=["lms", "demo"])
        assert result.exit_code == 0, result.output
    assert count(Course) == 5
    course = db.session.scalar(select(Course).where(Course.slug == "pelayanan-publik-prima"))
    assert course.code == "BKPSDM-TEK-01" and course.state is CourseState.PUBLISHED
    assert course.modules[0].id == 1 and course.lessons[0].id == 1
    handout = db.session.get(LessonFile, 1)
    lesson = db.session.get(Lesson, handout.lesson_id)
    assert lesson.kind is LessonKind.FILE and lesson.module_id == 1 and lesson.file_id == 1
    with storage().open(handout.storage_key) as f:
        assert f.read(5) == b"%PDF-"
    states = dict(db.session.execute(select(Course.title, Course.state)).all())
    assert states["Penulisan Naskah Dinas"] is CourseState.REVIEW
    owners = {c.title: c.owner_name for c in db.session.scalars(select(Course))}
    assert owners["Analisis Data untuk Kebijakan Publik"] == "Universitas Demo Makassar"


@pytest.mark.parametrize("who", ["admin@bina.demo", "mitra@kampus.demo"])
def test_course_pages_are_small_and_script_free(runner, new_client, who):
    import gzip

    assert runner.invoke(args=["lms", "demo"]).exit_code == 0
    client = new_client()
    assert client.login(who, "demo-bina-2026").status_code == 302
    urls = [
        "/kursus",
        "/kursus?q=data",
        "/kursus/pelayanan-publik-prima",
        "/kursus/kelola",
        "/kursus/baru",
        "/kursus/penulisan-naskah-dinas/ubah",
        "/kursus/penulisan-naskah-dinas/pratinjau",
        "/kursus/analisis-data-untuk-kebijakan-publik/ubah",
    ]
    if who.startswith("admin"):
        urls += [
            "/kursus/tinjauan",
            "/kursus/pelayanan-publik-prima/ubah",
            "/kursus/pelayanan-publik-prima/pratinjau",
            "/kursus/pelayanan-publik-prima/pelajaran/2/ubah",
            "/kursus/pelayanan-publik-prima/modul/1/pelajaran/baru",
        ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data()
        assert len(gzip.compress(body, 6)) <= 14 * 1024, url
        text = body.decode()
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", text) == [], url
        assert re.findall(r"<[^>]+\son[a-z]+\s*=", text) == [], url
