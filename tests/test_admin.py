"""Administration pages: people, units, partner institutions and the audit log."""

import html
import json
import re

import pytest
from flask_babel import gettext
from sqlalchemy import func, select

from lms.auth import services
from lms.auth.models import Role, Unit, UnitKind, User
from lms.auth.passwords import verify_password
from lms.core.audit import AuditEntry
from lms.core.clock import utcnow
from lms.extensions import db
from lms.partners.models import Institution, InstitutionType

NIP_ANDI = "198503152010011002"
NIP_NURUL = "199207212019032001"
NEW_PASSWORD = "perahu-pinisi-berlayar-jauh"


def message(app, text: str, **kw) -> str:
    """The message as the app shows it, in whichever language the app speaks in tests."""
    with app.test_request_context("/"):
        return gettext(text, **kw)


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def listed_names(page: str) -> list[str]:
    """The names in the people table, in order."""
    return [
        html.unescape(n) for n in re.findall(r'<td><a href="/admin/pengguna/\d+">([^<]*)</a>', page)
    ]


def one_time_password(response) -> str:
    match = re.search(r'<code class="secret">([^<]+)</code>', response.get_data(as_text=True))
    assert match, "no one-time password on the page"
    return match.group(1)


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def audit_entries(action: str, target: str | None = None) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    if target is not None:
        stmt = stmt.where(AuditEntry.target == target)
    return list(db.session.scalars(stmt))


def logged_in(client) -> bool:
    return client.get("/akun/kata-sandi").status_code == 200


def person_form(user: User | None = None, **changes) -> dict:
    """The person form as a browser would send it, from the person's current values."""
    data = {
        "name": "",
        "nip": "",
        "email": "",
        "position": "",
        "rank": "",
        "unit_id": "",
        "institution_id": "",
        "roles": [],
    }
    if user is not None:
        data.update(
            name=user.name,
            nip=user.nip or "",
            email=user.email or "",
            position=user.position or "",
            rank=user.rank or "",
            unit_id=str(user.unit_id or ""),
            institution_id=str(user.institution_id or ""),
            roles=sorted(str(r) for r in user.roles),
        )
    data.update(changes)
    return data


@pytest.fixture
def units(make_unit):
    return {
        "dinkes": make_unit("Dinas Kesehatan", code="DINKES", kind=UnitKind.DINAS),
        "tamalate": make_unit("Kecamatan Tamalate", kind=UnitKind.KECAMATAN),
    }


@pytest.fixture
def institution(app):
    inst = Institution(name="Universitas Hasanuddin", type=InstitutionType.UNIVERSITY)
    db.session.add(inst)
    db.session.commit()
    return inst


@pytest.fixture
def people(make_user, units, institution):
    return {
        "andi": make_user(
            "Andi Wijaya", nip=NIP_ANDI, email="andi@makassar.go.id", unit=units["dinkes"]
        ),
        "nurul": make_user(
            "Nurul Fadhilah",
            nip=NIP_NURUL,
            unit=units["tamalate"],
            roles=(Role.ASN, Role.SUPERVISOR),
        ),
        "dosen": make_user(
            "Dosen Mitra", email="dosen@unhas.ac.id", roles=(Role.PARTNER,), institution=institution
        ),
    }


# People list -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("wijaya", ["Andi Wijaya"]),
        ("FADHIL", ["Nurul Fadhilah"]),
        (NIP_NURUL, ["Nurul Fadhilah"]),
        ("1992 0721", ["Nurul Fadhilah"]),
        ("andi@makassar", ["Andi Wijaya"]),
        ("UNHAS.AC.ID", ["Dosen Mitra"]),
        ("tamalate", ["Nurul Fadhilah"]),
        ("dinas kes", ["Andi Wijaya"]),
        ("tidak ada siapa-siapa", []),
    ],
)
def test_people_search(admin_client, people, q, expected):
    response = admin_client.get("/admin/pengguna", query_string={"q": q})

    assert response.status_code == 200
    assert listed_names(response.get_data(as_text=True)) == expected


