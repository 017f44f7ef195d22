"""Login, NIP rules, passwords, throttling, sessions, redirects and CSRF."""

from datetime import date

import pytest
from sqlalchemy import select

from lms.auth.models import Role, User
from lms.auth.nip import NipError, check_nip
from lms.auth.passwords import PasswordRejected, check_new_password
from lms.core.audit import AuditEntry
from lms.extensions import db
from tests.conftest import PASSWORD, Client

TODAY = date(2026, 11, 28)


# NIP ------------------------------------------------------------------------------------------


def test_valid_nip_is_accepted_with_spaces_removed():
    assert check_nip("19900101 201503 1 001", TODAY) == "199001012015031001"


@pytest.mark.parametrize(
    ("nip", "part"),
    [
        ("1990010120150310", "18"),  # too short
        ("1990010120150310011", "18"),  # too long
        ("19900101201503100a", "digits"),  # not digits
        ("199013012015031001", "1–8"),  # month 13 in the birth date
        ("199002302015031001", "1–8"),  # 30 February
        ("203001012015031001", "1–8"),  # born in the future
        ("193001012015031001", "1–8"),  # born before 1940
        ("199001012015131001", "13–14"),  # appointment month 13
        ("199001012015001001", "13–14"),  # appointment month 00
        ("199001012000031001", "9–14"),  # appointed at ten years old
        ("199001012030031001", "9–14"),  # appointed in the future
        ("199001012015033001", "15"),  # gender digit 3
        ("199001012015030001", "15"),  # gender digit 0
        ("199001012015031000", "16–18"),  # sequence 000
    ],
)
def test_malformed_nip_names_the_wrong_part(nip, part):
    with pytest.raises(NipError) as e:
        check_nip(nip, TODAY)
    assert part in str(e.value)


def test_login_form_shows_which_part_of_the_nip_is_wrong(client, make_user):
    make_user(nip="199001012015031001")
    response = client.login("199001012015041001".replace("041", "131"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "13–14" in body
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "auth.login")) is None


# Passwords ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "short",
        "elevenchars",  # 11 characters
        "iloveyou1234",  # a common password
        "qwertyuiop123",  # a common one padded with digits
        "Makassar2026!",  # a local word padded
        "aaaaaaaaaaaaaaaa",  # one letter repeated
    ],
)
def test_weak_passwords_are_refused(password):
    with pytest.raises(PasswordRejected):
        check_new_password(password)


@pytest.mark.parametrize(
    "password",
    [
        "kuda lumping menari",  # words with spaces, no digits or capitals needed
        "coto-makassar-pallubasa",
        "ᨅᨗᨊ ᨕᨔᨊ ᨆᨀᨔᨑ",  # Lontara script, 12+ characters
        "tiga kata saja " * 40,  # 600 characters
    ],
)
def test_long_and_unicode_passwords_are_accepted(password):
    check_new_password(password)


def test_long_password_is_not_truncated(client, make_user):
    long_password = "sebuah kalimat panjang yang mudah diingat " * 5
    make_user(email="panjang@test.id", roles=(Role.PARTNER,), password=long_password)
    assert client.login("panjang@test.id", long_password[:-1]).status_code == 200
    assert client.login("panjang@test.id", long_password).status_code == 302


def test_passwords_are_hashed_with_argon2id(client, make_user, app):
    from lms.auth import passwords

    passwords.configure("RFC_9106_LOW_MEMORY")
    try:
        user = make_user(nip="199001012015031001", password="hash me with the real profile")
        client.login("199001012015031001", "hash me with the real profile")
        client.post_form(
            "/akun/kata-sandi",
            {
                "current_password": "hash me with the real profile",
                "new_password": "kapal pinisi berlayar",
                "confirm": "kapal pinisi berlayar",
            },
        )
    finally:
        passwords.configure(app.config["PASSWORD_HASH_PROFILE"])
    stored = db.session.get(User, user.id).password_hash
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert "kapal" not in stored


def test_password_equal_to_own_nip_is_refused():
    with pytest.raises(PasswordRejected):
        check_new_password("199001012015031001", context=("199001012015031001",))


# Login ----------------------------------------------------------------------------------------


