"""A civil servant on a phone takes a timed exam: each answer is saved as she gives it, the ones
given while the connection is lost are kept on the phone and sent when it returns, and she
submits and gets a receipt."""

import re

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from lms.auth.models import User
from lms.exams import demo, services
from lms.exams.models import Attempt, AttemptState, Exam
from lms.extensions import db
from tests.browser.test_login_flow import PASSWORD, fits_phone, screenshot

pytestmark = pytest.mark.browser

NIP = demo.LEARNER  # Ahmad Fauzi: enrolled, attempt 1 of 2 already submitted
ESSAY = "Saya dengarkan keluhannya, jelaskan status berkasnya, dan beri kepastian waktu."
TYPED = {"short": "25", "numeric": "75", "essay": ESSAY}


def pattern(message: str, **values: str) -> re.Pattern:
    """A translated message as a pattern, each %(name)s standing for the regex given."""
    parts = re.split(r"%\((\w+)\)s", message)
    return re.compile(
        "".join(re.escape(p) if i % 2 == 0 else values[p] for i, p in enumerate(parts))
    )


def answer(form: Locator, snapshot: dict, indonesian) -> dict:
    """Answer one question as a learner does; return the value the server should store."""
    kind, options = snapshot["type"], snapshot["options"]
    if kind in ("single", "truefalse"):
        chosen = options[-1:]
    elif kind == "multiple":
        chosen = options[:2]
    else:
        field = form.get_by_label(indonesian("Your answer"))
        field.fill(TYPED[kind])
        field.press("Tab")  # a typed answer is sent when the field loses focus
        return {"text": TYPED[kind]}
    for option in chosen:
        label = option["text"]
        if kind == "truefalse":
            label = indonesian("True") if label == "true" else indonesian("False")
        form.get_by_label(label, exact=True).check()
    return {"options": sorted(o["id"] for o in chosen)}


