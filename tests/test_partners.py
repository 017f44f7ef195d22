"""Partner institutions: contacts and logo, the institution's page, its staff managed by admins
and by its coordinator, and partner staff kept out of other institutions' things."""

import io
import re

import pytest
from sqlalchemy import func, select

from lms.auth.models import Role, User
from lms.core.clock import utcnow
from lms.core.storage import storage
from lms.core.uploads import CheckedUpload
from lms.courses.models import Lesson, LessonFile, LessonKind, ReviewState
from lms.courses.services import replace_lesson_file
from lms.extensions import db
from lms.partners import services
from lms.partners.demo import logo_png, tiny_pdf
from lms.partners.models import Agreement, AgreementKind, Institution
from tests.test_admin import audit_entries, message, page_text

PNG = logo_png(32)


def institution_form(**kw) -> dict:
    form = {
        "name": "Universitas Hasanuddin",
        "type": "university",
        "active": "y",
        "contact_name": "Dr. Andi Baso",
        "contact_email": "Kerjasama@Unhas.ac.id",
        "contact_phone": "+62 411 586200",
        "address": "Jl. Perintis Kemerdekaan Km. 10, Makassar",
        "website": "https://unhas.ac.id",
    }
    form.update(kw)
    return form


def test_admin_records_contacts_and_a_logo(admin_client, admin_user, make_institution):
    inst = make_institution("Universitas Hasanuddin")

    response = admin_client.post_form(
        f"/mitra/{inst.id}/ubah", institution_form(logo=(io.BytesIO(PNG), "logo.png"))
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/mitra/{inst.id}"
    db.session.refresh(inst)
    assert inst.contact_email == "kerjasama@unhas.ac.id"
    assert (inst.contact_phone, inst.website) == ("+62 411 586200", "https://unhas.ac.id")
    assert inst.logo_type == "image/png"
    [entry] = audit_entries("institution.update", f"institution:{inst.id}")
    assert entry.actor_id == admin_user.id
    assert entry.after["contact_name"] == "Dr. Andi Baso"
    assert entry.after["logo_key"] == inst.logo_key

    page = admin_client.get(f"/mitra/{inst.id}").get_data(as_text=True)
    assert "kerjasama@unhas.ac.id" in page and "Dr. Andi Baso" in page
    logo_url = re.search(r'<img class="logo" src="([^"]+)"', page).group(1)
    assert logo_url.startswith(f"/mitra/{inst.id}/logo")
    logo = admin_client.get(logo_url, buffered=True)
    assert logo.status_code == 200 and logo.data == PNG
    assert logo.mimetype == "image/png"
    assert logo.headers["X-Content-Type-Options"] == "nosniff"


def test_a_new_logo_replaces_the_old_and_it_can_be_removed(admin_client, make_institution):
    inst = make_institution("Universitas Hasanuddin")
    admin_client.post_form(
        f"/mitra/{inst.id}/ubah", institution_form(logo=(io.BytesIO(PNG), "a.png"))
    )
    db.session.refresh(inst)
    first = inst.logo_key

    admin_client.post_form(
        f"/mitra/{inst.id}/ubah", institution_form(logo=(io.BytesIO(logo_png(40)), "b.png"))
    )
    db.session.refresh(inst)
    assert inst.logo_key != first
    with pytest.raises(FileNotFoundError):
        storage().open(first)

    admin_client.post_form(f"/mitra/{inst.id}/ubah", institution_form(remove_logo="y"))
    db.session.refresh(inst)
    assert inst.logo_key is None
    assert admin_client.get(f"/mitra/{inst.id}/logo").status_code == 404


@pytest.mark.parametrize(
    ("data", "name", "text", "kw"),
    [
        (
            b"\x89PNG\r\n\x1a\n" + bytes(250 * 1024),
            "besar.png",
            "The file is larger than %(limit)s.",
            {"limit": "200 KB"},
        ),
        (
            b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
            "logo.gif",
            "This kind of file is not accepted. Allowed: %(types)s.",
            {"types": "JPG, PNG, WEBP"},
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "logo.svg",
            "This kind of file is not accepted. Allowed: %(types)s.",
            {"types": "JPG, PNG, WEBP"},
        ),
    ],
)
def test_a_logo_too_large_or_of_another_type_is_refused(
    app, admin_client, make_institution, data, name, text, kw
):
    inst = make_institution("Universitas Hasanuddin")

    response = admin_client.post_form(
        f"/mitra/{inst.id}/ubah",
        institution_form(name="Nama Baru", logo=(io.BytesIO(data), name)),
    )

    assert response.status_code == 422
    assert message(app, text, **kw) in page_text(response)
    db.session.refresh(inst)
    assert (inst.name, inst.logo_key) == ("Universitas Hasanuddin", None)
    assert audit_entries("institution.update") == []


def test_invalid_contacts_are_refused(app, admin_client, make_institution):
    inst = make_institution("Universitas Hasanuddin")
    response = admin_client.post_form(
        f"/mitra/{inst.id}/ubah",
        institution_form(contact_email="bukan-email", website="javascript:alert(1)"),
    )
    assert response.status_code == 422
    text = page_text(response)
    assert message(app, "Enter a valid e-mail address.") in text
    assert message(app, "Enter an address starting with https:// or http://.") in text
    db.session.refresh(inst)
    assert inst.contact_email == ""


# Staff ------------------------------------------------------------------------------------


@pytest.fixture
def unhas(make_institution):
    return make_institution("Universitas Hasanuddin")


@pytest.fixture
def pnup(make_institution):
    return make_institution("Politeknik Negeri Ujung Pandang")


@pytest.fixture
def coordinator(make_user, unhas):
    return make_user(
        "Koordinator Unhas",
        email="koordinator@unhas.ac.id",
        roles=(Role.PARTNER,),
        institution=unhas,
        coordinator=True,
    )


@pytest.fixture
def lecturer(make_user, unhas):
    return make_user(
        "Dosen Unhas", email="dosen@unhas.ac.id", roles=(Role.PARTNER,), institution=unhas
    )


@pytest.fixture
def pnup_lecturer(make_user, pnup):
    return make_user(
        "Dosen PNUP", email="dosen@pnup.ac.id", roles=(Role.PARTNER,), institution=pnup
    )


@pytest.fixture
def coordinator_client(new_client, coordinator):
    c = new_client()
    assert c.login("koordinator@unhas.ac.id").status_code == 302
    return c


def person(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def users() -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_admin_gives_an_institution_a_staff_account_and_a_coordinator(
    app, admin_client, admin_user, unhas, new_client
):
    response = admin_client.post_form(
        f"/mitra/{unhas.id}/staf",
        {"name": "Dewi Lestari", "email": "dewi@unhas.ac.id", "position": "Dosen"},
    )

    assert response.status_code == 200
    password = re.search(r'<code class="secret">([^<]+)</code>', response.get_data(as_text=True))
    dewi = person("dewi@unhas.ac.id")
    assert dewi.roles == {Role.PARTNER} and dewi.institution_id == unhas.id
    assert dewi.must_change_password and not dewi.coordinator
    [created] = audit_entries("user.create", f"user:{dewi.id}")
    assert created.actor_id == admin_user.id
    c = new_client()
    assert c.login("dewi@unhas.ac.id", password.group(1)).status_code == 302

    response = admin_client.post_form(
        f"/mitra/{unhas.id}/staf/{dewi.id}/koordinator", {"coordinator": "1"}
    )
    assert response.status_code == 302
    assert person("dewi@unhas.ac.id").coordinator
    [entry] = audit_entries("user.coordinator", f"user:{dewi.id}")
    assert (entry.before["coordinator"], entry.after["coordinator"]) == (False, True)


def test_the_coordinator_invites_a_colleague_into_their_own_institution(
    coordinator_client, coordinator, unhas, pnup
):
    page = coordinator_client.get("/mitra/staf")
    assert page.status_code == 200
    assert f'action="/mitra/{unhas.id}/staf#invite"' in page.get_data(as_text=True)

    response = coordinator_client.post_form(
        f"/mitra/{unhas.id}/staf",
        {"name": "Rina", "email": "rina@unhas.ac.id", "institution_id": str(pnup.id)},
    )

    assert response.status_code == 200
    assert re.search(r'<code class="secret">[^<]+</code>', response.get_data(as_text=True))
    assert 'href="/mitra/staf"' in response.get_data(as_text=True)  # back to their staff page
    rina = person("rina@unhas.ac.id")
    assert rina.institution_id == unhas.id and rina.roles == {Role.PARTNER}
    [entry] = audit_entries("user.create", f"user:{rina.id}")
    assert entry.actor_id == coordinator.id


def test_an_invitation_with_a_taken_email_is_refused(app, coordinator_client, unhas, pnup_lecturer):
    before = users()
    response = coordinator_client.post_form(
        f"/mitra/{unhas.id}/staf", {"name": "Lagi", "email": "dosen@pnup.ac.id"}
    )
    assert response.status_code == 422
    assert message(app, "Another person already has this e-mail address.") in page_text(response)
    assert users() == before


def test_the_coordinator_deactivates_and_reactivates_a_colleague(
    coordinator_client, coordinator, lecturer, new_client, unhas
):
    colleague = new_client()
    colleague.login("dosen@unhas.ac.id")
    url = f"/mitra/{unhas.id}/staf/{lecturer.id}/status"

    response = coordinator_client.post_form(url, {"active": "0"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/mitra/staf"
    assert not person("dosen@unhas.ac.id").active
    [entry] = audit_entries("user.deactivate", f"user:{lecturer.id}")
    assert entry.actor_id == coordinator.id
    assert colleague.get("/kursus/kelola").status_code == 302  # their session has ended

    assert coordinator_client.post_form(url, {"active": "1"}).status_code == 302
    assert person("dosen@unhas.ac.id").active
    assert audit_entries("user.activate", f"user:{lecturer.id}")


def test_the_coordinator_cannot_touch_another_institutions_staff(
    coordinator_client, unhas, pnup, pnup_lecturer
):
    before = users()
    for url, data in [
        (f"/mitra/{pnup.id}/staf", None),
        (f"/mitra/{pnup.id}/staf", {"name": "X", "email": "x@pnup.ac.id"}),
        (f"/mitra/{pnup.id}/staf/{pnup_lecturer.id}/status", {"active": "0"}),
        (f"/mitra/{unhas.id}/staf/{pnup_lecturer.id}/status", {"active": "0"}),
    ]:
        if data is None:
            response = coordinator_client.get(url)
        else:
            response = coordinator_client.post_form(url, data)
        assert response.status_code == 404, url
    assert person("dosen@pnup.ac.id").active
    assert users() == before


def test_the_coordinator_cannot_touch_themselves_other_coordinators_or_admins(
    coordinator_client, coordinator, make_user, unhas
):
    other = make_user(
        "Koordinator Dua",
        email="k2@unhas.ac.id",
        roles=(Role.PARTNER,),
        institution=unhas,
        coordinator=True,
    )
    admin = make_user(
        "Admin Mitra", email="am@unhas.ac.id", roles=(Role.PARTNER, Role.ADMIN), institution=unhas
    )
    for target in (coordinator, other, admin):
        url = f"/mitra/{unhas.id}/staf/{target.id}/status"
        assert coordinator_client.post_form(url, {"active": "0"}).status_code == 403
    url = f"/mitra/{unhas.id}/staf/{coordinator.id}/koordinator"
    assert coordinator_client.post_form(url, {"coordinator": "0"}).status_code == 403
    db.session.expire_all()
    assert coordinator.coordinator and coordinator.active and other.active and admin.active
    assert audit_entries("user.deactivate") == [] and audit_entries("user.coordinator") == []


def test_ordinary_staff_do_not_manage_staff(new_client, lecturer, unhas):
    c = new_client()
    c.login("dosen@unhas.ac.id")
    assert c.get("/mitra/staf").status_code == 403
    assert c.get(f"/mitra/{unhas.id}/staf").status_code == 403
    before = users()
    assert (
        c.post_form(f"/mitra/{unhas.id}/staf", {"name": "X", "email": "x@y.id"}).status_code == 403
    )
    assert users() == before


def test_the_institution_page_for_admins_and_its_own_staff_only(
    admin_client, coordinator_client, new_client, unhas, pnup, pnup_lecturer, make_user
):
    assert admin_client.get(f"/mitra/{unhas.id}").status_code == 200
    page = coordinator_client.get(f"/mitra/{unhas.id}")
    assert page.status_code == 200
    assert f'href="/mitra/{unhas.id}/staf"' in page.get_data(as_text=True)
    assert f'href="/mitra/{unhas.id}/ubah"' not in page.get_data(as_text=True)
    assert coordinator_client.get(f"/mitra/{pnup.id}").status_code == 404
    make_user("ASN", nip="199001012015031001")
    asn = new_client()
    asn.login("199001012015031001")
    assert asn.get(f"/mitra/{unhas.id}").status_code == 403


# One partner kept out of everything of another ---------------------------------------------


def pdf_upload(name: str) -> CheckedUpload:
    return CheckedUpload(io.BytesIO(tiny_pdf([name])), "application/pdf", "pdf", name)


@pytest.fixture
def pnup_things(pnup, pnup_lecturer, admin_user, make_course):
    """PNUP's agreement with its document, a published course with a file lesson whose file
    version waits for review, and a draft course."""
    agreement = Agreement()
    today = utcnow().date()
    data = {"kind": AgreementKind.PKS, "number": "PKS-PNUP", "title": "PKS", "scope": ""}
    data |= {"starts_on": today, "ends_on": today}
    services.save_agreement(
        agreement, pnup, data, actor=admin_user, now=utcnow(), document=pdf_upload("pks.pdf")
    )
    course = make_course(
        "Kursus PNUP", institution=pnup, lessons=(("Modul", (("Materi", "file"),)),)
    )
    draft = make_course("Draf PNUP", institution=pnup, state="draft")
    lesson = course.lessons[0]
    version = replace_lesson_file(lesson, pdf_upload("materi.pdf"), pnup_lecturer, utcnow())
    db.session.commit()
    return {
        "agreement": agreement,
        "course": course,
        "draft": draft,
        "lesson": lesson,
        "version": version,
    }


def test_partner_a_is_refused_on_every_route_of_partner_b(
    coordinator_client, pnup, pnup_lecturer, pnup_things
):
    a, c, d, lesson, v = (
        pnup_things["agreement"],
        pnup_things["course"],
        pnup_things["draft"],
        pnup_things["lesson"],
        pnup_things["version"],
    )
    gets = [
        f"/mitra/{pnup.id}",
        f"/mitra/{pnup.id}/staf",
        f"/mitra/{pnup.id}/ubah",
        f"/mitra/{pnup.id}/perjanjian/baru",
        f"/mitra/perjanjian/{a.id}/ubah",
        f"/mitra/perjanjian/{a.id}/dokumen",
        f"/mitra/tinjauan-materi/{v.id}",
        f"/kursus/{c.slug}/ubah",
        f"/kursus/{c.slug}/pelajaran/{lesson.id}/ubah",
        f"/kursus/{d.slug}/ubah",
        f"/berkas/{v.id}",
    ]
    for url in gets:
        assert coordinator_client.get(url, buffered=True).status_code in (403, 404), url
    posts = [
        (f"/mitra/{pnup.id}/staf", {"name": "X", "email": "x@pnup.ac.id"}),
        (f"/mitra/{pnup.id}/staf/{pnup_lecturer.id}/status", {"active": "0"}),
        (f"/mitra/{pnup.id}/staf/{pnup_lecturer.id}/koordinator", {"coordinator": "1"}),
        (f"/mitra/{pnup.id}/ubah", {"name": "Diambil", "type": "university"}),
        (f"/mitra/perjanjian/{a.id}/hapus", {}),
        (f"/mitra/tinjauan-materi/{v.id}/setujui", {}),
        (f"/mitra/tinjauan-materi/{v.id}/kembalikan", {"reason": "tidak"}),
        (
            f"/kursus/{c.slug}/pelajaran/{lesson.id}/ubah",
            {"title": "Diambil", "kind": "file", "upload": (io.BytesIO(tiny_pdf(["x"])), "x.pdf")},
        ),
        (f"/kursus/{d.slug}/ajukan", {}),
    ]
    for url, data in posts:
        assert coordinator_client.post_form(url, data).status_code in (403, 404), url

    db.session.expire_all()
    assert db.session.get(Institution, pnup.id).name == "Politeknik Negeri Ujung Pandang"
    assert db.session.get(User, pnup_lecturer.id).active
    assert not db.session.get(User, pnup_lecturer.id).coordinator
    assert db.session.get(Agreement, a.id) is not None
    assert db.session.get(LessonFile, v.id).review_state is ReviewState.PENDING
    assert db.session.get(Lesson, lesson.id).title == "Materi"
    assert db.session.scalar(select(func.count(LessonFile.id))) == 1
    assert db.session.get(Lesson, lesson.id).kind is LessonKind.FILE
