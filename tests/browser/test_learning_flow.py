"""A civil servant on a phone finds a course, enrolls, does a lesson and sees her progress."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_login_flow import PASSWORD, fits_phone, screenshot

pytestmark = pytest.mark.browser

NIP = "199202022016032002"  # Nurul Hidayah: not yet enrolled in the course below
COURSE = "Moderasi Beragama dan Wawasan Kebangsaan"


def percent(page: Page) -> int:
    return int(page.locator("#progress progress").get_attribute("value"))


def test_asn_enrolls_does_a_lesson_and_sees_progress(phone: Page, indonesian):
    phone.goto("/masuk")
    phone.locator("#identifier").fill(NIP)
    phone.locator("#password").fill(PASSWORD)
    phone.locator("#login-form").get_by_role("button").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Nurul Hidayah")

    phone.goto("/kursus")
    phone.evaluate("window.__sameDocument = true")
    phone.get_by_role("searchbox").press_sequentially("moderasi", delay=40)
    results = phone.locator("#catalog-list article")
    expect(results).to_have_count(1)
    assert phone.evaluate("window.__sameDocument") is True  # the list changed in place
    fits_phone(phone)
    screenshot(phone, "learning-catalog-search")
    results.get_by_role("link", name=COURSE).click()

    expect(phone.get_by_role("heading", level=1)).to_have_text(COURSE)
    actions = phone.locator("#course-actions")
    fits_phone(phone)
    screenshot(phone, "learning-course-page")
    actions.get_by_role("button", name=indonesian("Enroll in this course")).click()

    # Enrolling opens the first lesson, with nothing done yet.
    expect(phone).to_have_url(re.compile(r"/kursus/[^/]+/pelajaran/\d+$"))
    expect(phone.locator("#progress")).to_be_visible()
    before = percent(phone)
    assert before == 0
    fits_phone(phone)
    screenshot(phone, "learning-lesson")

    phone.evaluate("window.__sameDocument = true")
    phone.locator("#progress").get_by_role("button", name=indonesian("Mark as done")).click()
    expect(phone.locator("#progress")).to_contain_text(indonesian("You have done this lesson."))
    after = percent(phone)
    assert after > before
    expect(phone.locator("#progress")).to_contain_text(f"{after}%")
    assert phone.evaluate("window.__sameDocument") is True  # htmx swapped only the fragment
    fits_phone(phone)
    screenshot(phone, "learning-lesson-done")

    phone.get_by_role("link", name=indonesian("My learning")).first.click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(indonesian("My learning"))
    in_progress = phone.locator("#in-progress")
    expect(in_progress).to_contain_text(COURSE)
    course_card = in_progress.locator("li", has_text=COURSE)
    expect(course_card.locator("progress")).to_have_attribute("value", str(after))
    expect(phone.locator("#assigned")).to_contain_text("Pelayanan Publik Prima")
    expect(phone.locator("#assigned .tag.overdue")).to_have_text(indonesian("Overdue"))
    fits_phone(phone)
    screenshot(phone, "learning-my-learning")