def test_people_filters_by_unit_role_and_status(admin_client, people, units):
    def names(**params):
        page = admin_client.get("/admin/pengguna", query_string=params).get_data(as_text=True)
        return listed_names(page)

    assert names() == ["Admin BKPSDM", "Andi Wijaya", "Dosen Mitra", "Nurul Fadhilah"]
    assert names(unit=units["dinkes"].id) == ["Andi Wijaya"]
    assert names(role="supervisor") == ["Nurul Fadhilah"]
    assert names(role="asn") == ["Andi Wijaya", "Nurul Fadhilah"]
    assert names(role="admin") == ["Admin BKPSDM"]
    assert names(role="partner", q="dosen") == ["Dosen Mitra"]
    assert names(role="asn", unit=units["tamalate"].id) == ["Nurul Fadhilah"]

    people["andi"].active = False
    db.session.commit()
    assert "Andi Wijaya" not in names()
    assert names(status="inactive") == ["Andi Wijaya"]
    assert "Andi Wijaya" in names(status="all")


@pytest.fixture
def sixty_people(app, units):
    """Sixty people inserted directly: no password hashing."""
    now = utcnow()
    for n in range(1, 61):
        user = User(
            name=f"Pegawai {n:02d}",
            nip=f"198808082012031{n:03d}",
            unit=units["dinkes"],
            password_hash="!",
            created_at=now,
        )
        user.set_roles({Role.ASN})
        db.session.add(user)
    db.session.commit()


def test_people_pagination(app, admin_client, sixty_people):
    per_page = app.config["PEOPLE_PER_PAGE"]
    everyone = ["Admin BKPSDM"] + [f"Pegawai {n:02d}" for n in range(1, 61)]

    page = admin_client.get("/admin/pengguna", query_string={"page": 2}).get_data(as_text=True)

    assert listed_names(page) == everyone[per_page : 2 * per_page]
    assert "61" in re.search(r'<p class="muted" role="status">([^<]*)</p>', page).group(1)
    assert re.search(r'href="/admin/pengguna\?page=1" rel="prev"', page)
    assert re.search(r'href="/admin/pengguna\?page=3" rel="next"', page)


def test_pagination_keeps_the_search(app, admin_client, sixty_people):
    per_page = app.config["PEOPLE_PER_PAGE"]
    pegawai = [f"Pegawai {n:02d}" for n in range(1, 61)]

    page = admin_client.get("/admin/pengguna", query_string={"q": "pegawai", "page": 2}).get_data(
        as_text=True
    )

    assert listed_names(page) == pegawai[per_page : 2 * per_page]
    next_link = re.search(r'href="([^"]+)" rel="next"', page).group(1)
    assert "q=pegawai" in next_link and "page=3" in next_link
    last = admin_client.get(html.unescape(next_link)).get_data(as_text=True)
    assert listed_names(last) == pegawai[2 * per_page :]


def test_htmx_search_returns_only_the_list(admin_client, people):
    response = admin_client.get(
        "/admin/pengguna",
        query_string={"q": "nurul"},
        headers={"HX-Request": "true", "HX-Target": "people-list"},
    )

    assert response.status_code == 200
    body = response.get_data(as_text=True).strip()
    assert body.startswith('<div id="people-list">')
    assert body.endswith("</div>")
    assert "<html" not in body
    assert listed_names(body) == ["Nurul Fadhilah"]

    full = admin_client.get("/admin/pengguna", query_string={"q": "nurul"})
    full_body = full.get_data(as_text=True)
    assert "<html" in full_body
    assert '<div id="people-list">' in full_body


# Creating people ---------------------------------------------------------------------------