def test_asn_takes_an_exam_through_a_lost_connection(
    phone: Page, live_app, indonesian, expected_problems
):
    with live_app.app_context():
        exam_id = db.session.scalar(select(Exam.id).where(Exam.title == demo.EXAM_TITLE))
        user_id = db.session.scalar(select(User.id).where(User.nip == NIP))

    def attempt() -> Attempt:
        return db.session.scalar(
            select(Attempt)
            .where(Attempt.exam_id == exam_id, Attempt.user_id == user_id)
            .order_by(Attempt.number.desc())
        )

    def stored() -> dict[int, tuple[dict, bool]]:
        with live_app.app_context():
            answers = services.answers_by_position(attempt())
            return {p: (a.value, a.flagged) for p, a in answers.items()}

    phone.goto("/masuk")
    phone.locator("#identifier").fill(NIP)
    phone.locator("#password").fill(PASSWORD)
    phone.locator("#login-form").get_by_role("button").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Ahmad Fauzi")

    phone.goto(f"/ujian/{exam_id}")
    expect(phone.get_by_role("heading", level=1)).to_have_text(demo.EXAM_TITLE)
    fits_phone(phone)
    # Also a regression test: a screenshot leaves style="" on each input (Playwright hides the
    # caret), and htmx used to copy that attribute onto the next page's #csrf_token, which the
    # CSP refuses as an inline style.
    screenshot(phone, "exam-start")
    start = indonesian("Start attempt %(n)s") % {"n": 2}
    phone.get_by_role("button", name=start).click()

    # All questions on one page (the demo exam's setting), none answered yet.
    timer = phone.locator("#timer strong")
    expect(timer).to_have_text(re.compile(r"0:(30:00|29:[0-5]\d)"))
    with live_app.app_context():
        current = attempt()
        assert current.number == 2 and current.state is AttemptState.IN_PROGRESS
        snapshots = {q.position: q.snapshot for q in current.questions}
        key = f"exam-{current.id}"  # where exam.js keeps unsent answers
    forms = phone.locator("form[data-pos]")
    expect(forms).to_have_count(len(snapshots))
    nav = phone.get_by_role("navigation", name=indonesian("Questions"))
    expect(nav.get_by_role("link")).to_have_count(len(snapshots))
    for position in snapshots:
        expect(phone.locator(f"#nav-{position} i")).to_have_text("○")
    # The clock counts down from the seconds the server sent.
    shown = timer.inner_text()
    expect(timer).not_to_have_text(shown)
    fits_phone(phone)
    screenshot(phone, "exam-attempt")

    saved = pattern(indonesian("Saved %(time)s"), time=r"\d\d:\d\d:\d\d")
    not_sent = indonesian(
        "Not saved: no connection. Your answer is kept on this device and sent again when "
        "the connection returns."
    )
    positions = sorted(snapshots)
    online, offline = positions[:3], positions[3:]
    expected: dict[int, dict] = {}
    for position in online:
        form = phone.locator(f"#q-{position}")
        expected[position] = answer(form, snapshots[position], indonesian)
        expect(form.locator(".msg")).to_have_text(saved)
        expect(phone.locator(f"#nav-{position} i")).to_have_text("✓")
    flagged = online[1]
    phone.locator(f"#q-{flagged}").get_by_label(indonesian("Flag to review later")).check()
    expect(phone.locator(f"#nav-{flagged} i")).to_have_text("✓⚑")
    assert stored() == {p: (expected[p], p == flagged) for p in online}

    # The connection drops: answers stay on the phone, and the page says so.
    phone.context.set_offline(True)
    unsent = phone.locator("#unsent")
    expect(unsent).to_be_visible()
    for position in offline:
        form = phone.locator(f"#q-{position}")
        expected[position] = answer(form, snapshots[position], indonesian)
        expect(form.locator(".msg")).to_have_text(not_sent)
        expect(phone.locator(f"#nav-{position}")).to_have_class(re.compile(r"\bwarn\b"))
        expect(phone.locator(f"#nav-{position} i")).to_have_text("○")
    kept = phone.evaluate(f"JSON.parse(localStorage.getItem('{key}'))")
    assert sorted(kept) == [str(p) for p in offline]
    assert sorted(stored()) == online
    # "Save & next" does not leave the page for the browser's offline error.
    attempt_url = phone.url
    last = phone.locator(f"#q-{offline[-1]}")
    last.get_by_role("button", name=indonesian("Save & next")).click()
    expect(last.locator(".msg")).to_have_text(not_sent)
    assert phone.url == attempt_url
    # Finishing now would leave those answers out, so nothing is submitted.
    phone.get_by_role("button", name=indonesian("Finish and submit…")).click()
    expect(unsent).to_be_visible()
    assert phone.url == attempt_url
    fits_phone(phone)
    screenshot(phone, "exam-offline")

    # Back online, every kept answer reaches the server.
    phone.context.set_offline(False)
    for position in offline:
        expect(phone.locator(f"#q-{position} .msg")).to_have_text(saved)
        expect(phone.locator(f"#nav-{position} i")).to_have_text("✓")
        expect(phone.locator(f"#nav-{position}")).not_to_have_class(re.compile(r"\bwarn\b"))
    expect(unsent).to_be_hidden()
    assert phone.evaluate(f"localStorage.getItem('{key}')") == "{}"
    assert stored() == {p: (expected[p], p == flagged) for p in positions}

    # The session ends (cookies gone): the next save is refused, the answer stays on the phone
    # and the page says why; after logging in again it is sent.
    expected_problems += [re.compile(r"\b400\b.*/jawab/"), re.compile(r"console: .*\b400\b")]
    phone.context.clear_cookies()
    late_flag = online[2]
    phone.locator(f"#q-{late_flag}").get_by_label(indonesian("Flag to review later")).check()
    expect(phone.locator(f"#q-{late_flag} .msg")).to_have_text(
        indonesian(
            "Not saved: your session has ended. Your answer is kept on this device: reload "
            "this page (log in again if asked) and it is sent."
        )
    )
    assert sorted(phone.evaluate(f"JSON.parse(localStorage.getItem('{key}'))")) == [str(late_flag)]
    phone.reload()
    phone.locator("#identifier").fill(NIP)
    phone.locator("#password").fill(PASSWORD)
    phone.locator("#login-form").get_by_role("button").click()
    expect(phone.locator(f"#nav-{late_flag} i")).to_have_text("✓⚑")
    expect(phone.locator(f"#q-{late_flag} .msg")).to_have_text(saved)
    assert phone.evaluate(f"localStorage.getItem('{key}')") == "{}"
    flags = {flagged, late_flag}
    assert stored() == {p: (expected[p], p in flags) for p in positions}

    # Submit: a summary first, then confirm once more.
    phone.get_by_role("button", name=indonesian("Finish and submit…")).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        indonesian("Submit attempt %(n)s?") % {"n": 2}
    )
    summary = phone.locator("dl.kv")
    expect(summary).to_contain_text(f"{len(positions)} / {len(positions)}")
    for position in sorted(flags):
        expect(summary.get_by_role("link", name=str(position), exact=True)).to_be_visible()
    fits_phone(phone)
    screenshot(phone, "exam-submit")
    phone.get_by_role("button", name=indonesian("Yes, submit")).click()

    expect(phone.get_by_role("heading", level=1)).to_contain_text(
        indonesian("Attempt %(n)s") % {"n": 2}
    )
    receipt = phone.locator("#receipt")
    expect(receipt).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    with live_app.app_context():
        done = attempt()
        assert done.state is not AttemptState.IN_PROGRESS
        assert receipt.inner_text() == done.receipt
    fits_phone(phone)
    screenshot(phone, "exam-receipt")