def test_login_by_nip(client, make_user):
    user = make_user("Ahmad Fauzi", nip="199001012015031001")
    response = client.login("199001012015031001")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Ahmad Fauzi" in client.get("/").get_data(as_text=True)
    assert db.session.get(User, user.id).last_login_at is not None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "auth.login"))
    assert entry.actor_id == user.id


def test_login_by_email_ignores_case(client, make_user):
    make_user("Dosen Mitra", email="dosen@kampus.id", roles=(Role.PARTNER,))
    assert client.login("Dosen@Kampus.ID").status_code == 302


def test_wrong_password_and_unknown_account_get_the_same_answer(client, make_user):
    make_user(nip="199001012015031001")
    wrong = client.login("199001012015031001", "not the right password").get_data(as_text=True)
    unknown = client.login("199202022016032002", "not the right password").get_data(as_text=True)

    def error(html):
        start = html.index('class="error"')
        return html[start : html.index("</p>", start)]

    assert error(wrong) == error(unknown)
    failures = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "auth.login_failed")
    ).all()
    assert len(failures) == 2
    assert all("not the right password" not in str(f.after) + str(f.target) for f in failures)


def test_deactivated_account_cannot_log_in(client, make_user):
    make_user(nip="199001012015031001", active=False)
    response = client.login("199001012015031001")
    assert response.status_code == 200
    assert "Location" not in response.headers


# Throttling -----------------------------------------------------------------------------------


def test_ten_failures_from_one_address_throttle_it(client, make_user):
    make_user(nip="199001012015031001")
    here = {"REMOTE_ADDR": "10.1.1.1"}
    for i in range(10):
        response = client.login(f"orang{i}@test.id", "wrong password here", environ_base=here)
        assert response.status_code == 200
    blocked = client.login("199001012015031001", environ_base=here)
    assert blocked.status_code == 429
    assert "15" in blocked.get_data(as_text=True)
    # Another address is not affected.
    assert (
        client.login("199001012015031001", environ_base={"REMOTE_ADDR": "10.1.1.2"}).status_code
        == 302
    )


def test_ten_failures_on_one_account_throttle_it_from_any_address(client, make_user):
    make_user(nip="199001012015031001")
    for i in range(10):
        client.login(
            "199001012015031001", "wrong password here", environ_base={"REMOTE_ADDR": f"10.2.0.{i}"}
        )
    blocked = client.login("199001012015031001", environ_base={"REMOTE_ADDR": "10.2.1.99"})
    assert blocked.status_code == 429


def test_successful_logins_are_not_throttled(client, make_user):
    make_user(nip="199001012015031001")
    for _ in range(12):
        assert client.login("199001012015031001").status_code == 302


def test_throttle_message_follows_the_language(client, make_user):
    client.set_cookie("lang", "en")
    for i in range(10):
        client.login("199001012015031001", f"wrong password {i}")
    body = client.login("199001012015031001").get_data(as_text=True)
    assert '<html lang="en">' in body
    assert "Too many attempts" in body


# Sessions -------------------------------------------------------------------------------------


def _session_cookie(client):
    cookie = client.get_cookie("bina_session")
    return cookie.value if cookie else None


def test_login_renews_the_session(client, make_user):
    make_user(nip="199001012015031001")
    client.get("/")
    with client.session_transaction() as sess:
        sess["planted"] = "by someone else"
    client.login("199001012015031001")
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["_user_id"].startswith(str(db.session.scalar(select(User.id))))


def test_session_cookie_flags(client, make_user):
    make_user(nip="199001012015031001")
    response = client.login("199001012015031001")
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("bina_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_logout_ends_every_session_of_the_person(client, new_client, make_user):
    make_user(nip="199001012015031001")
    phone, laptop = client, new_client()
    phone.login("199001012015031001")
    laptop.login("199001012015031001")
    assert laptop.get("/akun/kata-sandi").status_code == 200
    phone.post_form("/keluar")
    assert phone.get("/akun/kata-sandi").status_code == 302
    assert laptop.get("/akun/kata-sandi").status_code == 302


def test_password_change_ends_other_sessions_and_keeps_this_one(client, new_client, make_user):
    user = make_user(nip="199001012015031001")
    phone, laptop = client, new_client()
    phone.login("199001012015031001")
    laptop.login("199001012015031001")
    response = phone.post_form(
        "/akun/kata-sandi",
        {
            "current_password": PASSWORD,
            "new_password": "sop saudara pangkep",
            "confirm": "sop saudara pangkep",
        },
    )
    assert response.status_code == 302
    assert phone.get("/akun/kata-sandi").status_code == 200
    assert laptop.get("/akun/kata-sandi").status_code == 302
    assert new_client().login("199001012015031001", "sop saudara pangkep").status_code == 302
    assert db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "auth.password_changed", AuditEntry.actor_id == user.id
        )
    )