def test_create_person_shows_a_one_time_password_once(
    app, admin_client, admin_user, units, new_client
):
    data = person_form(
        name="Rina Marlina",
        nip="1990 0505 2015 03 2 007",
        email="Rina@Makassar.go.id",
        position="Analis SDM",
        rank="III/b",
        unit_id=str(units["dinkes"].id),
        roles=["asn"],
    )

    response = admin_client.post_form("/admin/pengguna/baru", data)

    assert response.status_code == 200
    password = one_time_password(response)
    rina = db.session.scalar(select(User).where(User.nip == "199005052015032007"))
    assert rina.name == "Rina Marlina"
    assert rina.email == "rina@makassar.go.id"
    assert (rina.position, rina.rank, rina.unit_id) == ("Analis SDM", "III/b", units["dinkes"].id)
    assert rina.roles == {Role.ASN}
    assert rina.must_change_password is True
    assert rina.password_hash.startswith("$argon2")
    assert password not in rina.password_hash
    assert verify_password(rina.password_hash, password)

    [entry] = audit_entries("user.create", f"user:{rina.id}")
    assert entry.actor_id == admin_user.id
    assert entry.after["nip"] == "199005052015032007"
    assert entry.after["roles"] == ["asn"]
    logged = json.dumps([entry.before, entry.after])
    assert password not in logged and "password" not in logged

    edit_page = admin_client.get(f"/admin/pengguna/{rina.id}").get_data(as_text=True)
    assert "Rina Marlina" in edit_page
    assert password not in edit_page

    rina_client = new_client()
    login = rina_client.login("199005052015032007", password)
    assert login.status_code == 302
    assert login.headers["Location"].startswith("/akun/kata-sandi-baru")


def test_create_partner_staff(admin_client, institution):
    data = person_form(
        name="Dosen Baru",
        email="dosen.baru@unhas.ac.id",
        institution_id=str(institution.id),
        roles=["partner"],
    )

    response = admin_client.post_form("/admin/pengguna/baru", data)

    assert response.status_code == 200
    one_time_password(response)
    dosen = db.session.scalar(select(User).where(User.email == "dosen.baru@unhas.ac.id"))
    assert dosen.institution_id == institution.id
    assert dosen.nip is None
    assert dosen.roles == {Role.PARTNER}


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ({"nip": NIP_ANDI}, "Another person already has this NIP."),
        ({"email": "ANDI@makassar.go.id"}, "Another person already has this e-mail address."),
        (
            {"roles": ["partner"], "nip": "", "unit_id": ""},
            "Partner staff must belong to a partner institution.",
        ),
        ({"unit_id": ""}, "ASN and supervisors must belong to a unit."),
        ({"nip": ""}, "An ASN needs a NIP."),
    ],
    ids=[
        "duplicate-nip",
        "duplicate-email",
        "partner-without-institution",
        "asn-without-unit",
        "asn-without-nip",
    ],
)
def test_create_person_refused(app, admin_client, people, units, changes, text):
    data = person_form(
        name="Orang Baru",
        nip="199005052015032007",
        email="baru@makassar.go.id",
        unit_id=str(units["dinkes"].id),
        roles=["asn"],
    )
    data.update(changes)
    before_people, before_audit = count(User), count(AuditEntry)

    response = admin_client.post_form("/admin/pengguna/baru", data)

    assert response.status_code == 200
    assert message(app, text) in page_text(response)
    assert '<code class="secret">' not in response.get_data(as_text=True)
    assert count(User) == before_people
    assert db.session.scalar(select(User).where(User.name == "Orang Baru")) is None
    assert count(AuditEntry) == before_audit


@pytest.mark.parametrize(
    ("nip", "text", "kw"),
    [
        ("12345", "A NIP has 18 digits; this one has %(n)d.", {"n": 5}),
        ("19850315201001100X", "A NIP contains digits only.", {}),
        ("198503152010013002", "Digit 15 of the NIP must be 1 (male) or 2 (female).", {}),
    ],
)
def test_create_person_with_malformed_nip(app, admin_client, units, nip, text, kw):
    data = person_form(name="Orang Baru", nip=nip, unit_id=str(units["dinkes"].id), roles=["asn"])
    before = count(User)

    response = admin_client.post_form("/admin/pengguna/baru", data)

    assert response.status_code == 200
    assert message(app, text, **kw) in page_text(response)
    assert count(User) == before


# Editing people ----------------------------------------------------------------------------


