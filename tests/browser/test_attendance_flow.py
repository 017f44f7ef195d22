"""Attendance on phones: the partner's staff tick participants present on the roster, and a
civil servant checks in with the code shown in the room."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.auth.models import User
from lms.classes import sessions
from lms.classes.models import Attendance, AttendanceMethod, ClassSession
from lms.core.clock import utcnow
from lms.extensions import db
from tests.browser.test_login_flow import PASSWORD, fits_phone, screenshot

pytestmark = pytest.mark.browser

COHORT = 1  # the demo class: Ahmad Fauzi and Nurul Hidayah are its participants
STAFF = "mitra@kampus.demo"
AHMAD = "199001012015031001"


def log_in(phone: Page, who: str) -> None:
    # Let the last page's requests finish first: a late response (the icon's) would set the
    # previous person's session cookie again after it was cleared.
    phone.wait_for_load_state("networkidle")
    phone.context.clear_cookies()
    phone.goto("/masuk")
    phone.locator("#login-form #identifier").fill(who)
    phone.locator("#login-form #password").fill(PASSWORD)
    with phone.expect_navigation():
        phone.locator("#login-form").get_by_role("button").click()


def new_session(live_app, topic: str) -> tuple[int, str]:
    """A session of the demo class going on now (the server's now)."""
    with live_app.app_context():
        start = utcnow() - timedelta(minutes=10)
        s = ClassSession(
            cohort_id=COHORT,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            topic=topic,
            instructors="Dr. Andi Rahman, M.Si.",
            checkin_code=sessions.new_code(
                set(db.session.scalars(select(ClassSession.checkin_code)))
            ),
        )
        db.session.add(s)
        db.session.commit()
        return s.id, s.checkin_code


def attendance_at(live_app, session_id: int) -> dict[str, tuple[bool, AttendanceMethod]]:
    with live_app.app_context():
        rows = db.session.execute(
            select(User.name, Attendance.present, Attendance.method)
            .join(User, User.id == Attendance.user_id)
            .where(Attendance.session_id == session_id)
        ).all()
        return {name: (present, method) for name, present, method in rows}


def test_staff_tick_the_roster_and_a_participant_checks_in(phone: Page, live_app, indonesian):
    roster_id, _ = new_session(live_app, "Praktik analisis data (roster)")
    checkin_id, code = new_session(live_app, "Praktik analisis data (kode)")

    # The partner's staff take attendance on a phone.
    log_in(phone, STAFF)
    phone.goto(f"/kelas/{COHORT}/sesi/{roster_id}/presensi")
    expect(phone.get_by_role("heading", level=1)).to_have_text(indonesian("Attendance"))
    fits_phone(phone)
    count = phone.locator("#roster-count")
    present = indonesian("%(present)s of %(total)s present")
    expect(count).to_have_text(present % {"present": 0, "total": 2})
    rows = phone.locator("#roster > li")
    expect(rows).to_have_count(2)
    for i in range(2):
        button = rows.nth(i).get_by_role("button", name=indonesian("Present"))
        expect(button).to_have_attribute("aria-pressed", "false")
        box = button.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44  # a thumb's target
        button.tap()
        expect(rows.nth(i).get_by_role("button")).to_have_attribute("aria-pressed", "true")
    expect(count).to_have_text(present % {"present": 2, "total": 2})
    screenshot(phone, "attendance-roster")
    assert attendance_at(live_app, roster_id) == {
        "Ahmad Fauzi": (True, AttendanceMethod.ROSTER),
        "Nurul Hidayah": (True, AttendanceMethod.ROSTER),
    }
    # The page as reloaded says the same.
    phone.reload()
    expect(phone.locator('#roster button[aria-pressed="true"]')).to_have_count(2)

    # A participant, in the room, checks in with the code shown there.
    log_in(phone, AHMAD)
    phone.goto(f"/kelas/{COHORT}")
    phone.get_by_role("link", name=indonesian("Check in to today's session")).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(indonesian("Check in"))
    fits_phone(phone)
    # Present at the other session already (the roster above): that is said, and the form
    # stays for this one.
    expect(phone.locator("#checkin-done")).to_contain_text("Praktik analisis data (roster)")
    phone.get_by_label(indonesian("Check-in code")).fill(code.lower())
    phone.get_by_role("button", name=indonesian("I am here")).click()
    done = phone.locator("#checkin-done")
    expect(done).to_contain_text(indonesian("You are recorded present."))
    expect(done).to_contain_text("Praktik analisis data (kode)")
    screenshot(phone, "attendance-checked-in")
    assert attendance_at(live_app, checkin_id) == {"Ahmad Fauzi": (True, AttendanceMethod.SELF)}