def test_password_change_needs_the_current_password(client, make_user):
    user = make_user(nip="199001012015031001")
    old_hash = user.password_hash
    client.login("199001012015031001")
    response = client.post_form(
        "/akun/kata-sandi",
        {
            "current_password": "not my password",
            "new_password": "sop saudara pangkep",
            "confirm": "sop saudara pangkep",
        },
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == old_hash


def test_one_time_password_forces_a_new_one(client, make_user):
    user = make_user(nip="199001012015031001", must_change_password=True)
    response = client.login("199001012015031001")
    assert response.headers["Location"].startswith("/akun/kata-sandi-baru")
    # Every other page sends the person back until they have chosen a password.
    assert client.get("/").headers["Location"] == "/akun/kata-sandi-baru"
    response = client.post_form(
        "/akun/kata-sandi-baru",
        {"new_password": "es pisang ijo segar", "confirm": "es pisang ijo segar"},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    db.session.expire_all()
    assert db.session.get(User, user.id).must_change_password is False


def test_session_for_a_changed_version_is_refused(client, make_user):
    user = make_user(nip="199001012015031001")
    client.login("199001012015031001")
    user.end_sessions()
    db.session.commit()
    assert client.get("/akun/kata-sandi").status_code == 302


# Redirects ------------------------------------------------------------------------------------


def test_next_redirect_stays_on_this_site(client, make_user):
    make_user(nip="199001012015031001")
    response = client.get("/akun/kata-sandi")
    assert response.headers["Location"].startswith("/masuk?next=")
    response = client.post_form(
        "/masuk",
        {"identifier": "199001012015031001", "password": PASSWORD, "next": "/akun/kata-sandi"},
    )
    assert response.headers["Location"] == "/akun/kata-sandi"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "http:/evil",
        "javascript:alert(1)",
        "\t//evil.example",
    ],
)
def test_next_redirect_to_another_site_is_refused(client, make_user, target):
    make_user(nip="199001012015031001", email=None)
    response = client.post_form(
        "/masuk", {"identifier": "199001012015031001", "password": PASSWORD, "next": target}
    )
    assert response.headers["Location"] == "/"


def test_language_switch_refuses_foreign_next(client):
    response = client.get("/bahasa/en?next=https://evil.example/")
    assert response.headers["Location"] == "/"


# CSRF -----------------------------------------------------------------------------------------


def test_form_without_csrf_token_is_refused(client, make_user):
    make_user(nip="199001012015031001")
    response = client.post(
        "/masuk", data={"identifier": "199001012015031001", "password": PASSWORD}
    )
    assert response.status_code == 400
    with client.session_transaction() as sess:
        assert "_user_id" not in sess


def test_htmx_post_with_token_in_header_is_accepted_and_without_refused(client, make_user):
    make_user(nip="199001012015031001")
    client.login("199001012015031001")
    token = client.csrf_token()
    refused = client.post("/keluar", headers={"HX-Request": "true"})
    assert refused.status_code == 400
    assert client.get("/akun/kata-sandi").status_code == 200  # still logged in
    accepted = client.post("/keluar", headers={"HX-Request": "true", "X-CSRFToken": token})
    assert accepted.status_code == 302
    assert client.get("/akun/kata-sandi").status_code == 302