def test_granting_and_removing_a_role_is_audited(admin_client, admin_user, people):
    andi = people["andi"]
    url = f"/admin/pengguna/{andi.id}"

    response = admin_client.post_form(url, person_form(andi, roles=["asn", "supervisor"]))

    assert response.status_code == 302
    db.session.expire_all()
    assert andi.roles == {Role.ASN, Role.SUPERVISOR}
    [grant] = audit_entries("user.update", f"user:{andi.id}")
    assert grant.actor_id == admin_user.id
    assert grant.before == {"roles": ["asn"]}
    assert grant.after == {"roles": ["asn", "supervisor"]}

    response = admin_client.post_form(url, person_form(andi, roles=["asn"]))

    assert response.status_code == 302
    db.session.expire_all()
    assert andi.roles == {Role.ASN}
    remove = audit_entries("user.update", f"user:{andi.id}")[-1]
    assert remove.before == {"roles": ["asn", "supervisor"]}
    assert remove.after == {"roles": ["asn"]}


def test_editing_details_is_audited_with_before_and_after(admin_client, people, units):
    andi = people["andi"]

    response = admin_client.post_form(
        f"/admin/pengguna/{andi.id}",
        person_form(andi, position="Kepala Puskesmas", unit_id=str(units["tamalate"].id)),
    )

    assert response.status_code == 302
    db.session.expire_all()
    assert andi.position == "Kepala Puskesmas"
    assert andi.unit_id == units["tamalate"].id
    [entry] = audit_entries("user.update", f"user:{andi.id}")
    assert entry.before == {"position": "", "unit_id": units["dinkes"].id}
    assert entry.after == {"position": "Kepala Puskesmas", "unit_id": units["tamalate"].id}


def test_editing_to_another_persons_nip_is_refused(app, admin_client, people):
    andi = people["andi"]

    response = admin_client.post_form(
        f"/admin/pengguna/{andi.id}", person_form(andi, nip=NIP_NURUL)
    )

    assert response.status_code == 200
    assert message(app, "Another person already has this NIP.") in page_text(response)
    db.session.expire_all()
    assert andi.nip == NIP_ANDI
    assert audit_entries("user.update") == []


def test_admin_cannot_remove_their_own_admin_role(app, admin_client, admin_user):
    response = admin_client.post_form(
        f"/admin/pengguna/{admin_user.id}", person_form(admin_user, roles=[])
    )

    assert response.status_code == 200
    assert message(app, "You cannot remove your own admin role.") in page_text(response)
    db.session.expire_all()
    assert admin_user.roles == {Role.ADMIN}
    assert admin_client.get("/admin/pengguna").status_code == 200


def test_admin_cannot_deactivate_themselves(app, admin_client, admin_user):
    response = admin_client.post_form(
        f"/admin/pengguna/{admin_user.id}/status", {"active": "0"}, follow_redirects=True
    )

    assert message(app, "You cannot deactivate your own account.") in page_text(response)
    db.session.expire_all()
    assert admin_user.active is True
    assert audit_entries("user.deactivate") == []
    assert admin_client.get("/admin/pengguna").status_code == 200


def test_deactivating_ends_sessions_and_blocks_login(admin_client, people, new_client):
    andi = people["andi"]
    andi_client = new_client()
    assert andi_client.login(NIP_ANDI).status_code == 302
    assert logged_in(andi_client)

    response = admin_client.post_form(f"/admin/pengguna/{andi.id}/status", {"active": "0"})

    assert response.status_code == 302
    db.session.expire_all()
    assert andi.active is False
    [entry] = audit_entries("user.deactivate", f"user:{andi.id}")
    assert (entry.before, entry.after) == ({"active": True}, {"active": False})
    assert not logged_in(andi_client)
    refused = new_client().login(NIP_ANDI)
    assert refused.status_code == 200
    assert not logged_in(andi_client)

    admin_client.post_form(f"/admin/pengguna/{andi.id}/status", {"active": "1"})
    db.session.expire_all()
    assert andi.active is True
    again = new_client()
    assert again.login(NIP_ANDI).status_code == 302
    assert logged_in(again)