def test_htmx_request_without_login_is_sent_to_the_login_page(client):
    response = client.get("/admin/pengguna", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/masuk?next=")


def test_after_logging_in_again_an_htmx_request_comes_back_to_its_page(client):
    """A fragment's URL (an exam answer's save, say) is no page: come back to the page."""
    response = client.get(
        "/admin/pengguna?q=siti",
        headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/admin/unit?x=1"},
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/masuk?next=/admin/unit?x%3D1"


def _redis_or_skip(url: str):
    import redis

    r = redis.Redis.from_url(url)
    try:
        r.ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {url}")
    return r


def test_throttle_is_shared_through_redis_when_configured(app_config, make_user):
    """Two app processes (here: two apps) count failures together when LMS_REDIS_URL is set."""
    from lms import create_app
    from lms.extensions import limiter

    url = "redis://127.0.0.1:6379/15"
    r = _redis_or_skip(url)
    r.flushdb()
    config = {**app_config, "REDIS_URL": url}
    config.pop("RATELIMIT_STORAGE_URI")
    apps = []
    try:
        first = create_app(config)
        apps.append(first)
        assert first.config["RATELIMIT_STORAGE_URI"] == url
        make_user(nip="199001012015031001")
        first.test_client_class = Client
        for i in range(10):
            first.test_client().login("199001012015031001", f"wrong password {i}")
        assert r.dbsize() > 0  # the counters live in Redis
        second = create_app(config)
        apps.append(second)
        second.test_client_class = Client
        assert second.test_client().login("199001012015031001").status_code == 429
    finally:
        limiter.reset()
        r.flushdb()
        for each in apps:  # close their database connections now, not at garbage collection
            with each.app_context():
                db.engine.dispose()


def test_the_session_cookie_is_refreshed_every_few_minutes_not_on_every_request(
    client, make_user, monkeypatch
):
    from lms.core import security

    make_user(nip="199001012015031099")
    clock = [1_000_000.0]
    monkeypatch.setattr(security.time, "time", lambda: clock[0])
    assert client.login("199001012015031099").status_code == 302

    def sets_cookie() -> bool:
        response = client.get("/sehat")
        return any(h.startswith("bina_session=") for h in response.headers.getlist("Set-Cookie"))

    sets_cookie()  # the first refresh after the login stamps the session
    assert not sets_cookie()
    clock[0] += security.SESSION_REFRESH_SECONDS - 1
    assert not sets_cookie()
    clock[0] += 2
    assert sets_cookie()  # the expiry moves forward: a person at work stays logged in
    assert not sets_cookie()
    assert client.get("/akun/kata-sandi").status_code == 200


def test_a_session_cookie_sent_again_and_again_is_good_until_it_expires(
    client, make_user, monkeypatch
):
    # Each process keeps a decoded cookie (security.SessionInterface): its age still counts.
    from lms.core import security

    make_user(nip="199001012015031099")
    clock = [1_000_000.0]
    monkeypatch.setattr(security.time, "time", lambda: clock[0])
    client.login("199001012015031099")
    client.get("/akun/kata-sandi")  # shows the login's welcome and stamps the session
    cookie = client.get_cookie("bina_session").value
    for _ in range(3):
        assert client.get("/akun/kata-sandi").status_code == 200
    assert client.get_cookie("bina_session").value == cookie  # the same cookie each time
    clock[0] += 12 * 3600 - 1
    assert client.get("/akun/kata-sandi").status_code == 200  # (and the cookie is renewed)
    clock[0] += 2  # the old cookie, twelve hours and a second after it was signed
    client.set_cookie("bina_session", cookie)
    response = client.get("/akun/kata-sandi")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def test_a_session_cookie_with_another_signature_is_refused_after_the_good_one(client, make_user):
    make_user(nip="199001012015031099")
    client.login("199001012015031099")
    good = client.get_cookie("bina_session").value
    assert client.get("/akun/kata-sandi").status_code == 200
    payload, _, signature = good.rpartition(".")
    # The first character: all its bits are the signature's (the last one's are partly padding).
    forged = ("A" if signature[0] != "A" else "B") + signature[1:]
    client.set_cookie("bina_session", f"{payload}.{forged}")
    response = client.get("/akun/kata-sandi")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]
    client.set_cookie("bina_session", good)
    assert client.get("/akun/kata-sandi").status_code == 200


def test_a_cookie_carrying_a_message_shows_it_to_each_request_that_sends_it(client, make_user):
    # A session with flashed messages is decoded anew each time: what one request takes out
    # of its session is not taken from the next request's.
    make_user(nip="199001012015031099", name="Andi Baso")
    client.login("199001012015031099")
    carrying = client.get_cookie("bina_session").value
    for _ in range(2):
        client.set_cookie("bina_session", carrying)
        assert "Selamat datang, Andi Baso." in client.get("/").get_data(as_text=True)
    assert "Selamat datang" not in client.get("/").get_data(as_text=True)