def test_reset_password_gives_a_working_one_time_password(
    admin_client, admin_user, people, new_client
):
    andi = people["andi"]
    andi_client = new_client()
    andi_client.login(NIP_ANDI)
    assert logged_in(andi_client)

    response = admin_client.post_form(f"/admin/pengguna/{andi.id}/reset")

    assert response.status_code == 200
    password = one_time_password(response)
    db.session.expire_all()
    assert andi.must_change_password is True
    assert not logged_in(andi_client)
    assert new_client().login(NIP_ANDI).status_code == 200  # the old password is gone
    [entry] = audit_entries("user.reset_password", f"user:{andi.id}")
    assert entry.actor_id == admin_user.id
    assert password not in json.dumps([entry.before, entry.after])

    fresh = new_client()
    login = fresh.login(NIP_ANDI, password)
    assert login.status_code == 302
    assert login.headers["Location"].startswith("/akun/kata-sandi-baru")
    assert fresh.get("/").headers["Location"].startswith("/akun/kata-sandi-baru")
    chosen = fresh.post_form(
        "/akun/kata-sandi-baru", {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert chosen.status_code == 302
    db.session.expire_all()
    assert andi.must_change_password is False
    assert logged_in(fresh)


def test_unknown_person_is_404(admin_client):
    assert admin_client.get("/admin/pengguna/9999").status_code == 404
    assert admin_client.post_form("/admin/pengguna/9999/reset").status_code == 404


# Units -------------------------------------------------------------------------------------


def unit_form(**values) -> dict:
    data = {"name": "", "code": "", "kind": "other", "parent_id": "", "active": "y"}
    data.update(values)
    return data


def unit_named(name: str) -> Unit | None:
    db.session.expire_all()
    return db.session.scalar(select(Unit).where(Unit.name == name))


def test_create_units_nested(admin_client, admin_user):
    response = admin_client.post_form(
        "/admin/unit/baru", unit_form(name="Dinas Pendidikan", code="DISDIK", kind="dinas")
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/unit")
    parent = unit_named("Dinas Pendidikan")
    assert (parent.code, parent.kind, parent.parent_id, parent.active) == (
        "DISDIK",
        UnitKind.DINAS,
        None,
        True,
    )
    [entry] = audit_entries("unit.create", f"unit:{parent.id}")
    assert entry.actor_id == admin_user.id
    assert entry.after["name"] == "Dinas Pendidikan"

    form_page = admin_client.get("/admin/unit/baru", query_string={"parent": parent.id})
    assert f'<option selected value="{parent.id}">' in form_page.get_data(as_text=True)
    response = admin_client.post_form(
        "/admin/unit/baru",
        unit_form(name="Bidang Pembinaan SD", kind="bagian", parent_id=str(parent.id)),
    )

    assert response.status_code == 302
    child = unit_named("Bidang Pembinaan SD")
    assert child.parent_id == parent.id
    assert child.code is None
    page = admin_client.get("/admin/unit").get_data(as_text=True)
    assert re.search(
        rf'<a href="/admin/unit/{parent.id}">Dinas Pendidikan</a>.*?<ul class="tree">\s*'
        rf'<li><a href="/admin/unit/{child.id}">Bidang Pembinaan SD</a>',
        page,
        re.S,
    )


@pytest.fixture
def tree(make_unit):
    """Dinas Kesehatan > Puskesmas Tamalate > Poli Umum."""
    top = make_unit("Dinas Kesehatan", code="DINKES", kind=UnitKind.DINAS)
    middle = make_unit("Puskesmas Tamalate", parent=top)
    bottom = make_unit("Poli Umum", parent=middle)
    return top, middle, bottom


@pytest.mark.parametrize("new_parent", ["self", "child", "grandchild"])
def test_unit_cannot_move_under_itself_or_a_descendant(admin_client, tree, new_parent):
    top, middle, bottom = tree
    target = {"self": top, "child": middle, "grandchild": bottom}[new_parent]
    before = count(AuditEntry)

    response = admin_client.post_form(
        f"/admin/unit/{top.id}",
        unit_form(name="Dinas Kesehatan", code="DINKES", kind="dinas", parent_id=str(target.id)),
    )

    assert response.status_code == 200
    db.session.expire_all()
    assert top.parent_id is None
    assert middle.parent_id == top.id
    assert bottom.parent_id == middle.id
    assert count(AuditEntry) == before


def test_unit_form_offers_no_descendant_as_parent(admin_client, tree, make_unit):
    top, middle, bottom = tree
    other = make_unit("Dinas Pendidikan")

    page = admin_client.get(f"/admin/unit/{middle.id}").get_data(as_text=True)

    offered = {int(v) for v in re.findall(r'<option(?: selected)? value="(\d+)"', page)}
    assert offered == {top.id, other.id}


def test_save_unit_refuses_a_loop(app, admin_user, tree):
    top, _middle, bottom = tree
    data = {"name": top.name, "code": top.code, "kind": top.kind, "parent": bottom}

    with pytest.raises(services.AccountError):
        services.save_unit(top, data, actor=admin_user, now=utcnow())
    db.session.rollback()
    assert unit_named("Dinas Kesehatan").parent_id is None


def test_unit_can_move_elsewhere(admin_client, tree, make_unit):
    _top, middle, _bottom = tree
    other = make_unit("Dinas Pendidikan")

    response = admin_client.post_form(
        f"/admin/unit/{middle.id}",
        unit_form(name="Puskesmas Tamalate", parent_id=str(other.id)),
    )

    assert response.status_code == 302
    assert unit_named("Puskesmas Tamalate").parent_id == other.id
    [entry] = audit_entries("unit.update", f"unit:{middle.id}")
    assert entry.before == {"parent_id": _top.id}
    assert entry.after == {"parent_id": other.id}


@pytest.mark.parametrize(
    ("values", "text"),
    [
        ({"name": "dinas KESEHATAN"}, "A unit with this name already exists."),
        ({"name": "Dinas Baru", "code": "dinkes"}, "A unit with this code already exists."),
    ],
)
def test_duplicate_unit_is_refused(app, admin_client, tree, values, text):
    before = count(Unit)

    response = admin_client.post_form("/admin/unit/baru", unit_form(**values))

    assert response.status_code == 200
    assert message(app, text) in page_text(response)
    assert count(Unit) == before


def test_renaming_a_unit_to_an_existing_name_is_refused(app, admin_client, tree):
    _top, middle, _bottom = tree

    response = admin_client.post_form(
        f"/admin/unit/{middle.id}",
        unit_form(name="Poli Umum", parent_id=str(_top.id)),
    )

    assert response.status_code == 200
    assert message(app, "A unit with this name already exists.") in page_text(response)
    assert unit_named("Puskesmas Tamalate") is not None


# Partner institutions ----------------------------------------------------------------------


def institution_named(name: str) -> Institution | None:
    db.session.expire_all()
    return db.session.scalar(select(Institution).where(Institution.name == name))


def test_create_and_edit_an_institution(admin_client, admin_user, make_user):
    response = admin_client.post_form(
        "/mitra/baru",
        {"name": "Politeknik Negeri Ujung Pandang", "type": "polytechnic", "active": "y"},
    )

    assert response.status_code == 302
    poltek = institution_named("Politeknik Negeri Ujung Pandang")
    assert response.headers["Location"] == f"/mitra/{poltek.id}"
    assert (poltek.type, poltek.active) == (InstitutionType.POLYTECHNIC, True)
    [created] = audit_entries("institution.create", f"institution:{poltek.id}")
    assert created.actor_id == admin_user.id
    make_user("Dosen", email="dosen@poliupg.ac.id", roles=(Role.PARTNER,), institution=poltek)
    listing = admin_client.get("/mitra/").get_data(as_text=True)
    assert re.search(
        rf'<a href="/mitra/{poltek.id}">Politeknik Negeri Ujung Pandang</a>.*?'
        r"<td>[^<]*</td><td>1</td>",
        listing,
        re.S,
    )

    response = admin_client.post_form(
        f"/mitra/{poltek.id}/ubah", {"name": "PNUP", "type": "training_institute"}
    )

    assert response.status_code == 302
    pnup = institution_named("PNUP")
    assert pnup.id == poltek.id
    assert (pnup.type, pnup.active) == (InstitutionType.TRAINING_INSTITUTE, False)
    [updated] = audit_entries("institution.update", f"institution:{poltek.id}")
    assert updated.before == {
        "name": "Politeknik Negeri Ujung Pandang",
        "type": "polytechnic",
        "active": True,
    }
    assert updated.after == {"name": "PNUP", "type": "training_institute", "active": False}


def test_duplicate_institution_is_refused(app, admin_client, institution):
    text = message(app, "An institution with this name already exists.")
    other = Institution(name="Politeknik Negeri Ujung Pandang", type=InstitutionType.POLYTECHNIC)
    db.session.add(other)
    db.session.commit()

    response = admin_client.post_form(
        "/mitra/baru", {"name": "universitas hasanuddin", "type": "university", "active": "y"}
    )

    assert response.status_code == 422
    assert text in page_text(response)
    assert count(Institution) == 2

    response = admin_client.post_form(
        f"/mitra/{other.id}/ubah",
        {"name": "Universitas Hasanuddin", "type": "university", "active": "y"},
    )

    assert response.status_code == 422
    assert text in page_text(response)
    assert institution_named("Politeknik Negeri Ujung Pandang").id == other.id
    assert audit_entries("institution.update") == []


# Audit log ---------------------------------------------------------------------------------


def audit_rows(page: str) -> list[str]:
    """The rows of the audit table, newest first."""
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S)
    return re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S) if body else []


def row_target(row: str) -> str | None:
    match = re.search(r'href="/admin/audit\?target=[^"]*">([^<]+)</a>', row)
    return match.group(1) if match else None


def test_audit_log_lists_and_filters(admin_client, people, units):
    andi, nurul = people["andi"], people["nurul"]
    admin_client.post_form(f"/admin/pengguna/{andi.id}", person_form(andi, rank="III/d"))
    admin_client.post_form(f"/admin/pengguna/{nurul.id}", person_form(nurul, rank="IV/a"))
    admin_client.post_form(f"/admin/pengguna/{andi.id}/reset")
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).all()
    assert [e.action for e in entries[:3]] == ["user.reset_password", "user.update", "user.update"]

    rows = audit_rows(admin_client.get("/admin/audit").get_data(as_text=True))

    assert [row_target(r) for r in rows] == [e.target or None for e in entries]
    assert "III/d" in rows[2] and "IV/a" in rows[1]

    page = admin_client.get("/admin/audit", query_string={"target": f"user:{andi.id}"})
    rows = audit_rows(page.get_data(as_text=True))

    assert [row_target(r) for r in rows] == [f"user:{andi.id}"] * 2
    assert "III/d" in rows[1] and "III/d" not in rows[0]

    page = admin_client.get("/admin/audit", query_string={"action": "user.upd"})
    rows = audit_rows(page.get_data(as_text=True))

    assert [row_target(r) for r in rows] == [f"user:{nurul.id}", f"user:{andi.id}"]
    assert "IV/a" in rows[0] and "III/d" in rows[1]


# Who may use the admin pages ---------------------------------------------------------------

ADMIN_PAGES = [
    "/admin/pengguna",
    "/admin/pengguna/baru",
    "/admin/unit",
    "/admin/unit/baru",
    "/admin/audit",
    "/mitra/",
    "/mitra/baru",
]


@pytest.mark.parametrize("role", [Role.ASN, Role.SUPERVISOR, Role.PARTNER])
def test_non_admins_get_403(client, make_user, role):
    user = make_user(
        "Bukan Admin", email="bukan@makassar.go.id", nip="198001012005012001", roles=(role,)
    )
    client.login(user.email)
    assert logged_in(client)
    before = count(User)

    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 403, url
    response = client.post_form(
        "/admin/pengguna/baru", person_form(name="Penyusup", email="x@y.id", roles=["admin"])
    )
    assert response.status_code == 403
    assert client.post_form(f"/admin/pengguna/{user.id}/reset").status_code == 403
    assert count(User) == before
    db.session.expire_all()
    assert user.roles == {role}


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_anonymous_users_are_sent_to_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/masuk")
